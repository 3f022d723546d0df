using Telescope.Recipes.DesignChoices;
using Telescope.Verdicts;
using Xunit;

namespace Telescope.Tests.Recipes;

/// <summary>
/// The design-choices analysis step on constructed sub-run results, with no report text involved: the arms, and each
/// verdict's outcome against its threshold or noise, computed by hand from the constructed numbers.
/// </summary>
public sealed class DesignChoicesFindingsTests
{
    private static readonly DesignChoicesSettings Defaults = DesignChoicesSettings.Schema.Bind(DesignChoicesSettings.Schema.Create(quick: true));

    private static readonly DesignChoicesFacts Facts = new("constructed", true, "4-3-2", "ReLU", "Float64", 2, [0], [1],
        new TabularFacts("houses", 10, 3, 5, 1));

    private static SetPoint Set(double sumGap) => new(0, 1, null, new Dictionary<string, double>(), new Dictionary<string, double>(), sumGap);

    /// <summary>Two log points: the first with sum gaps 1e-12, the second 3e-12 (train) and 2e-12 (test).</summary>
    private static DecompositionRun Run(string optimizer, string net, SubRunRole role, long seed, Func<int, DecompositionPoint, DecompositionPoint> edit, bool homogeneous = false) =>
        new(optimizer, 0.01, NetVariant.Parse(net), role, seed, Seeded: false)
        {
            Points = [edit(0, new DecompositionPoint(10, 0.5, Set(1e-12), Set(1e-12))), edit(1, new DecompositionPoint(20, 0.4, Set(3e-12), Set(2e-12)))],
            Homogeneous = homogeneous,
            Projection = optimizer == "adam" ? new ProjectionCheck(8, 0.8, 0, 0.1, 0.99) : null,
        };

    /// <summary>A tabular network whose last checkpoint has these alignments and W(1) = <paramref name="w1"/> ± 0.05.</summary>
    private static TabularKernelRun Tabular(string optimizer, long seed, double w1, double alignmentTrain, double alignmentTest) =>
        new(optimizer, 0.01, seed, Seeded: false)
        {
            Points = [new TabularKernelPoint(30, 0.1, w1, w1, 1, 1, alignmentTrain, alignmentTest, alignmentTrain, alignmentTest)],
            WOwn = [new RepetitionSpread(1, 0), new RepetitionSpread(w1, 0.05)],
        };

    /// <summary>
    /// One seed: sgd_momentum_wd on the main net (relu-bias, not homogeneous, step deviation 0.2), adamw on relu-nobias
    /// (homogeneous, step deviations 3e-10 then 5e-10), adam on the main net (last alignments 0.98 train×train, 0.995
    /// test×train); tabular SGD with W(1) = 2, Adam with W(1) = 1.1 and alignments 0.9 / 0.999.
    /// </summary>
    private static DesignChoicesFindings OneSeed(DesignChoicesSettings s) => new(s, Facts,
        [
            Run("sgd_momentum_wd", "relu-bias", SubRunRole.Main, 0, (_, p) => p with { DecayStepDeviationMax = 0.2, DecayCumulativeDeviation = 0.1 }),
            Run("adamw", "relu-nobias", SubRunRole.Identity, 0, (i, p) => p with { DecayStepDeviationMax = i == 0 ? 3e-10 : 5e-10, DecayCumulativeDeviation = 1e-10 }, homogeneous: true),
            Run("adam", "relu-bias", SubRunRole.Main, 0, (i, p) => i == 0 ? p with { AlignmentTrain = 0.9, AlignmentTest = 0.9 } : p with { AlignmentTrain = 0.98, AlignmentTest = 0.995 }),
        ],
        [Tabular("sgd", 0, 2, 1, 1), Tabular("adam", 0, 1.1, 0.9, 0.999)]);

    [Fact]
    public void OneSeedVerdictsFollowTheirThresholds()
    {
        var findings = OneSeed(Defaults);
        Assert.Equal(new[] { "sgd_momentum_wd", "adamw@relu-nobias", "adam" }, findings.Arms.Select(a => a.Name));
        Assert.Equal(2, findings.Decayed.Count());
        Assert.Equal(new[] { "adam" }, findings.Adaptive.Select(a => a.Name));
        Assert.Empty(findings.Comparisons);   // no sgd_momentum run
        Assert.Equal(5e-10, DesignChoicesFindings.MaxStepDeviation(findings.Runs[1]));
        Assert.Equal((0.98, 0.995), (DesignChoicesFindings.LastAlignment(findings.Runs[2]).Train!.Value, DesignChoicesFindings.LastAlignment(findings.Runs[2]).Test!.Value));

        var outcomes = findings.Verdicts.Select(v => v.Verdict.Outcome).ToList();
        Assert.Equal(new[]
        {
            VerdictOutcome.Agrees,        // worst sum gap 3e-12 ≤ decomposition_tolerance 1e-9
            VerdictOutcome.Agrees,        // homogeneous worst step deviation 5e-10 ≤ identity_tolerance 1e-9 (the biased net's 0.2 does not count)
            VerdictOutcome.Inconclusive,  // no momentum comparison
            VerdictOutcome.Agrees,        // MNIST train×train: 1 − 0.98 = 0.02 ≥ 0.01
            VerdictOutcome.Disagrees,     // MNIST test×train: 1 − 0.995 = 0.005 < 0.01
            VerdictOutcome.Agrees,        // tabular train×train: 0.1 ≥ 0.01
            VerdictOutcome.Disagrees,     // tabular test×train: 0.001 < 0.01
            VerdictOutcome.Agrees,        // |W(1) − 1|: Adam 0.1 vs SGD 1, SE √(2·0.05²)/√R (R = tab_repetitions = 5) = 0.032
        }, outcomes);

        var strict = OneSeed(Defaults with { DecompositionTolerance = 2e-12, IdentityTolerance = 4e-10, KernelMinMisalignment = 0.03 })
            .Verdicts.Select(v => v.Verdict.Outcome).ToList();
        Assert.Equal(VerdictOutcome.Disagrees, strict[0]);   // 3e-12 > 2e-12
        Assert.Equal(VerdictOutcome.Disagrees, strict[1]);   // 5e-10 > 4e-10
        Assert.Equal(VerdictOutcome.Disagrees, strict[3]);   // 0.02 < 0.03
    }

    [Fact]
    public void FindingsJsonEntriesComeFromTheAnalysisWithoutAReport()
    {
        // Every verdict of OneSeedVerdictsFollowTheirThresholds, in the same order, each placed in the whole one-seed run.
        var entries = OneSeed(Defaults).RunFindings().ToList();
        Assert.Equal(
        [
            "components_sum_to_telescoping_change", "weight_decay_identity", "momentum_vs_rescaled_sgd",
            "adaptive_kernel_differs_adam_mnist_train", "adaptive_kernel_differs_adam_mnist_test",
            "adaptive_kernel_differs_adam_tabular_train", "adaptive_kernel_differs_adam_tabular_test", "adaptive_kernel_flatter_than_sgd_tabular",
        ], entries.Select(f => f.Key));
        Assert.All(entries, f => Assert.Equal("one seed", f.Where));
        Assert.Equal(
            [VerdictOutcome.Agrees, VerdictOutcome.Agrees, VerdictOutcome.Inconclusive, VerdictOutcome.Agrees, VerdictOutcome.Disagrees,
             VerdictOutcome.Agrees, VerdictOutcome.Disagrees, VerdictOutcome.Agrees],
            entries.Select(f => f.Verdict.Outcome));
        Assert.Equal("docs/method.md §9: Adam's kernel K^T differs measurably from K (adam, houses, final test×train block)", entries[6].Claim);
    }

    [Fact]
    public void SeveralSeedsJudgeTheKernelDifferenceAgainstTheSeedSpread()
    {
        // Train×train alignments 0.975 and 0.985: gap 0.02, SE 0.005, z = 4 > 2. Test×train 0.97 and 0.999: gap 0.0155,
        // SE 0.0145, z ≈ 1.07: inconclusive.
        DecompositionRun Adam(long seed, double train, double test) =>
            Run("adam", "relu-bias", SubRunRole.Main, seed, (_, p) => p with { AlignmentTrain = train, AlignmentTest = test });
        var findings = new DesignChoicesFindings(Defaults with { Seeds = [0, 1] }, Facts with { Tabular = null },
            [Adam(0, 0.975, 0.97), Adam(1, 0.985, 0.999)], []);
        Assert.True(findings.Seeded);
        var adam = Assert.Single(findings.Arms);
        Assert.Equal(2, adam.Runs.Count);
        Assert.Equal(
            new[] { VerdictOutcome.Agrees, VerdictOutcome.Inconclusive, VerdictOutcome.Inconclusive, VerdictOutcome.Agrees, VerdictOutcome.Inconclusive },
            findings.Verdicts.Select(v => v.Verdict.Outcome));   // sum gap, no homogeneous net, no momentum, train×train, test×train
        Assert.All(findings.RunFindings(), f => Assert.Equal("2 seeds", f.Where));
    }
}
