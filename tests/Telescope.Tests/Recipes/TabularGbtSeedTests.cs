using System.Text.Json;
using Telescope.Recipes.TabularGbt;
using Telescope.Runs;
using Telescope.Tests.Runs;
using Xunit;

namespace Telescope.Tests.Recipes;

/// <summary>
/// tabular-gbt's seed repetitions (issue 13) on synthetic tabular sets: the sub-runs are data set × seed, so seeds = 0,1
/// sharded two ways merge to the unsharded run; a two-seed run's entries are the mean and sample sd over the seeds of
/// the one-seed runs' entries (1e-12) — the seeds share the training rows and the T_π draws, so each seed's value is
/// already the mean over those draws — and the report says which spread the verdicts used.
/// </summary>
public sealed class TabularGbtSeedTests() : TempFolderTest("telescope-tabular-seeds-")
{
    private readonly RecipeCatalog _catalog = new([new TabularGbtRecipe(name => TabularGbtTests.Synthetic(name))]);

    private static readonly string[] Tiny =
    [
        "datasets=houses,cpu_act", "train_size=100", "pool_size=200", "test_size=10", "repetitions=2",
        "hidden=8", "steps=40", "log_every=10", "batch_size=16", "lr=0.01",
        "gbt_leaves=4", "gbt_min_data_in_leaf=5", "gbt_max_rounds=20", "dtype=float64", "threads=1",
    ];

    private RunResult Run(string name, RunShard? shard = null, params string[] extra) => RecipeRunner.Run(_catalog, new RunRequest
    {
        Recipe = "tabular-gbt", Quick = true, Assignments = [.. Tiny, .. extra], Out = Path.Combine(_root, name), Shard = shard,
    }, SilentProgressReporter.Instance);

    [Fact]
    public void TwoSeedsShardTwoWaysAndMergeToTheUnshardedRun()
    {
        var whole = Run("whole", extra: "seeds=0,1");
        var shards = Enumerable.Range(0, 2).Select(i => Run($"shard{i}", new RunShard(i, 2), "seeds=0,1").Folder).ToList();
        var merged = RecipeRunner.Merge(_catalog, shards, Path.Combine(_root, "merged"), SilentProgressReporter.Instance);
        ResumeAndShardTests.AssertSameResults(whole.Folder, merged.Folder);
        Assert.Contains("cpu_act_seed=1,", File.ReadAllText(Path.Combine(merged.Folder, "metrics.csv")));
        Assert.Contains("houses_seed=0/r1,", File.ReadAllText(Path.Combine(merged.Folder, "pi_metrics.csv")));
    }

    [Fact]
    public void TwoSeedEntriesAreTheMeanAndSdOfTwoOneSeedRuns()
    {
        using var both = Summary(Run("both", extra: "seeds=0,1").Folder);
        using var zero = Summary(Run("zero", extra: "seeds=0").Folder);
        using var one = Summary(Run("one", extra: "seeds=1").Folder);
        foreach (var (key, fields) in new[] { ("results", new[] { "mse_nn", "delta", "w_nn" }), ("datasets", new[] { "nn_train_mse", "nn_p_train" }) })
        {
            var combined = both.RootElement.GetProperty(key).EnumerateArray().ToList();
            var a = zero.RootElement.GetProperty(key).EnumerateArray().ToList();
            var b = one.RootElement.GetProperty(key).EnumerateArray().ToList();
            Assert.Equal(a.Count, combined.Count);
            for (int i = 0; i < combined.Count; i++)
                foreach (var field in fields)
                {
                    double x = a[i].GetProperty(field).GetDouble(), y = b[i].GetProperty(field).GetDouble();
                    Assert.Equal((x + y) / 2, combined[i].GetProperty(field).GetDouble(), 1e-12);
                    if (x == y) Assert.False(combined[i].TryGetProperty(field + "_sd", out _));   // e.g. W(0) = 1 in every seed
                    else Assert.Equal(Math.Abs(x - y) / Math.Sqrt(2), combined[i].GetProperty(field + "_sd").GetDouble(), 1e-12);
                }
        }
        Assert.NotEqual(zero.RootElement.GetProperty("datasets")[0].GetProperty("nn_train_mse").GetDouble(),
            one.RootElement.GetProperty("datasets")[0].GetProperty("nn_train_mse").GetDouble());
        string report = File.ReadAllText(Path.Combine(_root, "both", "report.md"));
        Assert.Contains("the spread over the 2 seeds", report);
        Assert.Contains("test-set draws", report);
        Assert.Contains("(mean ± sd, 2 seeds)", File.ReadAllText(Path.Combine(_root, "both", "gap_and_weights_houses.svg")));
    }

    private static JsonDocument Summary(string folder) => JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "summary.json")));
}
