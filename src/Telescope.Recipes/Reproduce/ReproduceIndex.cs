using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Telescope.Verdicts;

namespace Telescope.Recipes.Reproduce;

/// <summary>One scale of a reproduction as the index shows it: its plan and the wall times its processes recorded.</summary>
public sealed record ReproduceSection(ReproduceScale Scale, IReadOnlyList<ReproduceItem> Plan, IReadOnlyList<LedgerEntry> Ledger);

/// <summary>
/// The index of a reproduction root (docs/reproduce.md): <c>README.md</c> for readers and <c>index.json</c> for programs.
/// For every paper finding it lists the paper's claim, the verdicts the run folder's <c>findings.json</c> holds (each
/// statement carries the measured numbers, their uncertainty and the criterion), the seeds, commit and wall time, and
/// links the run folder. Built from the files alone, so it is the same however the folders were produced (one
/// process, resumes, shards) and any edit of a quoted number is caught by regenerating it (the docs-vs-results test).
/// </summary>
public static class ReproduceIndex
{
    /// <summary>The readers' index.</summary>
    public const string ReadmeFileName = "README.md";
    /// <summary>The same content as JSON.</summary>
    public const string JsonFileName = "index.json";

    /// <summary>Writes both files into <paramref name="root"/>.</summary>
    public static void Write(string root, IReadOnlyList<ReproduceSection> sections)
    {
        Directory.CreateDirectory(root);
        var (markdown, json) = Render(root, sections);
        File.WriteAllText(Path.Combine(root, ReadmeFileName), markdown, new UTF8Encoding(false));
        File.WriteAllText(Path.Combine(root, JsonFileName), json, new UTF8Encoding(false));
    }

    /// <summary>The text of README.md and index.json for the folders in <paramref name="root"/> now.</summary>
    public static (string Markdown, string Json) Render(string root, IReadOnlyList<ReproduceSection> sections)
    {
        var md = new StringBuilder();
        var json = new JsonArray();
        md.Append("# Reproduction of the paper's findings\n\n");
        md.Append("Written by `telescope reproduce` from the run folders it lists; `telescope reproduce --index-only` writes it again from them. ");
        md.Append("Every verdict below is copied from the run folder's `findings.json`, where the recipe wrote it with the measured numbers, their ");
        md.Append("uncertainty and the criterion that decided (docs/method.md §8); the run's `report.md` explains it and its `RUN.md` records the ");
        md.Append("exact command, commit, wall time and machine.\n");
        var planned = new HashSet<string>(StringComparer.Ordinal);
        foreach (var section in sections)
        {
            var runs = section.Plan.Where(i => Reproduction.IsFinished(Path.Combine(root, i.Folder))).ToList();
            planned.UnionWith(section.Plan.Select(i => i.Folder));
            if (runs.Count == 0) continue;
            json.Add(RenderSection(md, root, section, runs));
        }
        var others = OtherRuns(root, planned);
        if (others.Count > 0)
        {
            md.Append("\n## Other committed runs\n\nRuns outside the reproduction plan (longer or different settings). Each folder's RUN.md says how it was produced.\n\n");
            md.Append("| folder | recipe | mode | commit | verdicts |\n|---|---|---|---|---|\n");
            foreach (var folder in others)
            {
                var config = RunConfig.Load(Path.Combine(root, folder, RunConfig.FileName));
                var findings = RunFindings.Read(Path.Combine(root, folder));
                md.Append(CultureInfo.InvariantCulture, $"| [{folder}]({folder}/{RunRecord.FileName}) | {config.Recipe} | {(config.Quick ? "quick" : "full")} | {Commit(config)} | {Counts(findings)} |\n");
            }
        }
        return (md.ToString(), new JsonObject { ["sections"] = json, ["other_runs"] = new JsonArray(others.Select(o => (JsonNode)o).ToArray()) }
            .ToJsonString(RunFolder.SummaryJsonOptions) + "\n");
    }

    private static JsonObject RenderSection(StringBuilder md, string root, ReproduceSection section, IReadOnlyList<ReproduceItem> runs)
    {
        string scale = ReproducePlan.ScaleName(section.Scale);
        var configs = runs.ToDictionary(i => i.Folder, i => RunConfig.Load(Path.Combine(root, i.Folder, RunConfig.FileName)));
        var findings = runs.ToDictionary(i => i.Folder, i => RunFindings.Read(Path.Combine(root, i.Folder)));
        double total = runs.Sum(i => ReproduceLedger.SecondsOf(section.Ledger, i.Folder));
        md.Append(CultureInfo.InvariantCulture, $"\n## {char.ToUpperInvariant(scale[0])}{scale[1..]} scale\n\n| | |\n|---|---|\n");
        md.Append(CultureInfo.InvariantCulture, $"| reproduce with | `telescope reproduce --scale {scale}` |\n");
        md.Append(CultureInfo.InvariantCulture, $"| runs finished | {runs.Count} of {section.Plan.Count} |\n");
        md.Append(CultureInfo.InvariantCulture, $"| commits | {string.Join(", ", configs.Values.Select(Commit).Distinct())} |\n");
        int timed = runs.Count(i => ReproduceLedger.SecondsOf(section.Ledger, i.Folder) > 0);
        md.Append(CultureInfo.InvariantCulture, $"| wall time | {(timed == 0 ? "not recorded: no process of `telescope reproduce` ran these folders" : $"{RunRecord.FormatDuration(total)}, the sum over the processes recorded in reproduce-{scale}.json" + (timed < runs.Count ? $" for {timed} of the {runs.Count} runs" : ""))} |\n");
        md.Append(CultureInfo.InvariantCulture, $"| machine | {string.Join("; ", configs.Values.Select(c => c.Machine?.Cpu ?? "not recorded").Distinct())} |\n");
        md.Append(CultureInfo.InvariantCulture, $"| verdicts | {Counts(findings.Values.SelectMany(f => f).ToList())} |\n");
        var items = new JsonArray();
        foreach (var item in runs)
        {
            var config = configs[item.Folder];
            double seconds = ReproduceLedger.SecondsOf(section.Ledger, item.Folder);
            md.Append(CultureInfo.InvariantCulture, $"\n### {item.Finding} ({item.Paper})\n\n");
            md.Append(CultureInfo.InvariantCulture, $"[{item.Folder}]({item.Folder}/report.md) · recipe `{item.Recipe}` · {Seeds(config)} · commit {Commit(config)} · ");
            md.Append(CultureInfo.InvariantCulture, $"wall time {(seconds > 0 ? RunRecord.FormatDuration(seconds) : "not recorded")} · [RUN.md]({item.Folder}/{RunRecord.FileName})\n\n");
            var list = findings[item.Folder];
            if (list.Count == 0) md.Append("This run wrote no findings.json (it predates it): see its report.\n");
            else
            {
                md.Append("| claim | where | verdict | measured |\n|---|---|---|---|\n");
                foreach (var f in list)
                    md.Append(CultureInfo.InvariantCulture, $"| {Cell(f.Claim)} | {Cell(f.Where)} | **{f.Verdict.Tag}** | {Cell(f.Verdict.Statement)} |\n");
            }
            items.Add(new JsonObject
            {
                ["finding"] = item.Finding, ["paper"] = item.Paper, ["recipe"] = item.Recipe, ["folder"] = item.Folder,
                ["commit"] = Commit(config), ["seeds"] = Seeds(config), ["wall_seconds"] = Math.Round(seconds, 1),
                ["findings"] = new JsonArray(list.Select(f => (JsonNode)RunFindings.ToJson(f)).ToArray()),
            });
        }
        return new JsonObject { ["scale"] = scale, ["wall_seconds"] = Math.Round(total, 1), ["runs"] = items };
    }

    /// <summary>Folders under <paramref name="root"/> (up to three levels deep) holding a finished run that no plan lists.</summary>
    private static List<string> OtherRuns(string root, HashSet<string> planned) =>
        !Directory.Exists(root) ? [] : Directory.EnumerateDirectories(root, "*", new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 2 })
            .Select(d => Path.GetRelativePath(root, d).Replace('\\', '/'))
            .Where(d => !planned.Contains(d) && !d.Contains(".shards", StringComparison.Ordinal) && !d.Contains(".partial-", StringComparison.Ordinal)
                && File.Exists(Path.Combine(root, d, RunConfig.FileName)))
            .Order(StringComparer.Ordinal).ToList();

    private static string Commit(RunConfig config) => RunRecord.CommitOf(config.TelescopeVersion) is { } c ? c[..Math.Min(7, c.Length)] : "not recorded";

    private static string Seeds(RunConfig config)
    {
        var settings = config.Settings.ToDictionary(s => s.Key, s => s.Value);
        if (settings.TryGetValue(RecipeSettings.SeedsKey, out var seeds) && seeds.ValueKind == JsonValueKind.Array && seeds.GetArrayLength() > 0)
            return $"seed{(seeds.GetArrayLength() > 1 ? "s" : "")} {string.Join(", ", seeds.EnumerateArray().Select(e => e.GetRawText()))}";
        return settings.TryGetValue("seed", out var seed) ? $"seed {seed.GetRawText()}" : "seed not recorded";
    }

    private static string Counts(IReadOnlyList<RunFinding> findings) => findings.Count == 0 ? "no findings.json (see the report)" :
        $"{findings.Count(f => f.Verdict.Outcome == VerdictOutcome.Agrees)} agree, {findings.Count(f => f.Verdict.Outcome == VerdictOutcome.Disagrees)} do not, " +
        $"{findings.Count(f => f.Verdict.Outcome == VerdictOutcome.Inconclusive)} inconclusive";

    private static string Cell(string text) => text.Replace("|", "\\|").Replace("\n", " ");
}
