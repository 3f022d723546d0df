using Telescope.Recipes.GrokkingModular;
using Telescope.Recipes.Sensitivity;
using Telescope.Smoothing;
using Telescope.Verdicts;
using Xunit;

namespace Telescope.Tests.Recipes;

/// <summary>
/// grokking-modular's analysis on hand-made results (no training): the events read off the logged steps and each
/// verdict's three outcomes — agrees, does not agree, inconclusive — where the numbers were chosen so that the expected
/// outcome follows from the definitions in docs/recipes/grokking-modular.md by hand.
/// </summary>
public class GrokkingModularFindingsTests
{
    private static readonly int[] Grid = [0, 10, 50, 90, 100, 140, 150, 200, 500, 900, 1000, 2000];

    private static GrokkingModularSettings Settings(params string[] assignments)
    {
        var settings = GrokkingModularSettings.Schema.Create(quick: true);
        settings.Apply(assignments);
        return GrokkingModularSettings.Schema.Bind(settings);
    }

    /// <summary>A run that fits at <paramref name="fit"/> and reaches test accuracy 0.95 at <paramref name="grok"/> (null: never, stuck at 0.4).</summary>
    private static ModularRun Run(double wd, long seed, int fit, int? grok, int? alignmentRise = null, (double Train, double Test)? pNet = null,
        bool seeded = false, bool alignmentFalls = false, int? centredRise = null, bool centredFades = false)
    {
        var run = new ModularRun(0.5, wd, seed, seeded);
        for (int i = 0; i < Grid.Length; i++)
        {
            int t = Grid[i];
            double train = t >= fit ? 1.0 : 0.1;
            double test = grok is int g && t >= g ? 0.95 : t >= fit ? 0.4 : 0.05;
            double alignment = (alignmentRise is int a && t >= a ? 0.3 : alignmentFalls ? 0.3 - 0.02 * i : 0.02) + 0.001 * (i % 2);   // a little roughness
            run.Points.Add(new ModularPoint(t, 1, train, 2, test)
            {
                Spectrum = new SpectrumPoint([1.0], 0.5, alignment, 0.5, null, TestAlignmentCentered: centredRise is int c
                    ? (t >= c && !(centredFades && t >= 900) ? 0.6 : 0.1) + 0.001 * (i % 2) : null),
                Sensitivity = pNet is { } p && t > 0 ? Net(t, p.Train, p.Test) : null,
            });
        }
        return run;
    }

    /// <summary>p_net with per-direction values ±5% around the given means (paired SE of the gap ≈ 0.05·(train − test)/√2·…).</summary>
    private static SensitivityPoint Net(int step, double train, double test) => new(step)
    {
        Train = new NetworkSensitivityEstimate("train", step, 0.1, train, 0.05 * train, [0.95 * train, 1.05 * train], 0.1, null, 0.01, 1, null),
        Test = new NetworkSensitivityEstimate("test", step, 0.1, test, 0.05 * test, [0.95 * test, 1.05 * test], 0.1, null, 0.01, 1, null),
    };

    private static GrokkingModularFindings Findings(GrokkingModularSettings s, params ModularRun[] runs) => new(s, runs);

    [Fact]
    public void EventsAreReadOffTheLoggedSteps()
    {
        var e = Findings(Settings(), Run(1, 0, fit: 100, grok: 1000)).Grid.Single().Seeds.Single();
        Assert.Equal(100, e.StepFit);
        Assert.Equal(1000, e.StepGrok);
        Assert.Equal(10.0, e.DelayRatio);
        // Grokking happened in (900, 1000], fitting in (90, 100]: ratio between 901/100 and 1000/91.
        Assert.Equal((9.01, 1000 / 91.0), e.DelayRange);
        Assert.Equal(0.4, e.TestAccuracyAtFit);
        // Test accuracy 0.05 → max 0.95: half way (0.5) first at 1000; it passes 0.4 < 0.5 at the fit.
        Assert.Equal(1000, e.AccuracyHalfRise);
    }

    [Fact]
    public void TheDelayVerdictFollowsTheLoggingGrid()
    {
        var s = Settings("grokking_delay_factor=3");
        Assert.Equal(VerdictOutcome.Agrees, Findings(s, Run(1, 0, 100, 1000)).Delay(Findings(s, Run(1, 0, 100, 1000)).Grid[0]).Outcome);
        // Grok at 150: ratio 1.5, at most 150/91 = 1.65 < 3.
        var early = Findings(s, Run(1, 0, 100, 150));
        Assert.Equal(VerdictOutcome.Disagrees, early.Delay(early.Grid[0]).Outcome);
        // Grok at 200 with the fit at 90 (in (50, 90]): ratio 2.2, but up to 200/51 = 3.9 on the grid — straddles 3.
        var straddle = Findings(s, Run(1, 0, 90, 200));
        Assert.Equal(VerdictOutcome.Inconclusive, straddle.Delay(straddle.Grid[0]).Outcome);
        var never = Findings(s, Run(1, 0, 100, null));
        var verdict = never.Delay(never.Grid[0]);
        Assert.Equal(VerdictOutcome.Inconclusive, verdict.Outcome);
        Assert.Contains("did not grok", verdict.Statement);
    }

    [Fact]
    public void WithSeedsTheDelayIsJudgedAgainstTheirSpread()
    {
        var s = Settings("grokking_delay_factor=3", "seeds=0,1,2");
        // Ratios 10, 20, 10: mean log10 ≈ 1.1 against log10 3 ≈ 0.48, SE ≈ 0.1 → clearly above.
        var f = Findings(s, Run(1, 0, 100, 1000, seeded: true), Run(1, 1, 50, 1000, seeded: true), Run(1, 2, 200, 2000, seeded: true));
        Assert.Equal(VerdictOutcome.Agrees, f.Delay(f.Grid[0]).Outcome);
    }

    [Fact]
    public void PNetAtGrokkingIsComparedWithItsPairedStandardError()
    {
        var s = Settings("clearly_below_fraction=0.1");
        // Gap 300 with per-direction gaps 285 and 315: SE 15, 20 SE and 75% of p_net_train.
        var below = Findings(s, Run(1, 0, 100, 1000, pNet: (400, 100)));
        Assert.Equal(VerdictOutcome.Agrees, below.PNetAtGrok(below.Grid[0]).Outcome);
        // Gap 4 (train 404, test 400): per-direction gaps 3.8 and 4.2, SE 0.2 → 20 SE but 1% < 10% of p_net_train.
        var close = Findings(s, Run(1, 0, 100, 1000, pNet: (404, 400)));
        Assert.Equal(VerdictOutcome.Inconclusive, close.PNetAtGrok(close.Grid[0]).Outcome);
        var above = Findings(s, Run(1, 0, 100, 1000, pNet: (100, 400)));
        Assert.Equal(VerdictOutcome.Disagrees, above.PNetAtGrok(above.Grid[0]).Outcome);
        var never = Findings(s, Run(1, 0, 100, null, pNet: (400, 100)));
        Assert.Equal(VerdictOutcome.Inconclusive, never.PNetAtGrok(never.Grid[0]).Outcome);
    }

    [Fact]
    public void TheAlignmentMustRiseNoLaterThanTheTestAccuracy()
    {
        var s = Settings();
        var before = Findings(s, Run(1, 0, 100, 1000, alignmentRise: 500));
        Assert.Equal(VerdictOutcome.Agrees, before.AlignmentLeads(before.Grid[0]).Outcome);
        var after = Findings(s, Run(1, 0, 100, 1000, alignmentRise: 2000));
        Assert.Equal(VerdictOutcome.Disagrees, after.AlignmentLeads(after.Grid[0]).Outcome);
        // A flat alignment (rise 0.001, roughness ≈ 0.002/1.65): nothing to time.
        var flat = Findings(s, Run(1, 0, 100, 1000));
        var verdict = flat.AlignmentLeads(flat.Grid[0]);
        Assert.Equal(VerdictOutcome.Inconclusive, verdict.Outcome);
        Assert.Contains("no rise to time", verdict.Statement);
        // Falling steadily by 0.22 (second differences 0.002, roughness ≈ 0.0012): a fall, not a rise — the claim does not hold.
        var falling = Findings(s, Run(1, 0, 100, 1000, alignmentFalls: true));
        Assert.Equal(VerdictOutcome.Disagrees, falling.AlignmentLeads(falling.Grid[0]).Outcome);
    }

    [Fact]
    public void TheOutputCentredAlignmentIsJudgedOnItsOwnCurveAndOnlyWhenLogged()
    {
        var s = Settings();
        // The plain alignment falls while the centred one rises before the test accuracy: two different verdicts.
        var both = Findings(s, Run(1, 0, 100, 1000, alignmentFalls: true, centredRise: 500));
        Assert.Equal(VerdictOutcome.Disagrees, both.AlignmentLeads(both.Grid[0]).Outcome);
        Assert.Equal(VerdictOutcome.Agrees, both.AlignmentLeads(both.Grid[0], centered: true).Outcome);
        var late = Findings(s, Run(1, 0, 100, 1000, centredRise: 2000));
        Assert.Equal(VerdictOutcome.Disagrees, late.AlignmentLeads(late.Grid[0], centered: true).Outcome);
        // findings.json: per grid point the delay, p_net, both alignments; then the fraction's trend (one λ: inconclusive).
        var entries = both.RunFindings();
        Assert.Equal(["grokking_delay", "p_net_test_below_train", "alignment_leads_accuracy", "centered_alignment_leads_accuracy",
            "grokking_step_falls_with_weight_decay"], entries.Select(f => f.Key));
        Assert.Equal([.. Enumerable.Repeat("fraction 0.5, λ = 1", 4), "fraction 0.5"], entries.Select(f => f.Where));
        Assert.Equal([VerdictOutcome.Agrees, VerdictOutcome.Inconclusive, VerdictOutcome.Disagrees, VerdictOutcome.Agrees, VerdictOutcome.Inconclusive],
            entries.Select(f => f.Verdict.Outcome));   // ratio 9–11 ≥ 3; no p_net measured; as above; one weight decay
        // Risen at 500 but back at its start level from 900 on, before the grokking step 1000: a rise that came and went.
        var faded = Findings(s, Run(1, 0, 100, 1000, centredRise: 500, centredFades: true));
        var fadedVerdict = faded.AlignmentLeads(faded.Grid[0], centered: true);
        Assert.Equal(VerdictOutcome.Disagrees, fadedVerdict.Outcome);
        Assert.Contains("fell back", fadedVerdict.Statement);
        // A rise after the grokking step is a late rise, not one that fell back.
        var lateVerdict = late.AlignmentLeads(late.Grid[0], centered: true);
        Assert.DoesNotContain("fell back", lateVerdict.Statement);
        Assert.Contains("rises later", lateVerdict.Statement);
        // Without the centred curve there is no such verdict.
        var plain = Findings(s, Run(1, 0, 100, 1000, alignmentRise: 500));
        Assert.DoesNotContain(plain.RunFindings(), f => f.Key == "centered_alignment_leads_accuracy");
    }

    [Fact]
    public void GrokkingTimeAgainstWeightDecayIsATrendOverSeeds()
    {
        var s = Settings("seeds=0,1", "weight_decays=0.5,1,2");
        // Grokking at 2000 (λ 0.5), 1000 (λ 1), 500 (λ 2) for both seeds: log step falls with log λ, no scatter but the 150/200 jitter below.
        ModularRun[] runs =
        [
            Run(0.5, 0, 100, 2000, seeded: true), Run(0.5, 1, 100, 2000, seeded: true),
            Run(1, 0, 100, 900, seeded: true), Run(1, 1, 100, 1000, seeded: true),
            Run(2, 0, 100, 500, seeded: true), Run(2, 1, 100, 200, seeded: true),
        ];
        var f = Findings(s, runs);
        Assert.Equal(VerdictOutcome.Agrees, f.WeightDecayTrend(0.5).Outcome);
        var reversed = Findings(s,
        [
            Run(0.5, 0, 100, 200, seeded: true), Run(0.5, 1, 100, 500, seeded: true),
            Run(1, 0, 100, 900, seeded: true), Run(1, 1, 100, 1000, seeded: true),
            Run(2, 0, 100, 2000, seeded: true), Run(2, 1, 100, 2000, seeded: true),
        ]);
        Assert.Equal(VerdictOutcome.Disagrees, reversed.WeightDecayTrend(0.5).Outcome);
        var one = Findings(Settings("weight_decays=1"), Run(1, 0, 100, 1000));
        Assert.Equal(VerdictOutcome.Inconclusive, one.WeightDecayTrend(0.5).Outcome);
        Assert.Equal(4, one.RunFindings().Count);   // three for the grid point, one trend for the fraction
    }
}
