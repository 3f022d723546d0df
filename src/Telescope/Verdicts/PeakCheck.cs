using System.Globalization;

namespace Telescope.Verdicts;

/// <summary>The candidate peak of a series and whether it stands out of the noise.</summary>
/// <param name="Index">Grid index of the candidate: the maximum of the means beyond the first grid point.</param>
/// <param name="X">Its grid coordinate.</param>
/// <param name="Value">Its mean value.</param>
/// <param name="Prominence">Value minus the higher of the two side minima (the lowest mean before and after it);
/// 0 when the candidate is the last point (the series rises to the end: no interior peak).</param>
/// <param name="Noise">The noise unit the prominence is judged against (see <see cref="PeakCheck"/>); NaN when it
/// cannot be estimated.</param>
/// <param name="NoiseSource">"seed spread" or "roughness (one seed)".</param>
/// <param name="Found">True when the prominence exceeds the criterion's factor times the noise.</param>
/// <param name="Verdict">The verdict against the expectation given to <see cref="PeakCheck.Find"/>.</param>
public sealed record PeakResult(int Index, double X, double Value, double Prominence, double Noise, string NoiseSource,
    bool Found, Verdict Verdict);

/// <summary>
/// "Does this series peak?", decided against its noise rather than by a bump count. The candidate is the grid's
/// maximum beyond its first point (a high value at the first point is underfitting, not a peak), and it counts
/// only when its prominence exceeds <see cref="VerdictCriteria.PeakNoiseFactor"/> noise units. The noise unit is
/// the seed-to-seed standard deviation of the difference between the candidate and its higher side minimum
/// (√(sd²_peak + sd²_min)) when at least two seeds exist; with one seed it is √2·σ̂, with σ̂ the curve's roughness
/// (median |second difference| / (0.6745·√6), the robust noise scale of independent errors; it needs ≥ 5 points).
/// </summary>
public static class PeakCheck
{
    /// <summary>Finds the candidate peak and judges it against <paramref name="expectPeak"/>.</summary>
    /// <param name="series">The measured series (at least three grid points).</param>
    /// <param name="criteria">The verdict thresholds.</param>
    /// <param name="expectPeak">True when the expectation is a peak (e.g. noisy labels), false when it is none.</param>
    /// <param name="xName">What the grid coordinate is called in the statement (e.g. "width").</param>
    public static PeakResult Find(SeededSeries series, VerdictCriteria criteria, bool expectPeak, string xName = "x")
    {
        var m = series.Means;
        var candidates = Enumerable.Range(1, Math.Max(0, series.Count - 1)).Where(i => double.IsFinite(m[i])).ToList();
        if (series.Count < 3 || candidates.Count == 0)
            return new PeakResult(0, series.X.Count > 0 ? series.X[0] : double.NaN, double.NaN, double.NaN, double.NaN, "",
                false, new Verdict(VerdictOutcome.Inconclusive, $"only {series.Count} grid points with finite values; a peak needs at least 3"));
        int top = candidates.MaxBy(i => m[i]);
        int lowBefore = Enumerable.Range(0, top).Where(i => double.IsFinite(m[i])).DefaultIfEmpty(-1).MinBy(i => i < 0 ? double.PositiveInfinity : m[i]);
        int lowAfter = Enumerable.Range(top + 1, series.Count - top - 1).Where(i => double.IsFinite(m[i])).DefaultIfEmpty(-1).MinBy(i => i < 0 ? double.PositiveInfinity : m[i]);
        if (lowAfter < 0 || lowBefore < 0)
        {
            string rising = $"the maximum beyond the first point is at the end of the grid ({xName} {F(series.X[top])}, {F(m[top])}): the series has no interior peak";
            return new PeakResult(top, series.X[top], m[top], 0, double.NaN, "", false,
                new Verdict(expectPeak ? VerdictOutcome.Disagrees : VerdictOutcome.Agrees, rising));
        }
        int higherMin = m[lowBefore] >= m[lowAfter] ? lowBefore : lowAfter;
        double prominence = m[top] - m[higherMin];
        var (noise, source) = Noise(series, top, higherMin);
        bool found = double.IsFinite(noise) && prominence > criteria.PeakNoiseFactor * noise;
        if (prominence <= 0)
            return new PeakResult(top, series.X[top], m[top], prominence, double.NaN, "", false, new Verdict(expectPeak ? VerdictOutcome.Disagrees : VerdictOutcome.Agrees,
                $"no interior peak: the maximum beyond the first point ({xName} {F(series.X[top])}, {F(m[top])}) is not above the values on both sides " +
                $"(the lowest before it is {F(m[lowBefore])} at {xName} {F(series.X[lowBefore])})"));
        string numbers = $"maximum beyond the first point at {xName} {F(series.X[top])} ({F(m[top])}), prominence {F(prominence)} over the higher side minimum " +
            $"({F(m[higherMin])} at {xName} {F(series.X[higherMin])}), noise unit {F(noise)} from the {source}, criterion > {F(criteria.PeakNoiseFactor)} units";
        VerdictOutcome outcome;
        if (!double.IsFinite(noise)) { outcome = VerdictOutcome.Inconclusive; numbers += " (the noise could not be estimated: too few points)"; }
        else if (found) outcome = expectPeak ? VerdictOutcome.Agrees : VerdictOutcome.Disagrees;
        else outcome = VerdictOutcome.Inconclusive;
        return new PeakResult(top, series.X[top], m[top], prominence, noise, source, found, new Verdict(outcome,
            (found ? "a peak: " : "no peak beyond the noise: ") + numbers));
    }

    /// <summary>The noise unit of a difference between grid points <paramref name="a"/> and <paramref name="b"/>.</summary>
    public static (double Noise, string Source) Noise(SeededSeries series, int a, int b)
    {
        if (series.SeedCount >= 2)
            return (Math.Sqrt(series.Sds[a] * series.Sds[a] + series.Sds[b] * series.Sds[b]), $"seed spread ({series.SeedCount} seeds)");
        return (Math.Sqrt(2) * Roughness(series.Means), "roughness (one seed)");
    }

    /// <summary>
    /// Robust noise scale of a single curve: median |v_{i+1} − 2v_i + v_{i−1}| / (0.6745·√6). For independent errors of
    /// standard deviation σ the second difference has standard deviation √6·σ and 0.6745 is the normal MAD factor;
    /// the median ignores the few second differences a real peak produces. NaN with fewer than 5 finite points.
    /// </summary>
    public static double Roughness(IReadOnlyList<double> values)
    {
        var v = values.Where(double.IsFinite).ToArray();
        if (v.Length < 5) return double.NaN;
        var second = Enumerable.Range(1, v.Length - 2).Select(i => Math.Abs(v[i + 1] - 2 * v[i] + v[i - 1])).Order().ToArray();
        double median = second.Length % 2 == 1 ? second[second.Length / 2] : 0.5 * (second[second.Length / 2 - 1] + second[second.Length / 2]);
        return median / (0.6745 * Math.Sqrt(6));
    }

    private static string F(double v) => v.ToString("G3", CultureInfo.InvariantCulture);
}
