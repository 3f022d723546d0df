namespace Telescope.Recipes.Sensitivity;

/// <summary>metrics.csv columns and summary.json entries for <see cref="SensitivityPoint"/>s, shared by the recipes.</summary>
public static class SensitivityColumns
{
    // p_net and its checks at one point, written once for metrics.csv (every logged step) and summary.json (the last point
    // with p_net), where sensitivity_linear stands between Estimate and Response; Columns are metrics.csv's.
    private static readonly (string Name, Func<SensitivityPoint, double?> Value)[] Estimate =
    [
        ("p_net_train", p => p.Train?.Value), ("p_net_train_se", p => p.Train?.StandardError),
        ("p_net_test", p => p.Test?.Value), ("p_net_test_se", p => p.Test?.StandardError), ("p_net_gap_se", GapStandardError),
        ("sensitivity_linearity", p => p.Train?.LinearityRatio), ("sensitivity_linearity_test", p => p.Test?.LinearityRatio),
    ];
    private static readonly (string Name, Func<SensitivityPoint, double?> Value)[] Response =
        [("sensitivity_floor", p => Floor(p.Test)), ("sensitivity_difference", p => p.Test?.MeanDifference)];
    private static readonly (string Name, Func<SensitivityPoint, double?> Value)[] Columns =
    [
        .. Estimate, .. Response,
        ("p_minus_p_net_train", p => p.TrainAgreement?.Difference), ("p_minus_p_net_train_se", p => p.TrainAgreement?.StandardError),
        ("p_minus_p_net_test", p => p.TestAgreement?.Difference), ("p_minus_p_net_test_se", p => p.TestAgreement?.StandardError),
        ("surrogate_sharpness", p => p.Sharpness),
    ];

    /// <summary>The metrics.csv columns (empty cells where not measured).</summary>
    public static readonly string[] Names = [.. Columns.Select(c => c.Name)];

    /// <summary>
    /// The chaos floor, |Δf| at σ/4 — only when the σ/4 pair ran (the linearity check): without it the smallest σ′ run is σ
    /// itself, and the same number is already sensitivity_difference, not a floor.
    /// </summary>
    private static double? Floor(NetworkSensitivityEstimate? e) => e is { LinearityValue: not null } ? e.FloorDifference : null;

    /// <summary>The values of <see cref="Names"/> for one logged step (all null when there is no point).</summary>
    public static double?[] Values(SensitivityPoint? p) => [.. Columns.Select(c => p is null ? null : c.Value(p))];

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
        var sharpness = points.Where(p => p.Sharpness is not null).Select(p => p.Sharpness!.Value).ToList();
        var entries = new Dictionary<string, object?>();
        foreach (var (name, value) in Estimate) entries[name] = last is null ? null : value(last);
        entries["sensitivity_linear"] = last?.Train?.IsLinear is bool a && last.Test?.IsLinear is bool b ? a && b : null;
        foreach (var (name, value) in Response) entries[name] = last is null ? null : value(last);
        entries["surrogate_sharpness"] = sharpness.Count > 0 ? sharpness[^1] : null;
        entries["surrogate_sharpness_max"] = sharpness.DefaultIfEmpty(double.NaN).Max() is var m && double.IsFinite(m) ? m : null;
        entries["step_surrogate_unstable"] = bound is null ? null : FirstUnstable(points, bound)?.Step;
        return entries;
    }

    /// <summary>The first logged step with λ_t above the bound (null if none or not measured).</summary>
    public static SensitivityPoint? FirstUnstable(IReadOnlyList<SensitivityPoint> points, StabilityBound bound) =>
        points.FirstOrDefault(p => p.Sharpness is double s && !(s <= bound.Value));
}
