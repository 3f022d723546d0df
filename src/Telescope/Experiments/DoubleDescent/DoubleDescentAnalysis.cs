namespace Telescope.Experiments.DoubleDescent;

/// <summary>An interior maximum of a series over the width grid and how far it stands out.</summary>
/// <param name="Index">Index of the largest value.</param>
/// <param name="Width">Width at <paramref name="Index"/>.</param>
/// <param name="Value">The largest value.</param>
/// <param name="Prominence">
/// min(peak / smallest value at smaller widths, peak / smallest value at larger widths); 1 when the maximum
/// sits at either end of the grid (no interior peak).
/// </param>
public sealed record SeriesPeak(int Index, int Width, double Value, double Prominence)
{
    /// <summary>True when the maximum is interior and stands out by at least <paramref name="minProminence"/>.</summary>
    public bool IsPeak(double minProminence) => Prominence >= minProminence;
}

/// <summary>
/// The measurement-side logic of the double-descent findings (pure functions, unit-tested): the
/// interpolation threshold, peaks of a series over widths and whether a series grows.
/// </summary>
public static class DoubleDescentAnalysis
{
    /// <summary>Parameters of a one-hidden-layer net d-h-1 with biases: h·(d + 2) + 1.</summary>
    public static long ParameterCount(int inputs, int width) => (long)width * (inputs + 2) + 1;

    /// <summary>The real width h* at which parameters equal n: (n − 1)/(d + 2).</summary>
    public static double ThresholdWidth(int trainCount, int inputs) => (trainCount - 1.0) / (inputs + 2.0);

    /// <summary>
    /// The largest value of <paramref name="values"/> (over <paramref name="widths"/>, increasing) and its
    /// prominence (see <see cref="SeriesPeak"/>). Non-finite values are skipped.
    /// </summary>
    public static SeriesPeak Peak(IReadOnlyList<int> widths, IReadOnlyList<double> values)
    {
        if (widths.Count != values.Count || widths.Count == 0)
            throw new ArgumentException($"Peak needs one value per width; got {widths.Count} widths and {values.Count} values.");
        int best = -1;
        for (int i = 0; i < values.Count; i++)
            if (double.IsFinite(values[i]) && (best < 0 || values[i] > values[best])) best = i;
        if (best < 0) return new SeriesPeak(0, widths[0], double.NaN, double.NaN);
        var before = values.Take(best).Where(double.IsFinite).ToList();
        var after = values.Skip(best + 1).Where(double.IsFinite).ToList();
        if (before.Count == 0 || after.Count == 0) return new SeriesPeak(best, widths[best], values[best], 1.0);
        double Ratio(double low) => low > 0 ? values[best] / low : double.PositiveInfinity;
        return new SeriesPeak(best, widths[best], values[best], Math.Min(Ratio(before.Min()), Ratio(after.Min())));
    }

    /// <summary>
    /// True when <paramref name="width"/> lies within a factor <paramref name="factor"/> of the threshold width
    /// h* (|log(width / h*)| ≤ log factor).
    /// </summary>
    public static bool IsNearThreshold(int width, double thresholdWidth, double factor) =>
        Math.Abs(Math.Log(width / thresholdWidth)) <= Math.Log(factor) + 1e-12;

    /// <summary>
    /// How many consecutive steps up the grid do not decrease the series by more than
    /// <paramref name="tolerance"/> (an allowance for estimator noise, e.g. two standard errors), out of how many.
    /// </summary>
    public static (int NonDecreasing, int Steps) Growth(IReadOnlyList<double> values, IReadOnlyList<double> tolerance)
    {
        if (values.Count != tolerance.Count) throw new ArgumentException("One tolerance per value is needed.");
        int ok = 0;
        for (int i = 1; i < values.Count; i++)
            if (values[i] >= values[i - 1] - (tolerance[i] + tolerance[i - 1])) ok++;
        return (ok, Math.Max(0, values.Count - 1));
    }

    /// <summary>The first width whose final training MSE is at most <paramref name="tolerance"/> (null if none).</summary>
    public static int? InterpolationWidth(IReadOnlyList<int> widths, IReadOnlyList<double> trainMse, double tolerance)
    {
        for (int i = 0; i < widths.Count; i++)
            if (trainMse[i] <= tolerance) return widths[i];
        return null;
    }
}
