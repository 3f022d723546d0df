namespace Telescope.Recipes.Sensitivity;

/// <summary>metrics.csv columns and summary.json entries for <see cref="SensitivityPoint"/>s, shared by the recipes.</summary>
public static class SensitivityColumns
{
    /// <summary>The metrics.csv columns (empty cells where not measured).</summary>
    public static readonly string[] Names =
    [
        "p_net_train", "p_net_train_se", "p_net_test", "p_net_test_se", "p_net_gap_se",
        "sensitivity_linearity", "sensitivity_linearity_test", "sensitivity_floor", "sensitivity_difference",
        "p_minus_p_net_train", "p_minus_p_net_train_se", "p_minus_p_net_test", "p_minus_p_net_test_se",
        "surrogate_sharpness",
    ];

    /// <summary>
    /// The chaos floor, |Δf| at σ/4 — only when the σ/4 pair ran (the linearity check): without it the smallest σ′ run is σ
    /// itself, and the same number is already sensitivity_difference, not a floor.
    /// </summary>
    private static double? Floor(NetworkSensitivityEstimate? e) => e is { LinearityValue: not null } ? e.FloorDifference : null;

    /// <summary>The values of <see cref="Names"/> for one logged step (all null when there is no point).</summary>
    public static double?[] Values(SensitivityPoint? p) =>
    [
        p?.Train?.Value, p?.Train?.StandardError, p?.Test?.Value, p?.Test?.StandardError, p is null ? null : GapStandardError(p),
        p?.Train?.LinearityRatio, p?.Test?.LinearityRatio, Floor(p?.Test), p?.Test?.MeanDifference,
        p?.TrainAgreement?.Difference, p?.TrainAgreement?.StandardError, p?.TestAgreement?.Difference, p?.TestAgreement?.StandardError,
        p?.Sharpness,
    ];

    /// <summary>NaN (not computed, e.g. no smoother) as a missing value: an empty cell or JSON null, never a number.</summary>
    public static double? Measured(double value) => double.IsNaN(value) ? null : value;

    /// <summary>Adds <paramref name="extra"/>'s entries to <paramref name="entries"/> (later wins) and returns it.</summary>
    public static Dictionary<string, object?> Merge(Dictionary<string, object?> entries, Dictionary<string, object?> extra)
    {
        foreach (var (key, value) in extra) entries[key] = value;
        return entries;
    }

    /// <summary>SE of p_net_train − p_net_test from the per-direction differences (the two share their directions).</summary>
    public static double? GapStandardError(SensitivityPoint p) =>
        p.Train is { } a && p.Test is { } b ? DirectionalEffectiveParameters.PairedDifference(a.PerDirection, b.PerDirection).StandardError : null;

    /// <summary>summary.json entries of a sub-run: final p_net with its checks, λ at the end and the first step above the bound.</summary>
    public static Dictionary<string, object?> Summary(IReadOnlyList<SensitivityPoint> points, StabilityBound? bound)
    {
        var last = points.LastOrDefault(p => p.Train is not null);
        var lastSharp = points.LastOrDefault(p => p.Sharpness is not null);
        return new Dictionary<string, object?>
        {
            ["p_net_train"] = last?.Train?.Value,
            ["p_net_train_se"] = last?.Train?.StandardError,
            ["p_net_test"] = last?.Test?.Value,
            ["p_net_test_se"] = last?.Test?.StandardError,
            ["p_net_gap_se"] = last is null ? null : GapStandardError(last),
            ["sensitivity_linearity"] = last?.Train?.LinearityRatio,
            ["sensitivity_linearity_test"] = last?.Test?.LinearityRatio,
            ["sensitivity_linear"] = last?.Train?.IsLinear is bool a && last.Test?.IsLinear is bool b ? a && b : null,
            ["sensitivity_floor"] = Floor(last?.Test),
            ["sensitivity_difference"] = last?.Test?.MeanDifference,
            ["surrogate_sharpness"] = lastSharp?.Sharpness,
            ["surrogate_sharpness_max"] = points.Where(p => p.Sharpness is not null).Select(p => p.Sharpness!.Value).DefaultIfEmpty(double.NaN).Max() is var m && double.IsFinite(m) ? m : null,
            ["step_surrogate_unstable"] = bound is null ? null : FirstUnstable(points, bound)?.Step,
        };
    }

    /// <summary>The first logged step with λ_t above the bound (null if none or not measured).</summary>
    public static SensitivityPoint? FirstUnstable(IReadOnlyList<SensitivityPoint> points, StabilityBound bound) =>
        points.FirstOrDefault(p => p.Sharpness is double s && !(s <= bound.Value));
}
