using System.Text.Json.Nodes;

namespace Telescope.Runs;

/// <summary>
/// Combines the summary entries of one grid point's seed repetitions into one entry, the shape every recipe's
/// summary.json uses when more than one seed is given: each numeric field becomes its mean over seeds and gains
/// <c>&lt;field&gt;_sd</c> (sample standard deviation, null with fewer than two finite values); fields equal in
/// every seed (the grid coordinates, names) are kept as they are; other fields become null. Nested objects
/// (e.g. gradient change by layer group) are combined the same way, field by field. The entry ends with
/// <c>seeds</c> (the seeds, in order) and <c>per_seed</c> (the entries as given), so nothing is lost.
/// </summary>
/// <example>
/// <code>
/// var entry = SeedAggregate.Combine([0, 1, 2], [new { width = 4, test_mse = 1.5 }, new { width = 4, test_mse = 1.7 },
///     new { width = 4, test_mse = 1.6 }]);
/// // {"width": 4, "test_mse": 1.6, "test_mse_sd": 0.1, "seeds": [0, 1, 2], "per_seed": [...]}
/// </code>
/// </example>
public static class SeedAggregate
{
    /// <summary>Suffix of the standard-deviation field next to each averaged field.</summary>
    public const string SdSuffix = "_sd";

    /// <summary>Combines <paramref name="perSeed"/> (one summary entry per seed, serialized as summary.json would) into one.</summary>
    public static JsonObject Combine(IReadOnlyList<long> seeds, IReadOnlyList<object> perSeed)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        ArgumentNullException.ThrowIfNull(perSeed);
        if (seeds.Count != perSeed.Count || seeds.Count == 0)
            throw new ArgumentException($"One entry per seed is needed; got {seeds.Count} seeds and {perSeed.Count} entries.");
        var nodes = perSeed.Select(e => JsonSerializer.SerializeToNode(e, RunFolder.SummaryJsonOptions) as JsonObject
            ?? throw new ArgumentException("Each entry must serialize to a JSON object.")).ToArray();
        var combined = CombineObjects(nodes);
        combined["seeds"] = new JsonArray(seeds.Select(s => (JsonNode?)JsonValue.Create(s)).ToArray());
        combined["per_seed"] = new JsonArray(nodes.Select(n => (JsonNode?)n.DeepClone()).ToArray());
        return combined;
    }

    /// <summary>Mean and sample standard deviation of the finite values (NaN mean when none; null sd below two).</summary>
    public static (double Mean, double? Sd, int Count) MeanSd(IEnumerable<double> values)
    {
        var finite = values.Where(double.IsFinite).ToArray();
        if (finite.Length == 0) return (double.NaN, null, 0);
        double mean = finite.Average();
        double? sd = finite.Length < 2 ? null : Math.Sqrt(finite.Sum(v => (v - mean) * (v - mean)) / (finite.Length - 1));
        return (mean, sd, finite.Length);
    }

    /// <summary>
    /// A report cell of seed repetitions: "mean ± sd" over the finite values, the value alone with one, <paramref name="none"/>
    /// with none; <paramref name="format"/> renders each number (the recipe's own digits).
    /// </summary>
    public static string Text(IEnumerable<double> values, Func<double, string> format, string none = "—")
    {
        var (mean, sd, count) = MeanSd(values);
        return count == 0 ? none : sd is { } d ? $"{format(mean)} ± {format(d)}" : format(mean);
    }

    private static JsonObject CombineObjects(JsonObject[] nodes)
    {
        var result = new JsonObject();
        foreach (var (key, _) in nodes[0])
        {
            var values = nodes.Select(n => n.TryGetPropertyValue(key, out var v) ? v : null).ToArray();
            if (values.All(v => v is JsonObject)) result[key] = CombineObjects(values.Cast<JsonObject>().ToArray());
            else if (values.All(v => JsonNode.DeepEquals(v, values[0]))) result[key] = values[0]?.DeepClone();
            else if (values.All(v => v is null || AsNumber(v) is not null))
            {
                // Missing (null) or non-finite values count as absent, like a diverged seed in SeededSeries.
                var (mean, sd, count) = MeanSd(values.Where(v => v is not null).Select(v => AsNumber(v!)!.Value));
                result[key] = count == 0 ? null : JsonValue.Create(mean);
                result[key + SdSuffix] = sd is { } s ? JsonValue.Create(s) : null;
            }
            else result[key] = null;   // differs between seeds and cannot be averaged (e.g. a verdict string): see per_seed
        }
        return result;
    }

    // summary.json spells non-finite doubles "NaN", "Infinity", "-Infinity" (AllowNamedFloatingPointLiterals).
    private static double? AsNumber(JsonNode node) => node is not JsonValue value ? null : value.GetValueKind() switch
    {
        JsonValueKind.Number => value.GetValue<double>(),
        JsonValueKind.String => value.GetValue<string>() is "NaN" or "Infinity" or "-Infinity" ? double.NaN : null,
        _ => null,
    };
}
