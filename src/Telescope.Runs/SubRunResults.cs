using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Telescope.Runs;

/// <summary>
/// Serializes sub-run results (records of numbers, strings and lists) to JSON and back, losslessly: doubles
/// are written in their shortest round-trip form (NaN and ±∞ by name), so a result read back from a
/// checkpoint or a shard file produces byte-identical metrics, summary and report.
/// </summary>
public static class SubRunResults
{
    /// <summary>The JSON options used for results (fields included, named floating-point literals allowed).</summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        IncludeFields = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
    };

    public static string Serialize<T>(T result) => JsonSerializer.Serialize(result, Options);

    /// <summary>Reads a result written by <see cref="Serialize"/>.</summary>
    /// <exception cref="TelescopeException">The text is not a result of type <typeparamref name="T"/>.</exception>
    public static T Deserialize<T>(string json, string source)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Options)
                ?? throw new TelescopeException($"{source}: a sub-run result is empty.");
        }
        catch (JsonException e)
        {
            throw new TelescopeException($"{source}: a sub-run result cannot be read ({e.Message}).", e)
            { Hint = "The file was written by another version of Telescope or is damaged; run that shard again." };
        }
    }
}
