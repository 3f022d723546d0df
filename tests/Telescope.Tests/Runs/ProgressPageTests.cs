using System.Text.RegularExpressions;
using Telescope.Recipes.Approximation;
using Telescope.Runs;
using Xunit;

namespace Telescope.Tests.Runs;

/// <summary>
/// report.html of a running job: each checkpoint rewrites it as a progress page (one chart per metric, a line per
/// sub-run, from the rows written so far); the finished run's report replaces it; a shard, which writes no report,
/// leaves none behind.
/// </summary>
public sealed partial class ProgressPageTests() : TempFolderTest("telescope-progress-")
{
    [GeneratedRegex("\"png\":\"progress/")]
    private static partial Regex ProgressFigure();

    private RunResult Run(string name, IProgressReporter progress, RunShard? shard = null) => RecipeRunner.Run(
        new RecipeCatalog([new ApproximationRecipe()]),
        new RunRequest
        {
            Recipe = "approximation", Quick = true, Out = Path.Combine(_root, name), Shard = shard,
            // A checkpoint at every step boundary: well under a millisecond between checkpoints.
            Assignments = [.. ResumeAndShardTests.TinyApproximation, "checkpoint_minutes=0.0000001"],
        }, progress);

    [Fact]
    public void EachCheckpointWritesAProgressPage_TheFinalReportReplacesIt()
    {
        string? partial = null, midRun = null;
        var progress = new ResumeAndShardTests.HookedProgress(onMessage: m =>
        {
            const string marker = "Partial run folder (metrics.csv grows row by row): ";
            if (m.StartsWith(marker, StringComparison.Ordinal)) partial = m[marker.Length..];
        }, onAdvance: units =>
        {
            if (units == 12) midRun = File.ReadAllText(Path.Combine(partial!, "report.html"));
        });
        var result = Run("run", progress);

        Assert.NotNull(midRun);
        Assert.Contains(": in progress</title>", midRun);
        // Rows of the first sub-run so far: one chart per metric column that has a value in them.
        var rows = File.ReadAllLines(Path.Combine(result.Folder, "metrics.csv")).Skip(1).Take(3).Select(l => l.Split(',')).ToList();   // steps 0, 5, 10
        int columns = Enumerable.Range(2, rows[0].Length - 2).Count(c => rows.Any(r => r[c].Length > 0));
        Assert.Equal(columns, ProgressFigure().Matches(midRun).Count);
        string final = File.ReadAllText(Path.Combine(result.Folder, "report.html"));
        Assert.DoesNotContain(": in progress</title>", final);
        Assert.Contains("<title>Telescoping approximation across optimizers and learning rates</title>", final);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ARunThatWritesNoReportLeavesNoProgressPage(bool writesReport)
    {
        string target = Path.Combine(_root, $"folder-{writesReport}");
        using (var folder = RunFolder.Create(target, force: false))
        {
            using (var metrics = folder.OpenMetrics(["loss"])) metrics.WriteRow("a", 0, 1.5);
            new RunCheckpoints(folder, 0, CancellationToken.None).Save(_ => { });
            Assert.Contains(": in progress</title>", File.ReadAllText(Path.Combine(folder.WorkingPath, "report.html")));
            if (writesReport) folder.WriteReport("# Done\n");
            folder.Commit();
        }
        Assert.Equal(writesReport, File.Exists(Path.Combine(target, "report.html")));
        if (writesReport) Assert.Contains("<title>Done</title>", File.ReadAllText(Path.Combine(target, "report.html")));
    }
}
