using System.Text.Json.Nodes;

namespace Telescope.Runs;

/// <summary>
/// The summary.json keys that hold measured wall-clock or CPU time, at any depth. They are the only keys in
/// which a resumed, sharded-and-merged or repeated run may differ from an uninterrupted one: every other value
/// is a function of the configuration and the seed. Recipes that add a timing key to their summary add it here.
/// </summary>
public static class WallClockFields
{
    /// <summary>The timing keys of every recipe's summary.json.</summary>
    public static IReadOnlySet<string> Keys { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "wall_seconds", "nn_seconds", "gbt_seconds", "cpu_seconds", "process_cpu_seconds", "measure_seconds",
        "smoother_seconds", "training_seconds", "seconds_per_step", "train_seconds", "ms_per_training_step",
        "retraining_seconds", "retraining_measure_seconds", "stability_seconds", "telescoping_seconds", "spectrum_seconds",
    };

    /// <summary>The JSON text <paramref name="summaryJson"/> with every <see cref="Keys"/> entry (and its <c>_sd</c>) removed, re-serialized (for comparisons).</summary>
    public static string Strip(string summaryJson)
    {
        var root = JsonNode.Parse(summaryJson);
        Remove(root);
        return root?.ToJsonString() ?? "null";
    }

    /// <summary>
    /// Whether <paramref name="key"/> holds measured time: one of <see cref="Keys"/>, or its seed spread
    /// (<c>&lt;key&gt;_sd</c>, written by <see cref="SeedAggregate"/> when a summary combines seeds).
    /// </summary>
    public static bool IsWallClock(string key) =>
        Keys.Contains(key) || (key.EndsWith(SeedAggregate.SdSuffix, StringComparison.Ordinal) && Keys.Contains(key[..^SeedAggregate.SdSuffix.Length]));

    private static void Remove(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (string key in o.Select(kv => kv.Key).Where(IsWallClock).ToList()) o.Remove(key);
                foreach (var (_, child) in o) Remove(child);
                break;
            case JsonArray a:
                foreach (var child in a) Remove(child);
                break;
        }
    }
}
