using Telescope.Connectivity;
using Telescope.Recipes.Lmc;
using Telescope.Verdicts;
using Xunit;

namespace Telescope.Tests.Recipes;

/// <summary>
/// lmc's verdicts and facts from hand-made sub-run results, without running a network or writing a report: the
/// accuracy drop of each result is set through its α-path (ends 0.8, midpoint 0.8 − drop), the gradient change through
/// two layer groups.
/// </summary>
public class LmcAnalysisTests
{
    private static readonly int[] SpawnSteps = [0, 10, 100, 500];

    private static LmcAnalysis Analysis(long[] seeds, Func<string, int, long, (double Drop, double Gradient)> value)
    {
        var defaults = LmcSettings.Schema.Bind(LmcSettings.Schema.Create(quick: false));
        var settings = defaults with { SpawnSteps = SpawnSteps, Seeds = seeds };
        var setup = LmcRecipe.Resolve(settings);
        var results = (from arm in new[] { "random", "pretrained" } from seed in seeds from t in SpawnSteps select Result(arm, seed, t, value(arm, t, seed))).ToList();
        return new LmcAnalysis(settings, setup, results);
    }

    private static LmcSpawnResult Result(string arm, long seed, int t, (double Drop, double Gradient) v) => new(arm, seed, t,
        [new InterpolationPoint(0, 0.8, 1), new InterpolationPoint(0.5, 0.8 - v.Drop, 1.5), new InterpolationPoint(1, 0.8, 1)],
        new ClassifierScore(0.8, 1), new ClassifierScore(0.8, 1),
        [new GroupGradientChange("stem", v.Gradient, 0), new GroupGradientChange("head", 2 * v.Gradient, 0)],
        new SpawnLinearizationResult(0.1, 0.2, 0, 0, 1), [], 10, arm == "pretrained" ? 0.5 : double.NaN, 1, 1);

    /// <summary>Seed noise: ±1% of the value, different per seed, so the spread is small but not zero.</summary>
    private static double Noise(long seed) => 1 + 0.01 * (seed - 1);

    [Fact]
    public void ClearTrendsAndGapsAgreeBeyondTheSeedSpread()
    {
        var analysis = Analysis([0, 1, 2], (arm, t, seed) =>
        {
            int i = Array.IndexOf(SpawnSteps, t);
            double drop = arm == "random" ? new[] { 0.4, 0.2, 0.05, 0.01 }[i] : 0.01 / (i + 1);
            double gradient = arm == "random" ? new[] { 1.0, 0.6, 0.3, 0.1 }[i] : new[] { 0.3, 0.2, 0.1, 0.05 }[i];
            return (drop * Noise(seed), gradient * Noise(seed));
        });
        var verdicts = analysis.Verdicts().ToDictionary(v => v.Key, v => v.Verdict.Outcome);
        Assert.Equal(VerdictOutcome.Agrees, verdicts["random_drop_falls"]);
        Assert.Equal(VerdictOutcome.Agrees, verdicts["random_gradient_change_falls"]);
        Assert.Equal(VerdictOutcome.Agrees, verdicts["pretrained_gradient_change_falls"]);
        Assert.Equal(VerdictOutcome.Agrees, verdicts["pretrained_drop_smaller"]);
        Assert.Equal(VerdictOutcome.Agrees, verdicts["pretrained_gradient_change_smaller"]);
        // findings.json: the same verdicts in the same order, citing the paper's figure, each placed in the whole sweep.
        var entries = analysis.RunFindings().ToList();
        Assert.Equal(["random_drop_falls", "random_gradient_change_falls", "pretrained_gradient_change_falls", "pretrained_drop_smaller",
            "pretrained_gradient_change_smaller"], entries.Select(f => f.Key));
        Assert.All(entries, f => Assert.Equal("ResNet-20 (w = 8, BatchNorm, Float32), spawn steps 0, 10, 100, 500, 3 seeds", f.Where));
        Assert.All(entries, f => Assert.Equal(VerdictOutcome.Agrees, f.Verdict.Outcome));
        Assert.Equal("paper Fig. 6 (docs/method.md §9): the accuracy drop at the first spawn step (t′ = 0) is smaller when pretrained", entries[3].Claim);

        var random = analysis.Arm("random");
        Assert.True(random.LargeAtFirst);           // 0.4 ≥ large_drop = 0.05
        Assert.True(random.NearZeroAtLast);         // 0.01 < near_zero_drop = 0.02
        Assert.Equal(2, random.FallingGroups);      // both layer groups fall
        Assert.Equal(0.4, random.Drops.Means[0], 12);
        Assert.True(analysis.Arm("pretrained").NearZeroAtFirst);
        var comparison = analysis.Compare()!;
        Assert.Equal((4, 4, 4), (comparison.DropSmaller, comparison.GradientChangeSmaller, comparison.SpawnSteps));
        Assert.Equal([0.5], comparison.PretrainAccuracies);
    }

    [Fact]
    public void AFlatDropIsNotCalledFallingAndOneSeedLeavesGapsInconclusive()
    {
        var flat = Analysis([0, 1, 2], (arm, t, seed) => (0.1 * Noise(seed) * (t % 20 == 0 ? 1.02 : 0.98), 0.5));
        Assert.NotEqual(VerdictOutcome.Agrees, flat.Verdicts().Single(v => v.Key == "random_drop_falls").Verdict.Outcome);
        Assert.False(flat.Arm("random").NearZeroAtLast);

        var oneSeed = Analysis([0], (arm, t, _) => (arm == "random" ? 0.3 : 0.01, arm == "random" ? 1.0 : 0.1));
        var verdicts = oneSeed.Verdicts().ToDictionary(v => v.Key, v => v.Verdict.Outcome);
        Assert.Equal(VerdictOutcome.Inconclusive, verdicts["pretrained_drop_smaller"]);   // no seed spread, no standard error
        Assert.Equal(VerdictOutcome.Inconclusive, verdicts["pretrained_gradient_change_smaller"]);
        var last = oneSeed.RunFindings().Last();
        Assert.Equal(("pretrained_gradient_change_smaller", VerdictOutcome.Inconclusive), (last.Key, last.Verdict.Outcome));
        Assert.Equal("ResNet-20 (w = 8, BatchNorm, Float32), spawn steps 0, 10, 100, 500, one seed", last.Where);
    }

    [Fact]
    public void CorrelationMatchesAHandComputation()
    {
        // x = 1, 2, 3; y = 2, 4, 7: means 2 and 13/3; Sxy = 5, Sxx = 2, Syy = 38/3 → r = 5 / √(76/3).
        Assert.Equal(5 / Math.Sqrt(76.0 / 3), LmcAnalysis.Correlation([1, 2, 3], [2, 4, 7]), 12);
        Assert.True(double.IsNaN(LmcAnalysis.Correlation([1, 2], [3, 4])));
    }
}
