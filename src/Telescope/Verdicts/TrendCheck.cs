namespace Telescope.Verdicts;

/// <summary>A least-squares slope with its confidence interval.</summary>
/// <param name="Slope">Least-squares slope of the values against the grid coordinate (every seed's value is a point).</param>
/// <param name="Lower">Lower end of the interval.</param>
/// <param name="Upper">Upper end of the interval.</param>
/// <param name="Confidence">Confidence level of the interval.</param>
/// <param name="Points">Number of (x, value) points used.</param>
/// <param name="Verdict">The verdict against the expected direction.</param>
public sealed record TrendResult(double Slope, double Lower, double Upper, double Confidence, int Points, Verdict Verdict);

/// <summary>The direction a series is expected to take.</summary>
public enum TrendDirection
{
    /// <summary>The series should increase along the grid.</summary>
    Grows,
    /// <summary>The series should decrease along the grid.</summary>
    Falls,
}

/// <summary>
/// "Does this series grow (fall)?" by the least-squares slope's confidence interval (Student t with n − 2 degrees
/// of freedom, every seed's value a point), not by counting steps: it agrees when the interval lies on the
/// expected side of 0, disagrees when it lies on the other side, and is inconclusive when it contains 0.
/// </summary>
public static class TrendCheck
{
    /// <summary>Tests the trend of <paramref name="series"/> against <paramref name="coordinate"/> (e.g. log width; default the grid's X).</summary>
    public static TrendResult Judge(SeededSeries series, VerdictCriteria criteria, TrendDirection expected,
        Func<double, double>? coordinate = null)
    {
        var xs = new List<double>();
        var ys = new List<double>();
        for (int i = 0; i < series.Count; i++)
            foreach (double v in series.Samples[i]) { xs.Add(coordinate?.Invoke(series.X[i]) ?? series.X[i]); ys.Add(v); }
        int n = xs.Count;
        if (n < 3 || xs.Distinct().Count() < 2)
            return new TrendResult(double.NaN, double.NaN, double.NaN, criteria.TrendConfidence, n,
                new Verdict(VerdictOutcome.Inconclusive, $"{n} points at {xs.Distinct().Count()} grid positions; a slope interval needs at least 3 points at 2 positions"));
        double mx = xs.Average(), my = ys.Average();
        double sxx = 0, sxy = 0;
        for (int i = 0; i < n; i++) { sxx += (xs[i] - mx) * (xs[i] - mx); sxy += (xs[i] - mx) * (ys[i] - my); }
        double slope = sxy / sxx;
        double rss = 0;
        for (int i = 0; i < n; i++) { double r = ys[i] - my - slope * (xs[i] - mx); rss += r * r; }
        double se = Math.Sqrt(rss / (n - 2) / sxx);
        double half = StudentT.Quantile(0.5 + criteria.TrendConfidence / 2, n - 2) * se;
        double lo = slope - half, hi = slope + half;
        bool up = lo > 0, down = hi < 0;
        var outcome = !(up || down) ? VerdictOutcome.Inconclusive
            : (up == (expected == TrendDirection.Grows)) ? VerdictOutcome.Agrees : VerdictOutcome.Disagrees;
        string direction = up ? "grows" : down ? "falls" : "no trend beyond the noise";
        string statement = FormattableString.Invariant(
            $"{direction}: slope {slope:G3}, {criteria.TrendConfidence * 100:G3}% interval [{lo:G3}, {hi:G3}] over {n} points") +
            (up || down ? " excludes 0" : " contains 0");
        return new TrendResult(slope, lo, hi, criteria.TrendConfidence, n, new Verdict(outcome, statement));
    }
}
