using System.Text.Json.Nodes;

namespace Telescope.Runs;

/// <summary>
/// <c>telescope record</c>: gives a finished run folder that predates RUN.md the record the tool writes at commit time,
/// from what the folder holds (<see cref="RunRecord.RenderAfterwards"/>), so every committed folder is traced to the
/// commit in its config.json by the tool rather than by a hand-written note.
/// </summary>
public static class RunRecordAfterwards
{
    /// <summary>Hand-written notes found in RUN.md are kept under this name.</summary>
    public const string NotesFileName = "NOTES.md";

    /// <summary>Writes RUN.md into <paramref name="folder"/> unless the tool already wrote one; returns what it did.</summary>
    /// <exception cref="TelescopeException">Not a finished run folder (no config.json or summary.json), or an unknown recipe.</exception>
    public static string Write(RecipeCatalog catalog, string folder)
    {
        string configPath = Path.Combine(folder, RunConfig.FileName), summaryPath = Path.Combine(folder, RunFolder.SummaryFileName);
        if (!File.Exists(configPath) || !File.Exists(summaryPath))
            throw new TelescopeException($"'{folder}' is not a finished run folder: it needs config.json and summary.json.") { Hint = "Pass the folder a run committed." };
        string record = Path.Combine(folder, RunRecord.FileName);
        string? kept = null;
        if (File.Exists(record))
        {
            if (IsToolWritten(File.ReadAllText(record))) return $"{record}: written by the tool already, kept";
            kept = Path.Combine(folder, NotesFileName);
            if (File.Exists(kept)) throw new TelescopeException($"'{folder}' has a hand-written RUN.md and a NOTES.md already.") { Hint = "Merge the two notes into NOTES.md by hand, delete RUN.md and run 'telescope record' again." };
            File.Move(record, kept);
        }
        var config = RunConfig.Load(configPath);
        var settings = RecipeRunner.Resolve(catalog, new RunRequest { ConfigPath = configPath }).Settings;
        double? wall = JsonNode.Parse(File.ReadAllText(summaryPath)) is JsonObject summary && summary["wall_seconds"] is JsonValue w && w.TryGetValue(out double s) ? s : null;
        File.WriteAllText(record, RunRecord.RenderAfterwards(config, settings, wall), new UTF8Encoding(false));
        return kept is null ? $"{record}: written" : $"{record}: written; the hand-written notes it replaced are in {kept}";
    }

    /// <summary>Whether a RUN.md text is one the tool wrote (at commit time or afterwards).</summary>
    public static bool IsToolWritten(string text) =>
        text.Contains("Written by the `telescope` tool", StringComparison.Ordinal) || text.Contains("Written by `telescope record`", StringComparison.Ordinal);
}
