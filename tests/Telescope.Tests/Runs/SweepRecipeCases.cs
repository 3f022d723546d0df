using System.Text.Json;
using Telescope.Recipes.Approximation;
using Telescope.Recipes.DesignChoices;
using Telescope.Recipes.DoubleDescent;
using Telescope.Recipes.Grokking;
using Telescope.Recipes.GrokkingModular;
using Telescope.Recipes.Lmc;
using Telescope.Recipes.TabularGbt;
using Telescope.Runs;
using Telescope.Tests.Cli;
using Telescope.Tests.Data;
using Telescope.Tests.Recipes;
using Xunit;

namespace Telescope.Tests.Runs;

/// <summary>
/// One built-in recipe's data for <see cref="SweepRecipeTests"/>: the recipe as the tests construct it (synthetic
/// loaders), its tiny in-process settings, where Ctrl+C stops it, the settings of its child-process SIGKILL run with
/// that run's metrics.csv line count, and the checks only this recipe makes on top of the shared ones.
/// </summary>
internal sealed record SweepRecipeCase
{
    public required IRecipe Recipe { get; init; }
    /// <summary>Settings of the in-process runs (Ctrl+C and shards).</summary>
    public required string[] Tiny { get; init; }
    /// <summary>Progress units at which Ctrl+C stops a run (one interrupted run each), chosen inside a sub-run.</summary>
    public required int[] StopAt { get; init; }
    /// <summary>Whether metrics.csv at the stop must hold between 2 lines and fewer than the finished run's.</summary>
    public bool RowsAtStopAreAPart { get; init; }
    /// <summary>Extra settings of each shard case (one merge each; most recipes have one, empty).</summary>
    public string[][] ShardVariants { get; init; } = [[]];
    /// <summary>Recipe-specific checks of a shard case: (extra settings, unsharded folder, merged folder).</summary>
    public Action<string[], string, string>? ShardChecks { get; init; }
    /// <summary>Settings and metrics.csv lines of the child-process run that is SIGKILLed.</summary>
    public required string[] Kill { get; init; }
    public required int KillRows { get; init; }
    /// <summary>Whether the in-process runs need the CIFAR-10 fixture (written into the data folder given to the runs).</summary>
    public bool NeedsCifarFixture { get; init; }
    /// <summary>Whether the SIGKILLed child reads a real data set (tabular-gbt's OpenML files, lmc's CIFAR-10): a RealData test.</summary>
    public bool KillReadsRealData { get; init; }

    public static IReadOnlyDictionary<string, SweepRecipeCase> All { get; } = new Dictionary<string, SweepRecipeCase>
    {
        ["approximation"] = new()
        {
            Recipe = new ApproximationRecipe(),
            Tiny = ResumeAndShardTests.TinyApproximation,
            StopAt = [71],
            Kill = ProcessKillTests.Approximation,
            KillRows = ProcessKillTests.ApproximationRows,
        },
        ["tabular-gbt"] = new()
        {
            Recipe = new TabularGbtRecipe(name => TabularGbtTests.Synthetic(name)),
            Tiny = ResumeAndShardTests.TinyTabular,
            StopAt = [55],   // 3 data sets × 40 SGD steps: inside the second data set's network
            Kill = ProcessKillTests.Tabular,
            KillRows = ProcessKillTests.TabularRows,
            KillReadsRealData = true,
        },
        ["double-descent"] = new()
        {
            Recipe = new DoubleDescentRecipe(),
            Tiny = DoubleDescentResumeTests.Tiny,
            // Sub-runs advance ≤ 60 units each; 215 falls inside the fourth network (the progress jumps to a multiple of 60
            // when the rule stops a network early, so 215 is never a network boundary).
            StopAt = [215],
            RowsAtStopAreAPart = true,
            ShardChecks = (_, whole, _) =>
            {
                // The networks did stop at different steps, so the convergence rule took part.
                var steps = File.ReadAllLines(Path.Combine(whole, "metrics.csv")).Skip(1).GroupBy(l => l.Split(',')[0]).Select(g => g.Count()).Distinct().ToList();
                Assert.True(steps.Count > 1, "every network logged the same number of points");
            },
            // The in-process sweep with longer networks, so that the child runs a few seconds; 170 lines measured from the reference run.
            Kill = [.. DoubleDescentResumeTests.Tiny.Where(s => !s.StartsWith("max_steps=") && !s.StartsWith("converge_window=")), "max_steps=150", "converge_window=50"],
            KillRows = 170,
        },
        ["grokking-mnist"] = Grokking(new GrokkingMnistRecipe(), GrokkingResumeAndShardTests.TinyMnist,
        [
            "data=synthetic", "configs=relu:2,sigmoid:1", "train_size=60", "test_size=40", "test_probes=10", "hidden=12,12",
            "batch_size=20", $"steps={GrokkingKillSteps}", $"log_every={GrokkingKillLogEvery}", "directions=2", "smoother=label-tangent",
            "sensitivity=retraining", "sensitivity_linearity=true", "stability_iterations=5", "threads=1",
        ]),
        ["grokking-poly"] = Grokking(new GrokkingPolyRecipe(), GrokkingResumeAndShardTests.TinyPoly,
        [
            "epsilons=0.02,0.5", "width=32", "input_dim=8", "train_size=40", "test_size=30", "test_probes=10", $"steps={GrokkingKillSteps}",
            $"log_every={GrokkingKillLogEvery}", "lr_factor=1", "sensitivity=retraining", "stability_iterations=5", "dtype=float64", "threads=1",
        ]),
        ["design-choices"] = new()
        {
            Recipe = new DesignChoicesRecipe(name => TabularGbtTests.Synthetic(name, rows: 500)),
            // DesignChoicesRecipeTests.Tiny has 11 sub-runs: sgd (30 steps; it doubles as SGD at γ/(1−β)), sgd_momentum,
            // sgd_momentum_wd, adam, adamw (30 each), adamw and sgd_momentum_wd on relu-nobias and tanh-bias (10 each), then the
            // tabular sgd and adam networks (30 each).
            Tiny = DesignChoicesRecipeTests.Tiny,
            // 77: inside sgd_momentum_wd (step 17, mid log window): decay sums, blending, drift, window lists.
            // 232: inside the tabular adam network (step 12).
            StopAt = [77, 232],
            ShardChecks = (_, _, merged) => Assert.Contains("momentum_vs_rescaled,", File.ReadAllText(Path.Combine(merged, "metrics.csv"))),
            // Four MNIST sub-runs of 150 steps, 16 rows each (sgd_momentum, adamw, SGD at γ/(1−β), adamw on relu-nobias),
            // then 16 momentum_vs_rescaled rows; no tabular part, so no data folder is needed.
            Kill =
            [
                "data=synthetic", "train_size=256", "train_probes=16", "test_probes=24", "kernel_train=8", "kernel_test=6", "drift_probes=6",
                "hidden=16", "batch_size=16", "steps=150", "identity_steps=150", "log_every=10", "kernel_every=50", "kernel_directions=8",
                "optimizers=sgd_momentum,adamw", "identity_nets=relu-nobias", "identity_optimizers=adamw", "tabular=none", "threads=1",
            ],
            KillRows = 1 + 4 * 16 + 16,
        },
        ["lmc"] = new()
        {
            Recipe = new LmcRecipe(),
            Tiny =
            [
                "width=2", "steps=6", "spawn_steps=3,0", "pretrain_steps=2", "train_size=32", "pretrain_offset=32", "pretrain_size=32",
                "test_size=40", "probes=2", "batch_size=16", "bn_batches=2", "warmup_steps=2", "log_every=2", "threads=1",
            ],
            // Progress units are training steps: random 1–12 children at t′ = 0, 13–15 parent, 16–21 children at t′ = 3;
            // pretrained 22–23 pretraining, 24–35 children at t′ = 0, … Stop in a second child (the first one's end point
            // is in the checkpoint), in the parent between spawn points, in pretraining and in a first child.
            StopAt = [8, 14, 22, 27],
            NeedsCifarFixture = true,
            ShardVariants = [[], ["seeds=4,5"]],
            ShardChecks = LmcShardChecks,
            // w = 2, T = 6, t′ ∈ {0, 3}, 2 pretraining steps, a row per step (real CIFAR-10).
            Kill =
            [
                "width=2", "steps=6", "spawn_steps=0,3", "pretrain_steps=2", "train_size=32", "pretrain_offset=32", "pretrain_size=32",
                "test_size=40", "probes=2", "batch_size=16", "bn_batches=2", "warmup_steps=2", "log_every=1", "threads=1",
            ],
            // Header; per arm: children 6 + 6 rows (t′ = 0) and 3 + 3 (t′ = 3), 5 path rows per t′, the parent's 3; pretraining 2.
            KillRows = 1 + 2 * (12 + 6 + 10 + 3) + 2,
            KillReadsRealData = true,
        },
        ["grokking-modular"] = new()
        {
            Recipe = new GrokkingModularRecipe(),
            Tiny = [.. GrokkingModularRecipeTests.Tiny, "seeds=0,1"],
            // Four sub-runs of 12 steps: stop in the second, with one finished sub-run, the network, AdamW, f̃, the p_net
            // members and the spectrum mid-way.
            StopAt = [12 + 6],
            RowsAtStopAreAPart = true,
            // The same transformer trained 300 steps (a few seconds per sub-run), two weight decays.
            Kill = [.. GrokkingModularRecipeTests.Tiny.Where(s => !s.StartsWith("steps=") && !s.StartsWith("log_every=")), "steps=300", "log_every=20"],
            KillRows = 1 + 2 * LogSchedule.Steps(300, 2, 20).Count,
        },
    };

    private const int GrokkingKillSteps = 160, GrokkingKillLogEvery = 20, GrokkingKillLogPerDecade = 20;

    /// <summary>A grokking recipe: two configurations × two seeds in-process (every tracker on), two sub-runs in the child.</summary>
    private static SweepRecipeCase Grokking(IRecipe recipe, string[] tiny, string[] kill) => new()
    {
        Recipe = recipe,
        Tiny = [.. tiny, "seeds=0,1"],
        // Stop in the middle of the third sub-run (12 steps each): the checkpoint then holds two finished sub-runs, a model,
        // its optimizer, smoother, tracker and retraining members mid-way.
        StopAt = [2 * 12 + 5],
        RowsAtStopAreAPart = true,
        ShardChecks = (_, whole, _) =>
        {
            // Four sub-runs, each seed's rows named with its seed.
            var runNames = File.ReadLines(Path.Combine(whole, "metrics.csv")).Skip(1).Select(l => l.Split(',')[0]).Distinct().ToList();
            Assert.Equal(4, runNames.Count);
            Assert.All(runNames, n => Assert.Matches("_seed=[01]$", n));
        },
        Kill = kill,
        // Header + both sub-runs' logged steps.
        KillRows = 1 + 2 * LogSchedule.Steps(GrokkingKillSteps, GrokkingKillLogPerDecade, GrokkingKillLogEvery).Count,
    };

    private static void LmcShardChecks(string[] extra, string whole, string merged)
    {
        var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(whole, "summary.json"))).RootElement;
        var results = summary.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal(4, results.Length);                                        // 2 arms × 2 spawn steps, seeds combined
        Assert.Equal([0, 3], results.Take(2).Select(r => r.GetProperty("spawn_step").GetInt32()));   // spawn steps sorted
        var rows = File.ReadAllLines(Path.Combine(whole, "metrics.csv"));
        if (extra.Length == 0)
        {
            Assert.False(results[0].TryGetProperty("per_seed", out _));
            Assert.Contains(rows, l => l.StartsWith("random_t=3_child=1,6,"));
            return;
        }
        foreach (var r in results)
        {
            var perSeed = r.GetProperty("per_seed").EnumerateArray().ToArray();
            Assert.Equal([4L, 5L], r.GetProperty("seeds").EnumerateArray().Select(s => s.GetInt64()));
            var drops = perSeed.Select(p => p.GetProperty("accuracy_drop").GetDouble()).ToArray();
            Assert.Equal(drops.Average(), r.GetProperty("accuracy_drop").GetDouble(), 12);
            double sd = Math.Sqrt(drops.Sum(d => (d - drops.Average()) * (d - drops.Average())));   // n − 1 = 1
            // A field equal in every seed is kept as it is, without a spread (SeedAggregate); at this size both seeds can drop alike.
            if (r.TryGetProperty("accuracy_drop_sd", out var sdField)) Assert.Equal(sd, sdField.GetDouble(), 12);
            else Assert.All(drops, d => Assert.Equal(drops[0], d));
            Assert.NotEqual(perSeed[0].GetProperty("function_change").GetDouble(), perSeed[1].GetProperty("function_change").GetDouble());   // seeds differ
        }
        Assert.Contains(rows, l => l.StartsWith("random_t=3_child=1_seed=5,6,"));
        Assert.Contains(rows, l => l.StartsWith("pretrained_pretrain_seed=4,"));
        Assert.Contains("mean ± sd over 2 seeds", File.ReadAllText(Path.Combine(whole, "report.md")));
    }

    /// <summary>The CIFAR-10 files the lmc runs read: data_batch_1 holds the main and the pretraining subsets; the loader needs all five official files.</summary>
    public static void WriteCifarFixture(DataFixtures data)
    {
        static byte[] Labels(int n) => Enumerable.Range(0, n).Select(i => (byte)(i * 7 % 10)).ToArray();
        data.Write("cifar10/data_batch_1.bin", DataFixtures.CifarRecords(Labels(64)));
        for (int i = 2; i <= 5; i++) data.Write($"cifar10/data_batch_{i}.bin", DataFixtures.CifarRecords(Labels(10)));
        data.Write("cifar10/test_batch.bin", DataFixtures.CifarRecords(Labels(40)));
    }
}
