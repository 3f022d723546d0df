using System.Text.Json.Nodes;
using Telescope.Verdicts;

namespace Telescope.Runs;

/// <summary>
/// One finding a run judged: the claim it tested (a statement of the paper, or an expectation of docs/method.md),
/// where in the run it was tested, and the noise-aware verdict (docs/method.md §8).
/// </summary>
/// <param name="Key">Stable identifier, e.g. <c>double_descent_peak_p_test</c>; the reproduction index keys on it.</param>
/// <param name="Claim">The claim in one sentence, e.g. "test error peaks at the interpolation threshold (paper Fig. 3)".</param>
/// <param name="Where">Which part of the run, e.g. "σ_noise = 0.2" or "the whole sweep".</param>
/// <param name="Verdict">Agrees, disagrees or inconclusive, with the measured numbers and the criterion.</param>
public sealed record RunFinding(string Key, string Claim, string Where, Verdict Verdict);

/// <summary>
/// <c>findings.json</c>: every recipe writes the verdicts of its report in this one shape, so that a reader of many run
/// folders (the reproduction index of docs/reproduce.md) needs no knowledge of any recipe's summary.json.
/// </summary>
public static class RunFindings
{
    public const string FileName = "findings.json";

    /// <summary>Writes <paramref name="findings"/> into the run folder (a JSON array, in the given order).</summary>
    public static void Write(RunFolder folder, IEnumerable<RunFinding> findings) =>
        folder.WriteSummary(findings.Select(ToJson).ToList(), FileName);

    /// <summary>One finding as findings.json holds it (the reproduction index copies it in this shape).</summary>
    public static JsonObject ToJson(RunFinding f) => new()
    {
        ["key"] = f.Key, ["claim"] = f.Claim, ["where"] = f.Where, ["outcome"] = OutcomeName(f.Verdict.Outcome), ["statement"] = f.Verdict.Statement,
    };

    /// <summary>Reads the findings of a finished run folder; a folder without the file has none.</summary>
    /// <exception cref="InvalidDataException">The file is not a findings array.</exception>
    public static IReadOnlyList<RunFinding> Read(string runFolder)
    {
        string path = Path.Combine(runFolder, FileName);
        if (!File.Exists(path)) return [];
        try
        {
            return JsonNode.Parse(File.ReadAllText(path))!.AsArray().Select(n => new RunFinding(
                (string)n!["key"]!, (string)n["claim"]!, (string)n["where"]!,
                new Verdict(ParseOutcome((string)n["outcome"]!), (string)n["statement"]!))).ToList();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException or FormatException)
        {
            throw new InvalidDataException($"{path} is not a findings file ({e.Message}); rerun or merge the run to write it again.", e);
        }
    }

    /// <summary>"agrees", "disagrees" or "inconclusive".</summary>
    public static string OutcomeName(VerdictOutcome outcome) => outcome.ToString().ToLowerInvariant();

    private static VerdictOutcome ParseOutcome(string name) =>
        Enum.TryParse<VerdictOutcome>(name, ignoreCase: true, out var outcome) ? outcome
            : throw new FormatException($"unknown outcome '{name}'");
}
