using Telescope.Verdicts;

namespace Telescope.Runs;

public sealed partial class RecipeSettings
{
    /// <summary>
    /// Declares the verdict thresholds of <see cref="VerdictCriteria"/> (peak noise factor, slope-interval confidence,
    /// gap standard errors) with their defaults, so every recipe's verdicts are judged by named, recorded settings.
    /// </summary>
    public RecipeSettings AddVerdictCriteria()
    {
        var d = VerdictCriteria.Default;
        return AddDouble(VerdictCriteria.PeakNoiseFactorKey, d.PeakNoiseFactor,
                "A peak counts only if it is the grid's maximum beyond the first point and its prominence exceeds this many noise units (seed spread, or the curve's roughness with one seed)", min: 0)
            .AddDouble(VerdictCriteria.TrendConfidenceKey, d.TrendConfidence,
                "Confidence of the least-squares slope interval that must exclude 0 for 'grows' / 'falls'", min: 0.5, max: 0.9999)
            .AddDouble(VerdictCriteria.GapSeFactorKey, d.GapSeFactor,
                "'Clearly below' needs the gap to exceed this many standard errors of the gap", min: 0);
    }

    /// <summary>The verdict thresholds declared by <see cref="AddVerdictCriteria"/>.</summary>
    public VerdictCriteria GetVerdictCriteria() => new(
        GetDouble(VerdictCriteria.PeakNoiseFactorKey), GetDouble(VerdictCriteria.TrendConfidenceKey), GetDouble(VerdictCriteria.GapSeFactorKey));
}
