using System.Text.Json;
using Telescope.Recipes.DoubleDescent;
using Telescope.Runs;
using Telescope.Verdicts;
using Xunit;

namespace Telescope.Tests.Recipes;

/// <summary>
/// Training to convergence in double-descent (issue 13 item 3) and its seed repetitions (item 1): the stopping rule on
/// synthetic loss sequences (exact stop steps), capped networks and optimization failures kept out of the curve the
/// verdicts judge, and the summary's mean/sd over seeds equal to the single-seed runs' values.
/// </summary>
public sealed class DoubleDescentConvergenceTests() : TempFolderTest("telescope-dd-converge-")
{
    /// <summary>Logged (step, train MSE) pairs every <paramref name="every"/> steps from step 0.</summary>
    private static List<(int Step, double TrainMse)> Sequence(int every, params double[] values) =>
        values.Select((v, i) => (i * every, v)).ToList();

    /// <summary>The first logged step at which the rule stops, feeding the sequence one point at a time.</summary>
    private static (int Step, StopReason Reason) StopOf(ConvergenceRule rule, List<(int Step, double TrainMse)> sequence)
    {
        for (int i = 1; i <= sequence.Count; i++)
            if (rule.Decide(sequence.Take(i).ToList()) is { } reason) return (sequence[i - 1].Step, reason);
        throw new Xunit.Sdk.XunitException("The rule never stopped.");
    }

    [Fact]
    public void StopsAtTheFirstWindowWithTooLittleRelativeImprovement()
    {
        // W = 200 with logs every 100: the check at t compares B(t) with B(t − 200).
        // t = 200: 1 → 0.5 (50%); 300: 0.8 → 0.4; 400: 0.5 → 0.3 (40%); 500: 0.4 → 0.297 (25.8%);
        // 600: 0.3 → 0.2955 (1.5% > 1%); 700: 0.297 → 0.2952 (0.606% ≤ 1%): stop at 700.
        var rule = new ConvergenceRule(Window: 200, RelativeImprovement: 0.01, TrainMseFloor: 1e-6, MaxSteps: 5000);
        var sequence = Sequence(100, 1, 0.8, 0.5, 0.4, 0.3, 0.297, 0.2955, 0.2952, 0.2951, 0.2950);
        Assert.Equal((700, StopReason.Converged), StopOf(rule, sequence));
        // Exactly at the threshold (improvement = ρ·B, exact in binary: 1 → 0.75 with ρ = 0.25) also stops.
        Assert.Equal((200, StopReason.Converged), StopOf(new ConvergenceRule(200, 0.25, 0, 5000), Sequence(100, 1, 1, 0.75)));
        Assert.Null(new ConvergenceRule(200, 0.2499, 0, 5000).Decide(Sequence(100, 1, 1, 0.75)));
    }

    [Fact]
    public void ALossSpikeNeitherStopsNorDelaysTheRuleBecauseItUsesTheBestSoFar()
    {
        // The spike at step 300 (5.0) would make "loss now vs loss W ago" negative; B ignores it.
        var rule = new ConvergenceRule(200, 0.01, 1e-6, 5000);
        var sequence = Sequence(100, 1, 0.6, 0.4, 5.0, 0.2, 0.199, 0.1985, 0.1984);
        // t = 400: B 0.4 → 0.2 (50%); 500: B(300) = 0.4 → 0.199; 600: B(400) = 0.2 → 0.1985 (0.75%): stop at 600.
        Assert.Equal((600, StopReason.Converged), StopOf(rule, sequence));
    }

    [Fact]
    public void InterpolationFloorStopsAndTheCapFlagsANetworkStillImproving()
    {
        var rule = new ConvergenceRule(200, 0.01, TrainMseFloor: 1e-3, MaxSteps: 600);
        // Halving every 100 steps: 1, 0.5, …; B(t) ≤ 1e-3 first at step 1000, beyond the cap 600: capped at 600.
        var halving = Sequence(100, Enumerable.Range(0, 11).Select(i => Math.Pow(0.5, i)).ToArray());
        Assert.Equal((600, StopReason.Capped), StopOf(rule, halving));
        var roomy = rule with { MaxSteps = 5000 };
        Assert.Equal((1000, StopReason.Interpolated), StopOf(roomy, halving));
        // The floor is checked before the window: a network at the floor by step W stops at W.
        Assert.Equal((200, StopReason.Interpolated), StopOf(roomy, Sequence(100, 1, 0.1, 1e-3)));
        // No decision before the first full window, even with no improvement at all.
        Assert.Null(roomy.Decide(Sequence(100, 1, 1)));
        Assert.Equal(StopReason.Converged, roomy.Decide(Sequence(100, 1, 1, 1)));
    }

    [Fact]
    public void WindowZeroTrainsTheFixedNumberOfStepsAndBadWindowsAreUserErrors()
    {
        var fixedSteps = new ConvergenceRule(0, 0.01, 1e-3, 300);
        Assert.Null(fixedSteps.Decide(Sequence(100, 1, 1e-9, 1e-9)));
        Assert.Equal(StopReason.Fixed, fixedSteps.Decide(Sequence(100, 1, 1e-9, 1e-9, 1e-9)));
        Assert.Contains("multiple of log_every", Assert.Throws<TelescopeException>(() => new ConvergenceRule(150, 0.01, 0, 1000).Validate(100)).Message);
        Assert.Contains("exceeds max_steps", Assert.Throws<TelescopeException>(() => new ConvergenceRule(2000, 0.01, 0, 1000).Validate(100)).Message);
    }

    [Fact]
    public void AWiderNetworkFittingClearlyWorseThanANarrowerOneIsAnOptimizationFailure()
    {
        // Widths in order; index 2 (0.61) is 0.30 above index 1 (0.31), index 4 is within the tolerance of index 3.
        var failures = DoubleDescentAnalysis.WorseFitThanNarrower([0.61, 0.31, 0.61, 0.05, 0.055, 0.2], tolerance: 0.01);
        Assert.Equal(new Dictionary<int, int> { [2] = 1, [5] = 3 }, failures);
        Assert.Empty(DoubleDescentAnalysis.WorseFitThanNarrower([1.0, 0.5, 0.2, 0.2], 0.0));
    }

    [Fact]
    public void NetworksOutOfTheCurveDoNotReachTheVerdict()
    {
        // A flat curve plus one capped network with a huge test MSE at width 8: with it the peak test would see a
        // peak; without it there is none. Two seeds per width; width 16 has only its in-curve seed.
        (int, double, bool)[] networks =
        [
            (1, 1.0, true), (1, 1.01, true), (2, 0.5, true), (2, 0.52, true), (4, 0.5, true), (4, 0.49, true),
            (8, 0.5, true), (8, 9.0, false), (16, 0.51, true), (16, 7.0, false), (32, 0.5, true), (32, 0.5, true),
            (64, 0.48, true), (64, 0.5, true),
        ];
        var curve = DoubleDescentAnalysis.Curve(networks);
        Assert.Equal([1.0, 2, 4, 8, 16, 32, 64], curve.X);
        Assert.Equal(0.5, curve.Means[3], 12);
        Assert.Single(curve.Samples[4]);
        Assert.False(PeakCheck.Find(curve, VerdictCriteria.Default, expectPeak: true).Found);
        var everything = DoubleDescentAnalysis.Curve(networks.Select(n => (n.Item1, n.Item2, true)));
        Assert.Equal(4.75, everything.Means[3], 12);
        Assert.Empty(DoubleDescentAnalysis.Curve([(4, 1.0, false)]).X);
    }

    private static readonly string[] Tiny =
    [
        "data=synthetic", "train_size=24", "test_size=12", "test_probes=8", "widths=1,3,16", "log_every=10",
        "directions=4", "dtype=float64", "label_noise=0.25", "lr.adam=0.01",
    ];

    private JsonElement Run(string name, params string[] extra)
    {
        string folder = Path.Combine(_root, name);
        RecipeRunner.Run(new RecipeCatalog([new DoubleDescentRecipe()]),
            new RunRequest { Recipe = "double-descent", Quick = true, Out = folder, Assignments = [.. Tiny, .. extra] },
            SilentProgressReporter.Instance);
        return JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "summary.json"))).RootElement;
    }

    [Fact]
    public void TheRecipeStopsEveryNetworkByTheRuleAndFlagsTheCappedOnes()
    {
        // ρ = 1: any window "improves by at most 100%", so every network stops at its first check, t = W = 20.
        var early = Run("early", "max_steps=60", "converge_window=20", "converge_rel_improvement=1");
        foreach (var r in early.GetProperty("results").EnumerateArray())
        {
            Assert.Equal(20, r.GetProperty("steps").GetInt32());
            Assert.Equal("converged", r.GetProperty("stop").GetString());
            Assert.True(r.GetProperty("in_curve").GetBoolean() || r.GetProperty("optimization_failure").GetBoolean());
        }
        var csv = File.ReadAllLines(Path.Combine(_root, "early", "metrics.csv"));
        Assert.Equal(1 + 3 * 3, csv.Length);   // steps 0, 10, 20 of each network

        // ρ = 0 and no floor: only a window without any improvement stops; a network still improving runs to the
        // cap, is flagged and is not in the curve.
        var capped = Run("capped", "max_steps=60", "converge_window=20", "converge_rel_improvement=0", "converge_train_mse=0");
        var results = capped.GetProperty("results").EnumerateArray().ToList();
        var cappedOnes = results.Where(r => r.GetProperty("capped").GetBoolean()).ToList();
        Assert.NotEmpty(cappedOnes);
        foreach (var r in cappedOnes)
        {
            Assert.Equal(60, r.GetProperty("steps").GetInt32());
            Assert.False(r.GetProperty("in_curve").GetBoolean());
        }
        var listed = capped.GetProperty("convergence").GetProperty("capped").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(cappedOnes.Count, listed.Count);
        string report = File.ReadAllText(Path.Combine(_root, "capped", "report.md"));
        Assert.Contains($"{cappedOnes.Count} hit the cap of 60 steps still improving", report);
        Assert.Contains("capped at 60 steps", report);
    }

    [Fact]
    public void TheSummaryReportsEveryWorseFittingWiderNetworkAsAnOptimizationFailure()
    {
        // Tolerance 0 and 30 fixed steps: whatever the networks reach, the summary must flag exactly the wider
        // networks whose final train MSE exceeds a narrower one's (same noise level and seed), and say so in the report.
        var summary = Run("fails", "max_steps=30", "converge_window=0", "worse_fit_tolerance=0", "widths=1,2,3,4,16", "seeds=0,1");
        var perSeed = summary.GetProperty("results").EnumerateArray()
            .SelectMany(e => e.GetProperty("per_seed").EnumerateArray().Zip(e.GetProperty("seeds").EnumerateArray(),
                (entry, seed) => (Seed: seed.GetInt64(), Width: entry.GetProperty("width").GetInt32(), Mse: entry.GetProperty("train_mse").GetDouble(),
                    Failure: entry.GetProperty("optimization_failure").GetBoolean())))
            .ToList();
        int failures = 0;
        foreach (var n in perSeed)
        {
            bool worse = perSeed.Any(m => m.Seed == n.Seed && m.Width < n.Width && n.Mse > m.Mse);
            Assert.Equal(worse, n.Failure);
            if (worse) failures++;
        }
        Assert.True(failures > 0, "this tiny setting is chosen so that some wider network fits worse (measured: it does)");
        Assert.Equal(failures, summary.GetProperty("convergence").GetProperty("optimization_failures").GetArrayLength());
        Assert.Contains("optimization failure", File.ReadAllText(Path.Combine(_root, "fails", "report.md")));
    }

    [Fact]
    public void TwoSeedsGiveTheMeanAndSdOfTheTwoSingleSeedRuns()
    {
        string[] settings = ["max_steps=40", "converge_window=20"];
        var both = Run("both", [.. settings, "seeds=0,1"]);
        var single = new[] { Run("seed0", [.. settings, "seeds=0"]), Run("seed1", [.. settings, "seeds=1"]) };
        var combined = both.GetProperty("results").EnumerateArray().ToList();
        var singles = single.Select(s => s.GetProperty("results").EnumerateArray().ToList()).ToArray();
        Assert.Equal(singles[0].Count, combined.Count);
        Assert.Equal(3, combined.Count);
        for (int i = 0; i < combined.Count; i++)
        {
            Assert.Equal([0L, 1L], combined[i].GetProperty("seeds").EnumerateArray().Select(e => e.GetInt64()));
            Assert.Equal(singles[0][i].GetProperty("width").GetInt32(), combined[i].GetProperty("width").GetInt32());
            foreach (var key in new[] { "train_mse", "test_mse", "test_error", "p_train", "p_test", "steps" })
            {
                double a = singles[0][i].GetProperty(key).GetDouble(), b = singles[1][i].GetProperty(key).GetDouble();
                Assert.Equal((a + b) / 2, combined[i].GetProperty(key).GetDouble(), 1e-12);
                double sd = Math.Abs(a - b) / Math.Sqrt(2);
                // Equal values stay as they are (SeedAggregate keeps fields equal in every seed, without an sd).
                if (a == b) Assert.False(combined[i].TryGetProperty(key + SeedAggregate.SdSuffix, out _));
                else Assert.Equal(sd, combined[i].GetProperty(key + SeedAggregate.SdSuffix).GetDouble(), 1e-12);
            }
        }
        // Metrics rows carry the seed in the run name when there are several seeds, and only then.
        Assert.Contains(File.ReadAllLines(Path.Combine(_root, "both", "metrics.csv")), l => l.StartsWith("noise=0.25_width=3_seed=1,"));
        Assert.Contains(File.ReadAllLines(Path.Combine(_root, "seed1", "metrics.csv")), l => l.StartsWith("noise=0.25_width=3,"));
        string report = File.ReadAllText(Path.Combine(_root, "both", "report.md"));
        Assert.Contains("mean ± sd over the seeds in the curve", report);
        Assert.Contains("seed spread", report);
    }
}
