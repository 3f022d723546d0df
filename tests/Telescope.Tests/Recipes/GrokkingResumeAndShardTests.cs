using System.Text.Json;
using Telescope.Checkpointing;
using Telescope.Recipes.Grokking;
using Telescope.Runs;
using Telescope.Tests.Runs;
using Xunit;

namespace Telescope.Tests.Recipes;

/// <summary>
/// Separate p_net pair sub-runs and seed repetitions of grokking-mnist and grokking-poly on tiny settings (synthetic
/// images, a few seconds): pair sub-runs give the lockstep numbers and shard and resume (metrics.csv byte-identical,
/// summary.json identical outside <see cref="WallClockFields"/>); a run with seeds = 0,1 has summary entries whose mean
/// and sd are those of the two single-seed runs (to 1e-12), with bands in its figures. Ctrl+C, shards and process kills
/// of the plain sweep: <see cref="SweepRecipeTests"/>.
/// </summary>
public sealed class GrokkingResumeAndShardTests() : TempFolderTest("telescope-grok-")
{
    /// <summary>The kernel spectrum on 6 training and 6 test probes (top 4), so resume, shards and merges cover its checkpoint (declared first: the arrays below read it).</summary>
    private static readonly string[] Spectrum = ["spectrum_probes=6", "spectrum_top_k=4"];

    /// <summary>Two configurations × two seeds = four sub-runs, with the smoother, p_net (linearity pair on) and λ_t all on.</summary>
    internal static readonly string[] TinyMnist =
    [
        "data=synthetic", "configs=relu:2,sigmoid:1", "train_size=30", "test_size=20", "test_probes=8", "hidden=6,5",
        "batch_size=10", "steps=12", "log_every=4", "directions=2", "smoother=label-tangent", "sensitivity=retraining",
        "sensitivity_linearity=true", "stability_iterations=5", "dtype=float64", "threads=1", .. Spectrum,
    ];

    /// <summary>Two ε × two seeds, with the kernel smoother, p_net, λ_t and the spectrum.</summary>
    internal static readonly string[] TinyPoly =
    [
        "epsilons=0.02,0.5", "width=16", "input_dim=4", "train_size=20", "test_size=15", "test_probes=6", "steps=12",
        "log_every=4", "lr_factor=1", "sensitivity=retraining", "stability_iterations=5", "dtype=float64", "threads=1", .. Spectrum,
    ];

    private readonly RecipeCatalog _catalog = new([new GrokkingMnistRecipe(), new GrokkingPolyRecipe()]);

    private RunResult Run(string recipe, string[] settings, string name, RunShard? shard = null, CancellationToken cancel = default,
        IProgressReporter? progress = null) =>
        RecipeRunner.Run(_catalog, new RunRequest
        {
            Recipe = recipe, Quick = true, Assignments = settings, Out = Path.Combine(_root, name), Shard = shard,
        }, progress ?? SilentProgressReporter.Instance, cancel);

    private static string[] Tiny(string recipe) => recipe == "grokking-mnist" ? TinyMnist : TinyPoly;

    [Theory]
    [InlineData("grokking-mnist")]
    [InlineData("grokking-poly")]
    public void SeparatePairSubRunsGiveTheLockstepNumbersAndShardAndResume(string recipe)
    {
        // Two configurations × two seeds, each followed by its three pair sub-runs (D = 2 and the σ/4 pair): 16 sub-runs.
        string[] settings = [.. Tiny(recipe), "seeds=0,1", "checkpoint_minutes=0"];
        string[] separate = [.. settings, "sensitivity_members=separate"];
        var lockstep = Run(recipe, settings, "lockstep");
        var whole = Run(recipe, separate, "separate");
        // The pairs are the lockstep members, trained in sub-runs of their own: metrics.csv (p_net, its SE, the linearity
        // ratios, the agreement with the smoother, λ_t) byte for byte, and the same summary.
        ResumeAndShardTests.AssertSameResults(lockstep.Folder, whole.Folder);
        var rows = File.ReadAllLines(Path.Combine(whole.Folder, "metrics.csv"));
        int column = Array.IndexOf(rows[0].Split(','), "p_net_test");
        Assert.All(rows.Skip(1), row => Assert.True(double.Parse(row.Split(',')[column], System.Globalization.CultureInfo.InvariantCulture) >= 0));
        // The spectrum is in every row (alignment in (0, 1]), and the verdicts are in findings.json.
        int alignment = Array.IndexOf(rows[0].Split(','), "alignment_test");
        Assert.All(rows.Skip(1), row => Assert.InRange(double.Parse(row.Split(',')[alignment], System.Globalization.CultureInfo.InvariantCulture), 1e-9, 1));
        Assert.Contains(RunFindings.Read(whole.Folder), f => f.Key == "spectral_and_effective_parameter_stories_agree");

        // Three shares spread the 16 sub-runs (pairs included) over three processes; the merge combines them.
        var shards = Enumerable.Range(0, 3).Select(i => Run(recipe, separate, $"shard{i}", shard: new RunShard(i, 3)).Folder).ToList();
        var merged = RecipeRunner.Merge(_catalog, shards, Path.Combine(_root, "merged"), SilentProgressReporter.Instance);
        ResumeAndShardTests.AssertSameResults(whole.Folder, merged.Folder);

        // Ctrl+C inside the first pair sub-run (sub-run 1), then resume: its members continue from the checkpoint.
        using var stop = new CancellationTokenSource();
        var progress = new ResumeAndShardTests.HookedProgress(onAdvance: units => { if (units >= 12 + 5) stop.Cancel(); });
        var stopped = Assert.Throws<RunInterruptedException>(() => Run(recipe, separate, "stopped", cancel: stop.Token, progress: progress));
        var state = CheckpointFile.Read(Path.Combine(stopped.PartialFolder, RunCheckpoints.FileName));
        Assert.Equal(1, state.GetInt("current/index"));
        Assert.InRange(state.GetInt("current/step"), 2, 12);
        Assert.Contains("\"Pair\":{\"Direction\":0", state.GetString("current/run"));
        var resumed = RecipeRunner.Resume(_catalog, stopped.PartialFolder, SilentProgressReporter.Instance);
        ResumeAndShardTests.AssertSameResults(whole.Folder, resumed.Folder);
    }

    /// <summary>
    /// The spectrum view only watches: with it on, every other metrics.csv column keeps the bytes of the run with it off
    /// (the same process and CPU, so the comparison holds on any instruction set), and off it adds no column or figure.
    /// </summary>
    [Theory]
    [InlineData("grokking-mnist")]
    [InlineData("grokking-poly")]
    public void TheSpectrumViewLeavesEveryOtherMetricUnchanged(string recipe)
    {
        var off = Run(recipe, [.. Tiny(recipe).Except(Spectrum), "spectrum_probes=0", "seeds=0,1"], "off");
        var on = Run(recipe, [.. Tiny(recipe), "seeds=0,1"], "on");
        string[] spectrumColumns = ["kernel_lambda_1", "kernel_lambda_k", "alignment_train", "alignment_test", "energy_top_k", "rotation"];
        static List<string[]> Rows(string folder) => File.ReadAllLines(Path.Combine(folder, "metrics.csv")).Select(l => l.Split(',')).ToList();
        var withView = Rows(on.Folder);
        var without = Rows(off.Folder);
        var kept = withView[0].Select((name, i) => (name, i)).Where(c => !spectrumColumns.Contains(c.name)).Select(c => c.i).ToList();
        Assert.Equal(spectrumColumns.Length, withView[0].Length - kept.Count);
        Assert.Empty(without[0].Intersect(spectrumColumns));
        Assert.Equal(without.Count, withView.Count);
        for (int r = 0; r < without.Count; r++) Assert.Equal(without[r], kept.Select(i => withView[r][i]).ToArray());
        Assert.DoesNotContain(Directory.GetFiles(off.Folder), f => Path.GetFileName(f).StartsWith("spectrum_", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("grokking-mnist", new[] { "train_error", "test_error", "train_mse", "p_train", "p_test", "p_gap_se", "p_net_train", "p_net_test", "sensitivity_linearity", "surrogate_sharpness", "step_test_plateau" })]
    [InlineData("grokking-poly", new[] { "train_mse", "test_mse", "p_train", "p_test", "p_net_train", "p_net_test", "gd_sharpness_final", "surrogate_sharpness", "step_test_plateau" })]
    public void TwoSeedsGiveTheMeanAndSdOfTheTwoSingleSeedRunsAndBandsInTheFigures(string recipe, string[] keys)
    {
        var both = Summary(Run(recipe, [.. Tiny(recipe), "seeds=0,1"], "both").Folder);
        var zero = Summary(Run(recipe, [.. Tiny(recipe), "seeds=0"], "zero").Folder);
        var one = Summary(Run(recipe, [.. Tiny(recipe), "seeds=1"], "one").Folder);
        Assert.Equal(2, both.GetProperty("results").GetArrayLength());
        for (int i = 0; i < 2; i++)
        {
            var entry = both.GetProperty("results")[i];
            Assert.Equal([0L, 1L], entry.GetProperty("seeds").EnumerateArray().Select(e => e.GetInt64()));
            Assert.Equal(2, entry.GetProperty("per_seed").GetArrayLength());
            foreach (string key in keys)
            {
                double a = zero.GetProperty("results")[i].GetProperty(key).GetDouble(), b = one.GetProperty("results")[i].GetProperty(key).GetDouble();
                // Mean and sample sd of two values: (a + b)/2 and |a − b|/√2; 1e-12 relative to the values' scale.
                double scale = Math.Max(1, Math.Max(Math.Abs(a), Math.Abs(b)));
                Assert.Equal((a + b) / 2, entry.GetProperty(key).GetDouble(), 1e-12 * scale);
                // A field equal in both seeds is kept as it is, without an sd (SeedAggregate): its sd is 0.
                double sd = entry.TryGetProperty(key + "_sd", out var s) ? s.GetDouble() : 0;
                Assert.True(a != b || !entry.TryGetProperty(key + "_sd", out _), $"{key}: equal in both seeds but has an sd");
                Assert.Equal(Math.Abs(a - b) / Math.Sqrt(2), sd, 1e-12 * scale);
            }
        }
        // The seeds differ (so the sd is a real spread, not 0), and the figures draw mean ± sd bands.
        Assert.NotEqual(zero.GetProperty("results")[0].GetProperty("train_mse").GetDouble(), one.GetProperty("results")[0].GetProperty("train_mse").GetDouble());
        string folder = Path.Combine(_root, "both");
        var svgs = Directory.GetFiles(folder, "dynamics_*.svg");
        Assert.Equal(2, svgs.Length);
        Assert.All(svgs, svg => Assert.Contains("mean ± sd, 2 seeds", File.ReadAllText(svg)));
        string report = File.ReadAllText(Path.Combine(folder, "report.md"));
        Assert.Contains("2 seed repetitions", report);
        Assert.Contains("seed-to-seed", report);
        Assert.Contains(" ± ", report);
    }

    private static JsonElement Summary(string folder) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "summary.json"))).RootElement.Clone();
}
