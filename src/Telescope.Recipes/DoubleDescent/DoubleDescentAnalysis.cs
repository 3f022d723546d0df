namespace Telescope.Recipes.DoubleDescent;

/// <summary>The most prominent interior maximum of a series over the width grid.</summary>
/// <param name="Index">Index of the chosen point.</param>
/// <param name="Width">Width at <paramref name="Index"/>.</param>
/// <param name="Value">The series value there.</param>
/// <param name="Prominence">
/// min(value / smallest value at smaller widths, value / smallest value at larger widths), maximized over the
/// interior points; below 1 when no interior point is a local bump (e.g. a monotone series), 0 when the grid
/// has no interior point.
/// </param>
public sealed record SeriesPeak(int Index, int Width, double Value, double Prominence)
{
    /// <summary>True when the peak stands out on both sides by at least <paramref name="minProminence"/>.</summary>
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
    /// The interior point of <paramref name="values"/> (over <paramref name="widths"/>, increasing) that stands
    /// out most against both sides (see <see cref="SeriesPeak"/>). The ends of the grid are never peaks: a high
    /// value at the smallest width is underfitting, not the double-descent peak. Non-finite values are skipped.
    /// </summary>
    public static SeriesPeak Peak(IReadOnlyList<int> widths, IReadOnlyList<double> values)
    {
        if (widths.Count != values.Count || widths.Count == 0)
            throw new ArgumentException($"Peak needs one value per width; got {widths.Count} widths and {values.Count} values.");
        var finite = Enumerable.Range(0, values.Count).Where(i => double.IsFinite(values[i])).ToList();
        if (finite.Count == 0) return new SeriesPeak(0, widths[0], double.NaN, 0);
        SeriesPeak? best = null;
        for (int j = 1; j + 1 < finite.Count; j++)
        {
            int i = finite[j];
            double lowBefore = finite.Take(j).Min(k => values[k]);
            double lowAfter = finite.Skip(j + 1).Min(k => values[k]);
            double Ratio(double low) => low > 0 ? values[i] / low : values[i] > low ? double.PositiveInfinity : 0;
            double prominence = Math.Min(Ratio(lowBefore), Ratio(lowAfter));
            if (best is null || prominence > best.Prominence) best = new SeriesPeak(i, widths[i], values[i], prominence);
        }
        if (best is not null) return best;
        int top = finite.MaxBy(i => values[i]);
        return new SeriesPeak(top, widths[top], values[top], 0);
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
        int steps = Math.Max(0, values.Count - 1);
        return (Enumerable.Range(1, steps).Count(i => values[i] >= values[i - 1] - (tolerance[i] + tolerance[i - 1])), steps);
    }

    /// <summary>The first width whose final training MSE is at most <paramref name="tolerance"/> (null if none).</summary>
    public static int? InterpolationWidth(IReadOnlyList<int> widths, IReadOnlyList<double> trainMse, double tolerance) =>
        Enumerable.Range(0, widths.Count).Where(i => trainMse[i] <= tolerance).Select(i => (int?)widths[i]).FirstOrDefault();

    /// <summary>
    /// Optimization failures along one sweep (one noise level, one seed; widths increasing): every network whose
    /// final training MSE exceeds that of some narrower network by more than <paramref name="tolerance"/>. A wider
    /// network can fit at least as well as a narrower one (it contains it), so a clearly worse fit means the
    /// optimizer failed, not that the width is worse. Returns, per failing index, the narrower index with the
    /// lowest training MSE (the one it loses to most clearly). Non-finite values never count as a better fit.
    /// </summary>
    public static IReadOnlyDictionary<int, int> WorseFitThanNarrower(IReadOnlyList<double> trainMse, double tolerance)
    {
        ArgumentNullException.ThrowIfNull(trainMse);
        var failures = new Dictionary<int, int>();
        int best = -1;
        for (int i = 0; i < trainMse.Count; i++)
        {
            if (best >= 0 && !(trainMse[i] <= trainMse[best] + tolerance)) failures[i] = best;
            if (double.IsFinite(trainMse[i]) && (best < 0 || trainMse[i] < trainMse[best])) best = i;
        }
        return failures;
    }

    /// <summary>
    /// The curve the verdicts judge: at each width (increasing) the values of the networks that are part of the curve,
    /// one per seed. Networks flagged out of it (capped, optimization failures) are left out, and so is a width with
    /// none left; with one seed per width this is the plain series.
    /// </summary>
    public static SeededSeries Curve(IEnumerable<(int Width, double Value, bool InCurve)> networks)
    {
        ArgumentNullException.ThrowIfNull(networks);
        var groups = networks.Where(n => n.InCurve).GroupBy(n => n.Width).OrderBy(g => g.Key).ToList();
        return SeededSeries.FromSeeds(groups.Select(g => (double)g.Key).ToList(),
            groups.Select(g => (IReadOnlyList<double>)g.Select(n => n.Value).ToList()).ToList());
    }
}
