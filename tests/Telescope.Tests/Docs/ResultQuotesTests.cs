using Telescope.Recipes;
using Telescope.Recipes.Reproduce;
using Telescope.Runs;
using Xunit;

namespace Telescope.Tests.Docs;

/// <summary>
/// No hand-copied numbers (docs/reproduce.md §4): every number the README and docs/ quote from a run is a link to the
/// committed value and must match it, and results/README.md is exactly what <c>telescope reproduce --index-only</c>
/// writes from the committed run folders.
/// </summary>
public sealed class ResultQuotesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("telescope-quotes-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private static IEnumerable<string> QuotingPages(string root) =>
        new[] { Path.Combine(root, "README.md") }.Concat(Directory.GetFiles(Path.Combine(root, "docs"), "*.md", SearchOption.AllDirectories));

    [Fact]
    public void EveryQuotedResultInTheDocsMatchesItsCommittedFile()
    {
        string root = DocExampleTests.RepoRoot();
        var quotes = QuotingPages(root).SelectMany(ResultQuotes.In).ToList();
        Assert.True(quotes.Count >= 10, $"only {quotes.Count} quotes found: the docs quote runs through links to results/ (docs/reproduce.md §4)");
        var wrong = quotes.Select(ResultQuotes.Check).OfType<string>().ToList();
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public void AnEditedNumberOrAWrongPointerIsCaught()
    {
        File.WriteAllText(Path.Combine(_dir, "summary.json"), """{ "runs": [ { "delay_ratio": 7.9375, "outcome": "agrees", "n": 1003 } ] }""");
        string page = Path.Combine(_dir, "page.md");
        File.WriteAllText(page, """
            Delay [7.94](summary.json#/runs/0/delay_ratio), verdict [agrees](summary.json#/runs/0/outcome), n = [1003](summary.json#/runs/0/n),
            as [7.9](summary.json#/runs/0/delay_ratio) or [7.938](summary.json#/runs/0/delay_ratio).
            Edited: [7.95](summary.json#/runs/0/delay_ratio), [disagrees](summary.json#/runs/0/outcome), [1004](summary.json#/runs/0/n),
            [7.93](summary.json#/runs/0/delay_ratio).
            """);
        var checks = ResultQuotes.In(page).Select(ResultQuotes.Check).ToList();
        Assert.Equal(9, checks.Count);
        Assert.All(checks.Take(5), c => Assert.Null(c));
        Assert.All(checks.Skip(5), c => Assert.NotNull(c));
        File.WriteAllText(page, "[7.94](summary.json#/runs/0/delay)");
        Assert.Throws<KeyNotFoundException>(() => ResultQuotes.Check(ResultQuotes.In(page).Single()));
    }

    [Fact]
    public void EveryCommittedRunFolderHasAToolWrittenRecordOfTheCommitInItsConfig()
    {
        string results = Path.Combine(DocExampleTests.RepoRoot(), "results");
        var folders = Directory.GetFiles(results, RunConfig.FileName, SearchOption.AllDirectories).Select(Path.GetDirectoryName).ToList();
        Assert.True(folders.Count >= 8, $"only {folders.Count} run folders under results/");
        foreach (var folder in folders)
        {
            string record = Path.Combine(folder!, RunRecord.FileName);
            Assert.True(File.Exists(record), $"{folder} has no RUN.md (telescope record writes one for older runs)");
            string text = File.ReadAllText(record);
            Assert.True(RunRecordAfterwards.IsToolWritten(text), $"{record} was not written by the tool");
            string commit = RunRecord.CommitOf(RunConfig.Load(Path.Combine(folder!, RunConfig.FileName)).TelescopeVersion)!;
            Assert.Contains($"| commit | {commit} |", text);
        }
    }

    [Fact]
    public void TheCommittedResultsIndexIsWhatTheToolWritesFromTheCommittedFolders()
    {
        string results = Path.Combine(DocExampleTests.RepoRoot(), "results");
        var (markdown, json) = ReproduceIndex.Render(results, Reproduction.Of(BuiltInRecipes.Catalog, results, ReproduceScale.Quick).IndexSections());
        Assert.Equal(markdown, File.ReadAllText(Path.Combine(results, ReproduceIndex.ReadmeFileName)));
        Assert.Equal(json, File.ReadAllText(Path.Combine(results, ReproduceIndex.JsonFileName)));
    }
}
