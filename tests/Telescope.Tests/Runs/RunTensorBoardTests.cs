using Telescope.Recipes.Approximation;
using Telescope.Runs;
using Telescope.Tests.Reporting.TensorBoard;
using Xunit;

namespace Telescope.Tests.Runs;

/// <summary>
/// The TensorBoard mirror of a run (docs/tensorboard.md) read with the independent <see cref="EventFileReader"/>:
/// scalars appear while the run goes, the finished folder matches its metrics.csv, and <c>tensorboard=false</c> writes
/// nothing without changing the run's fingerprint. Resume and merge are checked for every recipe through
/// <see cref="ResumeAndShardTests.AssertSameResults"/>.
/// </summary>
public sealed class RunTensorBoardTests() : TempFolderTest("telescope-runtb-")
{
    private readonly RecipeCatalog _catalog = new([new ApproximationRecipe()]);

    private RunResult Run(string name, IProgressReporter progress, params string[] extra) => RecipeRunner.Run(_catalog,
        new RunRequest { Recipe = "approximation", Quick = true, Assignments = [.. ResumeAndShardTests.TinyApproximation, .. extra], Out = Path.Combine(_root, name) },
        progress);

    [Fact]
    public void ScalarsAppearWhileTheRunGoes_AndTheFinishedLogMatchesMetricsCsv()
    {
        string? partial = null;
        List<long>? stepsMidRun = null;
        var progress = new ResumeAndShardTests.HookedProgress(onMessage: m =>
        {
            const string marker = "Partial run folder (metrics.csv grows row by row): ";
            if (m.StartsWith(marker, StringComparison.Ordinal)) partial = m[marker.Length..];
        }, onAdvance: units =>
        {
            // After 12 steps of the first sub-run (rows at 0, 5, 10), read the log as TensorBoard would, mid-run.
            if (units != 12) return;
            var log = EventFileReader.ReadLog(Path.Combine(partial!, "tensorboard"));
            stepsMidRun = log["sgd_momentum_lr=0.001"].Where(e => e.Values.Any(v => v.Tag == "err_abs_telescoping")).Select(e => e.Step).ToList();
        });
        var result = Run("live", progress);

        Assert.Equal([0L, 5, 10], stepsMidRun);
        RunTensorBoardAssert.MatchesMetrics(result.Folder);
        var log = EventFileReader.ReadLog(Path.Combine(result.Folder, "tensorboard"));
        Assert.Equal(["", "adamw_lr=0.0001", "adamw_lr=0.001", "sgd_momentum_lr=0.001", "sgd_momentum_lr=0.01"], log.Keys.Order(StringComparer.Ordinal));
        var hparams = log[""].SelectMany(e => e.Values).Single(v => v.Tag == "_hparams_/session_start_info");
        var values = EventFileReader.SessionStartHParams(hparams.PluginContent!);
        Assert.Equal(30.0, values["steps"]);
        Assert.Equal("sgd_momentum,adamw", values["optimizers"]);
        Assert.Equal(true, values["tensorboard"]);
    }

    [Fact]
    public void TensorBoardFalseWritesNoLog_AndLeavesTheFingerprintAlone()
    {
        var result = Run("off", SilentProgressReporter.Instance, "tensorboard=false");
        Assert.False(Directory.Exists(Path.Combine(result.Folder, "tensorboard")));
        Assert.True(File.Exists(Path.Combine(result.Folder, "metrics.csv")));

        var on = RecipeRunner.CreateSettings(new ApproximationRecipe(), quick: true);
        var off = RecipeRunner.CreateSettings(new ApproximationRecipe(), quick: true);
        off.Apply(["tensorboard=false"]);
        Assert.True(on.GetBool(RecipeSettings.TensorBoardKey));
        Assert.Equal(on.Fingerprint(), off.Fingerprint());
    }
}
