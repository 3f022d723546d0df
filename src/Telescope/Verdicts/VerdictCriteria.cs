using System.Globalization;

namespace Telescope.Verdicts;

/// <summary>
/// The named thresholds every verdict is judged by. They are recipe settings (declared by
/// <c>RecipeSettings.AddVerdictCriteria</c>), recorded in config.json and printed in each report by <see cref="Describe"/>, so a reader
/// sees what "a peak", "grows" and "clearly below" meant for that run.
/// </summary>
/// <param name="PeakNoiseFactor">A peak counts only when its prominence exceeds this many noise units (the noise of
/// the difference between the peak and the higher of its two side minima). The default 4 keeps the false-peak rate of
/// pure Gaussian noise at ≤ 2.5% on 11–22 grid points, with one seed or three (simulated, 3000 draws each: one seed
/// 2.0% / 2.5%, three seeds 0.8% / 1.6%); a factor of 2 would call a peak in 21–45% of pure-noise curves, because the
/// maximum of many noisy points stands out by chance.</param>
/// <param name="TrendConfidence">Confidence level of the slope interval that must exclude zero for "grows"/"falls".</param>
/// <param name="GapSeFactor">"Clearly below" needs the gap to exceed this many standard errors of the gap.</param>
public sealed record VerdictCriteria(double PeakNoiseFactor = 4.0, double TrendConfidence = 0.95, double GapSeFactor = 2.0)
{
    /// <summary>Setting key of <see cref="PeakNoiseFactor"/>.</summary>
    public const string PeakNoiseFactorKey = "verdict_peak_noise_factor";
    /// <summary>Setting key of <see cref="TrendConfidence"/>.</summary>
    public const string TrendConfidenceKey = "verdict_trend_confidence";
    /// <summary>Setting key of <see cref="GapSeFactor"/>.</summary>
    public const string GapSeFactorKey = "verdict_gap_se_factor";

    /// <summary>The defaults: 4 noise units, 95% slope interval, 2 standard errors.</summary>
    public static VerdictCriteria Default { get; } = new();

    /// <summary>One report line stating the criteria in force.</summary>
    public string Describe() =>
        $"Verdict criteria: a peak is the grid's maximum beyond its first point with prominence > {F(PeakNoiseFactor)} noise units " +
        $"({PeakNoiseFactorKey}); 'grows'/'falls' needs the {F(TrendConfidence * 100)}% least-squares slope interval to exclude 0 " +
        $"({TrendConfidenceKey}); 'clearly below' needs a gap > {F(GapSeFactor)} standard errors ({GapSeFactorKey}). " +
        "With one seed the noise unit is estimated from the curve's own roughness (median absolute second difference), and a verdict " +
        "the noise cannot support reads 'inconclusive at this noise level'.";

    private static string F(double v) => v.ToString("G3", CultureInfo.InvariantCulture);
}
