using Telescope.Recipes;
using Telescope.Runs;
using Telescope.Tests.Cli;
using Telescope.Tests.Data;
using Xunit;

namespace Telescope.Tests.Runs;

/// <summary>
/// The sweep skeleton's promises, for every built-in recipe on tiny settings (<see cref="SweepRecipeCase.All"/>): Ctrl+C
/// mid-run keeps the partial folder with a checkpoint and <c>resume</c> finishes the uninterrupted run; three shards
/// merged (given out of order) equal the unsharded run; a child <c>telescope</c> process SIGKILLed after a checkpoint and
/// resumed by <c>telescope resume</c> equals an uninterrupted child run. "Equal": every CSV byte-identical, summary.json
/// identical outside <see cref="WallClockFields"/>, the same files (<see cref="ResumeAndShardTests.AssertSameResults"/>).
/// Recipe-specific checks ride along in each case's data.
/// </summary>
public sealed class SweepRecipeTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("telescope-sweep-").FullName;
    private DataFixtures? _data;

    public void Dispose()
    {
        Directory.Delete(_root, true);
        _data?.Dispose();
    }

    private RunResult Run(SweepRecipeCase c, string name, string[] extra, RunShard? shard = null, IProgressReporter? progress = null,
        CancellationToken cancel = default) =>
        RecipeRunner.Run(new RecipeCatalog([c.Recipe]), new RunRequest
        {
            Recipe = c.Recipe.Name, Quick = true, Assignments = [.. c.Tiny, .. extra], Out = Path.Combine(_root, name), Shard = shard,
            DataDirectory = DataFolderOf(c),
        }, progress ?? SilentProgressReporter.Instance, cancel);

    /// <summary>The fixture data folder of a recipe that needs one (lmc's CIFAR-10 files), else null (the environment's).</summary>
    private string? DataFolderOf(SweepRecipeCase c)
    {
        if (!c.NeedsCifarFixture) return null;
        if (_data is null)
        {
            _data = new DataFixtures();
            SweepRecipeCase.WriteCifarFixture(_data);
        }
        return _data.Root;
    }

    [Theory]
    [MemberData(nameof(Recipes))]
    public void CtrlCMidRunKeepsACheckpointAndResumeGivesTheUninterruptedRun(string recipe)
    {
        var c = SweepRecipeCase.All[recipe];
        var catalog = new RecipeCatalog([c.Recipe]);
        var uninterrupted = Run(c, "reference", []);
        int finishedRows = File.ReadAllLines(Path.Combine(uninterrupted.Folder, "metrics.csv")).Length;
        foreach (int stopAt in c.StopAt)
        {
            string name = $"interrupted{stopAt}";
            using var cancel = new CancellationTokenSource();
            var progress = new ResumeAndShardTests.HookedProgress(onAdvance: units => { if (units >= stopAt) cancel.Cancel(); });
            // checkpoint_minutes = 0: no timed checkpoint, so the one found must be the on-stop checkpoint.
            var interrupted = Assert.Throws<RunInterruptedException>(() =>
                Run(c, name, ["checkpoint_minutes=0"], progress: progress, cancel: cancel.Token));
            Assert.False(Directory.Exists(Path.Combine(_root, name)));
            Assert.True(File.Exists(Path.Combine(interrupted.PartialFolder, RunCheckpoints.FileName)), $"stop at {stopAt}: no checkpoint");
            Assert.Contains(interrupted.PartialFolder, interrupted.Message);
            if (c.RowsAtStopAreAPart)
                Assert.InRange(File.ReadAllLines(Path.Combine(interrupted.PartialFolder, "metrics.csv")).Length, 2, finishedRows - 1);

            var resumed = RecipeRunner.Resume(catalog, interrupted.PartialFolder, SilentProgressReporter.Instance, dataDirectory: DataFolderOf(c));
            Assert.Equal(Path.Combine(_root, name), resumed.Folder);
            Assert.False(Directory.Exists(interrupted.PartialFolder));
            Assert.False(File.Exists(Path.Combine(resumed.Folder, RunCheckpoints.FileName)));
            ResumeAndShardTests.AssertSameResults(uninterrupted.Folder, resumed.Folder);
        }
    }

    [Theory]
    [MemberData(nameof(Recipes))]
    public void MergingThreeShardsGivesTheUnshardedRun(string recipe)
    {
        var c = SweepRecipeCase.All[recipe];
        for (int v = 0; v < c.ShardVariants.Length; v++)
        {
            string[] extra = c.ShardVariants[v];
            var whole = Run(c, $"whole{v}", extra);
            var shards = Enumerable.Range(0, 3).Select(i => Run(c, $"shard{v}-{i}", extra, shard: new RunShard(i, 3)).Folder).ToList();
            foreach (string shard in shards) Assert.True(File.Exists(Path.Combine(shard, ShardFile.FileName)));

            // Given in another order than their indices: the merge orders sub-runs itself.
            var merged = RecipeRunner.Merge(new RecipeCatalog([c.Recipe]), [shards[2], shards[0], shards[1]], Path.Combine(_root, $"merged{v}"),
                SilentProgressReporter.Instance);
            ResumeAndShardTests.AssertSameResults(whole.Folder, merged.Folder);
            Assert.True(File.Exists(Path.Combine(merged.Folder, "report.md")));
            Assert.Equal(Directory.GetFiles(whole.Folder, "*.png").Length, Directory.GetFiles(merged.Folder, "*.png").Length);
            c.ShardChecks?.Invoke(extra, whole.Folder, merged.Folder);
        }
    }

    [Theory]
    [MemberData(nameof(RecipesOnBuiltInData))]
    public void SigkillThenTelescopeResumeGivesTheUninterruptedRun(string recipe) => KillAndResume(recipe);

    /// <summary>The child processes of these read the real data sets (tabular-gbt's OpenML files, lmc's CIFAR-10).</summary>
    [RealDataTheory]
    [Trait("Category", "RealData")]
    [MemberData(nameof(RecipesOnRealData))]
    public void SigkillThenTelescopeResumeGivesTheUninterruptedRunOnRealData(string recipe) => KillAndResume(recipe);

    /// <summary>Every recipe the CLI offers has a case, so a new recipe cannot skip these promises.</summary>
    [Fact]
    public void EveryBuiltInRecipeHasACase() =>
        Assert.Equal(BuiltInRecipes.All().Select(r => r.Name).Order(), SweepRecipeCase.All.Keys.Order());

    public static TheoryData<string> Recipes => [.. SweepRecipeCase.All.Keys];
    public static TheoryData<string> RecipesOnBuiltInData => [.. SweepRecipeCase.All.Where(c => !c.Value.KillReadsRealData).Select(c => c.Key)];
    public static TheoryData<string> RecipesOnRealData => [.. SweepRecipeCase.All.Where(c => c.Value.KillReadsRealData).Select(c => c.Key)];

    private void KillAndResume(string recipe)
    {
        var c = SweepRecipeCase.All[recipe];
        ProcessKillTests.KillResumeAndCompare(_root, recipe, c.Kill, c.KillRows, ProcessKillTests.Sigkill);
    }
}
