using Telescope.Checkpointing;
using Telescope.Recipes.DoubleDescent;
using Telescope.Runs;
using Telescope.Tests.Runs;
using Xunit;

namespace Telescope.Tests.Recipes;

/// <summary>
/// double-descent's separate p_net pair sub-runs (issue 8), in-process on <see cref="Tiny"/> settings that exercise
/// everything a checkpoint must hold: the network, Adam's state, the telescoping tracker, the Hutchinson smoother, the
/// p_net members (sensitivity = retraining), the convergence rule (it stops networks at different steps) and two seeds.
/// The resumed and merged folders must equal the uninterrupted run (metrics.csv byte-identical, summary.json identical
/// apart from <see cref="WallClockFields"/>). Ctrl+C, shards and process kills of the lockstep sweep: <see cref="SweepRecipeTests"/>.
/// </summary>
public sealed class DoubleDescentResumeTests() : TempFolderTest("telescope-dd-resume-")
{
    /// <summary>2 noise levels × 3 widths × 2 seeds = 12 sub-runs of ≤ 60 steps.</summary>
    internal static readonly string[] Tiny =
    [
        "data=synthetic", "train_size=24", "test_size=12", "test_probes=8", "widths=1,3,16", "label_noise=0.25,0", "seeds=0,1",
        "max_steps=60", "converge_window=20", "converge_rel_improvement=0.05", "log_every=10", "directions=4", "lr.adam=0.01",
        "sensitivity=retraining", "sensitivity_directions=2", "stability_iterations=5", "threads=1",
    ];

    private readonly RecipeCatalog _catalog = new([new DoubleDescentRecipe()]);

    private RunResult Run(string name, IProgressReporter? progress = null, RunShard? shard = null, CancellationToken cancel = default, params string[] extra) =>
        RecipeRunner.Run(_catalog, new RunRequest { Recipe = "double-descent", Quick = true, Assignments = [.. Tiny, .. extra], Out = Path.Combine(_root, name), Shard = shard },
            progress ?? SilentProgressReporter.Instance, cancel);

    [Fact]
    public void SeparatePairSubRunsGiveTheLockstepNumbersAndShardAndResume()
    {
        // Each of the 12 networks is followed by its 3 pair sub-runs (D = 2 and the σ/4 pair); with the convergence rule
        // on, a pair replays its network to stop where it stops.
        var lockstep = Run("lockstep");
        var separate = Run("separate", extra: "sensitivity_members=separate");
        ResumeAndShardTests.AssertSameResults(lockstep.Folder, separate.Folder);
        var rows = File.ReadAllLines(Path.Combine(separate.Folder, "metrics.csv"));
        int column = Array.IndexOf(rows[0].Split(','), "p_net_train");
        Assert.All(rows.Skip(1), row => Assert.True(double.Parse(row.Split(',')[column], System.Globalization.CultureInfo.InvariantCulture) >= 0));

        var shards = Enumerable.Range(0, 3).Select(i => Run($"shard{i}", shard: new RunShard(i, 3), extra: "sensitivity_members=separate").Folder).ToList();
        var merged = RecipeRunner.Merge(_catalog, shards, Path.Combine(_root, "merged"), SilentProgressReporter.Instance);
        ResumeAndShardTests.AssertSameResults(separate.Folder, merged.Folder);

        // Ctrl+C at step 15 of sub-run 1, the first pair (the rule cannot stop anything before step 20), then resume.
        using var cancel = new CancellationTokenSource();
        var progress = new ResumeAndShardTests.HookedProgress(onAdvance: units => { if (units >= 60 + 15) cancel.Cancel(); });
        var interrupted = Assert.Throws<RunInterruptedException>(() =>
            Run("interrupted", progress, cancel: cancel.Token, extra: ["sensitivity_members=separate", "checkpoint_minutes=0"]));
        var state = CheckpointFile.Read(Path.Combine(interrupted.PartialFolder, RunCheckpoints.FileName));
        Assert.Equal(1, state.GetInt("current/index"));
        var resumed = RecipeRunner.Resume(_catalog, interrupted.PartialFolder, SilentProgressReporter.Instance);
        ResumeAndShardTests.AssertSameResults(separate.Folder, resumed.Folder);

        // A fixed step count needs no replay: the pairs alone give the lockstep numbers too.
        string[] fixedSteps = ["converge_window=0", "max_steps=30", "seeds=0"];
        ResumeAndShardTests.AssertSameResults(Run("fixed-lockstep", extra: fixedSteps).Folder,
            Run("fixed-separate", extra: [.. fixedSteps, "sensitivity_members=separate"]).Folder);
    }
}
