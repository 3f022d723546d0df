using System.Text.Json;
using Telescope.Recipes.DesignChoices;
using Telescope.Runs;
using Telescope.Tests.Runs;
using Xunit;

namespace Telescope.Tests.Recipes;

/// <summary>
/// design-choices adopts live results, checkpoints, shards and seeds (issues 8 and 13), in-process on tiny settings
/// (synthetic images and a synthetic tabular set, seconds): metrics rows appear while a sub-run trains (Ctrl+C + resume
/// and three shards are in <see cref="SweepRecipeTests"/>); seeds = 0,1 shard two ways and merge to the unsharded run; and
/// a two-seed run's summary entries are the mean and sd of two one-seed runs (1e-12). "The same folder" is
/// <see cref="ResumeAndShardTests.AssertSameResults"/>: every CSV byte-identical, summary.json identical outside
/// <see cref="WallClockFields"/>, the same files.
/// </summary>
public sealed class DesignChoicesResumeTests() : TempFolderTest("telescope-design-resume-")
{
    private readonly RecipeCatalog _catalog = new([new DesignChoicesRecipe(name => TabularGbtTests.Synthetic(name, rows: 500))]);

    // DesignChoicesRecipeTests.Tiny has 11 sub-runs: sgd (30 steps; it doubles as SGD at γ/(1−β)), sgd_momentum,
    // sgd_momentum_wd, adam, adamw (30 each), adamw and sgd_momentum_wd on relu-nobias and tanh-bias (10 each), then the
    // tabular sgd and adam networks (30 each).
    private static readonly string[] Tiny = DesignChoicesRecipeTests.Tiny;

    // Fewer arms for the seed cases: sgd_momentum, adamw and SGD at γ/(1−β) (20 steps), adamw on relu-nobias (10), tabular sgd and adam (20).
    private static readonly string[] TinySeeded =
    [
        .. Tiny, "optimizers=sgd_momentum,adamw", "identity_nets=relu-nobias", "identity_optimizers=adamw", "steps=20", "tab_steps=20",
    ];

    private RunResult Run(string name, string[] settings, RunShard? shard = null, IProgressReporter? progress = null,
        CancellationToken cancel = default, params string[] extra) =>
        RecipeRunner.Run(_catalog, new RunRequest
        {
            Recipe = "design-choices", Quick = true, Assignments = [.. settings, .. extra], Out = Path.Combine(_root, name), Shard = shard,
        }, progress ?? SilentProgressReporter.Instance, cancel);

    [Fact]
    public void MetricsGrowRowByRowWhileASubRunTrains()
    {
        string? partial = null;
        string[]? snapshot = null;
        var progress = new ResumeAndShardTests.HookedProgress(onMessage: m =>
        {
            const string marker = "Partial run folder (metrics.csv grows row by row): ";
            if (m.StartsWith(marker, StringComparison.Ordinal)) partial = m[marker.Length..];
        }, onAdvance: units =>
        {
            if (units != 42) return;   // the second sub-run (sgd_momentum) after 12 of its 30 steps
            using var stream = new FileStream(Path.Combine(partial!, "metrics.csv"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            snapshot = new StreamReader(stream).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        });
        var result = Run("live", Tiny, progress: progress, extra: "tabular=none");
        Assert.NotNull(snapshot);
        Assert.Equal(1 + 7 + 3, snapshot!.Length);   // header, sgd at 0, 5, …, 30, sgd_momentum at 0, 5, 10
        Assert.StartsWith("sgd_momentum,10,", snapshot[^1]);
        var final = File.ReadAllLines(Path.Combine(result.Folder, "metrics.csv"));
        Assert.Equal(final.Take(snapshot.Length), snapshot);
    }

    [Fact]
    public void TwoSeedsShardTwoWaysAndMergeToTheUnshardedRun()
    {
        var whole = Run("whole-seeds", TinySeeded, extra: "seeds=0,1");
        var shards = Enumerable.Range(0, 2).Select(i => Run($"seeds-shard{i}", TinySeeded, new RunShard(i, 2), extra: "seeds=0,1").Folder).ToList();
        var merged = RecipeRunner.Merge(_catalog, shards, Path.Combine(_root, "merged-seeds"), SilentProgressReporter.Instance);
        ResumeAndShardTests.AssertSameResults(whole.Folder, merged.Folder);
        string metrics = File.ReadAllText(Path.Combine(merged.Folder, "metrics.csv"));
        Assert.Contains("sgd_momentum_seed=1,", metrics);
        Assert.Contains("momentum_vs_rescaled_seed=0,", metrics);
        Assert.Contains("houses_adam_seed=1,", metrics);
    }

    [Fact]
    public void TwoSeedEntriesAreTheMeanAndSdOfTwoOneSeedRuns()
    {
        using var both = Summary(Run("both", TinySeeded, extra: "seeds=0,1").Folder);
        using var zero = Summary(Run("zero", TinySeeded, extra: "seeds=0").Folder);
        using var one = Summary(Run("one", TinySeeded, extra: "seeds=1").Folder);

        void Check(JsonElement combined, JsonElement a, JsonElement b, string field)
        {
            double x = a.GetProperty(field).GetDouble(), y = b.GetProperty(field).GetDouble();
            Assert.NotEqual(x, y);
            Assert.Equal((x + y) / 2, combined.GetProperty(field).GetDouble(), 1e-12);
            Assert.Equal(Math.Abs(x - y) / Math.Sqrt(2), combined.GetProperty(field + "_sd").GetDouble(), 1e-12);
        }
        var results = both.RootElement.GetProperty("results").EnumerateArray().ToList();
        var r0 = zero.RootElement.GetProperty("results").EnumerateArray().ToList();
        var r1 = one.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(r0.Count, results.Count);
        for (int i = 0; i < results.Count; i++)
        {
            Assert.Equal(r0[i].GetProperty("component").GetString(), results[i].GetProperty("component").GetString());
            foreach (var field in new[] { "contribution_train", "contribution_test", "change_test" })
                Check(results[i], r0[i], r1[i], field);
            Assert.NotEqual(r0[i].GetProperty("contribution_test").GetDouble(), r1[i].GetProperty("contribution_test").GetDouble());
        }
        Check(both.RootElement.GetProperty("momentum"), zero.RootElement.GetProperty("momentum"), one.RootElement.GetProperty("momentum"), "gap_network_final");
        static JsonElement Adam(JsonDocument d) => d.RootElement.GetProperty("adaptive_kernel").GetProperty("houses").GetProperty("adam");
        Check(Adam(both), Adam(zero), Adam(one), "w1_own");
        static JsonElement AdamW(JsonDocument d) => d.RootElement.GetProperty("adaptive_kernel").GetProperty("mnist").GetProperty("adamw");
        Check(AdamW(both), AdamW(zero), AdamW(one), "alignment_test_final");

        string report = File.ReadAllText(Path.Combine(_root, "both", "report.md"));
        Assert.Contains("spread over the 2 seeds", report);
        Assert.Contains(" ± ", report);
        Assert.Contains("(mean ± sd, 2 seeds)", File.ReadAllText(Path.Combine(_root, "both", "contributions_sgd_momentum.svg")));
    }

    [Fact]
    public void EveryCitedExpectationIsFollowedByAVerdictWithItsThreshold()
    {
        var folder = Run("verdicts", Tiny, extra: "kernel_min_misalignment=0").Folder;
        using var summary = Summary(folder);
        var verdicts = summary.RootElement.GetProperty("verdicts").EnumerateArray().ToList();
        Assert.Equal("agrees", verdicts.Single(v => v.GetProperty("claim").GetString()!.Contains("sums to f̃ − f_θ0")).GetProperty("outcome").GetString());
        Assert.Equal("agrees", verdicts.Single(v => v.GetProperty("claim").GetString()!.Contains("homogeneous nets")).GetProperty("outcome").GetString());
        Assert.Equal(2, verdicts.Count(v => v.GetProperty("claim").GetString()!.Contains("only as the Jacobian moves")));
        Assert.Equal(6, verdicts.Count(v => v.GetProperty("claim").GetString()!.Contains("K^T differs measurably")));   // adam, adamw, houses adam × 2 blocks
        string report = File.ReadAllText(Path.Combine(folder, "report.md"));
        foreach (var key in new[] { "decomposition_tolerance = 1E-09", "identity_tolerance = 1E-09", "kernel_min_misalignment = 0", "part_threshold = 0.1", "verdict_gap_se_factor" })
            Assert.Contains(key, report);

        // An impossible tolerance turns the exactness verdicts around: they are computed, not printed.
        using var strict = Summary(Run("strict", Tiny, extra: ["decomposition_tolerance=0", "identity_tolerance=0", "tabular=none"]).Folder);
        var outcomes = strict.RootElement.GetProperty("verdicts").EnumerateArray().Take(2).Select(v => v.GetProperty("outcome").GetString()).ToList();
        Assert.All(outcomes, o => Assert.Equal("disagrees", o));
    }

    private static JsonDocument Summary(string folder) => JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "summary.json")));
}
