using System.Text.Json;
using Telescope.Recipes.Approximation;
using Telescope.Runs;
using Telescope.Tests.Runs;
using Xunit;

namespace Telescope.Tests.Recipes;

/// <summary>
/// approximation's seed repetitions (issue 13) on tiny synthetic settings: the sub-runs are optimizer × learning rate ×
/// seed, so seeds = 0,1 sharded two ways merge to the unsharded run (metrics byte-identical, summary identical outside
/// the wall-clock fields), and each summary entry of a two-seed run is the mean and sample sd of the two one-seed runs'
/// entries (1e-12), with the seed in the metrics run names and bands in the figures.
/// </summary>
public sealed class ApproximationSeedTests() : TempFolderTest("telescope-approx-seeds-")
{
    private readonly RecipeCatalog _catalog = new([new ApproximationRecipe()]);

    private RunResult Run(string name, RunShard? shard = null, params string[] extra) => RecipeRunner.Run(_catalog, new RunRequest
    {
        Recipe = "approximation", Quick = true, Assignments = [.. ResumeAndShardTests.TinyApproximation, .. extra], Out = Path.Combine(_root, name), Shard = shard,
    }, SilentProgressReporter.Instance);

    [Fact]
    public void TwoSeedsShardTwoWaysAndMergeToTheUnshardedRun()
    {
        var whole = Run("whole", extra: "seeds=0,1");
        var shards = Enumerable.Range(0, 2).Select(i => Run($"shard{i}", new RunShard(i, 2), "seeds=0,1").Folder).ToList();
        var merged = RecipeRunner.Merge(_catalog, [shards[1], shards[0]], Path.Combine(_root, "merged"), SilentProgressReporter.Instance);
        ResumeAndShardTests.AssertSameResults(whole.Folder, merged.Folder);
        Assert.Contains("adamw_lr=0.001_seed=1,", File.ReadAllText(Path.Combine(merged.Folder, "metrics.csv")));
    }

    [Fact]
    public void TwoSeedEntriesAreTheMeanAndSdOfTwoOneSeedRuns()
    {
        using var both = Summary(Run("both", extra: "seeds=0,1").Folder);
        using var zero = Summary(Run("zero", extra: "seeds=0").Folder);
        using var one = Summary(Run("one", extra: "seeds=1").Folder);
        var combined = both.RootElement.GetProperty("results").EnumerateArray().ToList();
        var a = zero.RootElement.GetProperty("results").EnumerateArray().ToList();
        var b = one.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(4, combined.Count);
        for (int i = 0; i < combined.Count; i++)
        {
            Assert.Equal(a[i].GetProperty("learning_rate").GetDouble(), combined[i].GetProperty("learning_rate").GetDouble());
            foreach (var field in new[] { "err_abs_telescoping", "err_abs_linear", "acc_network", "train_err_abs_telescoping" })
            {
                double x = a[i].GetProperty(field).GetDouble(), y = b[i].GetProperty(field).GetDouble();
                Assert.Equal((x + y) / 2, combined[i].GetProperty(field).GetDouble(), 1e-12);
                // SeedAggregate keeps a field equal in every seed as it is, without an sd (e.g. the same accuracy).
                if (x == y) Assert.False(combined[i].TryGetProperty(field + "_sd", out _));
                else Assert.Equal(Math.Abs(x - y) / Math.Sqrt(2), combined[i].GetProperty(field + "_sd").GetDouble(), 1e-12);
            }
            Assert.NotEqual(a[i].GetProperty("err_abs_telescoping").GetDouble(), b[i].GetProperty("err_abs_telescoping").GetDouble());
            Assert.Equal([0, 1], combined[i].GetProperty("seeds").EnumerateArray().Select(s => s.GetInt32()));
        }
        string report = File.ReadAllText(Path.Combine(_root, "both", "report.md"));
        Assert.Contains("spread over the 2 seeds", report);
        Assert.Contains(" ± ", report);
        Assert.Contains("(mean ± sd, 2 seeds)", File.ReadAllText(Path.Combine(_root, "both", "error_vs_learning_rate.svg")));
    }

    private static JsonDocument Summary(string folder) => JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "summary.json")));
}
