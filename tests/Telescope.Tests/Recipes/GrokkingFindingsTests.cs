using Telescope.Recipes.Grokking;
using Telescope.Recipes.Sensitivity;
using Telescope.Smoothing;
using Telescope.Verdicts;
using Xunit;

namespace Telescope.Tests.Recipes;

/// <summary>
/// The grokking analysis step on hand-made sub-run results, with no report text involved: the delay, p_test against
/// p_train (early share, crossing, end verdict) from the smoother's p and from p_net, the smoother's blow-up step, and
/// the cited orderings over α and ε — each expected value worked out by hand from the constructed points.
/// </summary>
public sealed class GrokkingFindingsTests
{
    private static readonly ClearlyBelowRule Rule = new(0.1, VerdictCriteria.Default);

    /// <summary>
    /// Train 1 → 0.5 → 0.1 → 0 (settles at step 2: |0.1 − 0| ≤ 0.1·|1 − 0|), test 1 → 0.1 (settles at 16: 0.09 tolerance);
    /// p_test above p_train at steps 1 and 2, below from step 4 on, ending 30 vs 50 with a paired SE of 2.
    /// </summary>
    private static GrokkingRun Grokking() => new()
    {
        Label = "a", Configuration = "a",
        Points =
        [
            new(0, 1.0, 1.0, 0, 0, 0, 0),
            new(1, 0.5, 0.9, 10, 1, 12, 1),
            new(2, 0.1, 0.8, 20, 1, 25, 1),
            new(4, 0.0, 0.7, 30, 1, 28, 1),
            new(8, 0.0, 0.3, 40, 1, 30, 1, PGapSe: 1),
            new(16, 0.0, 0.1, 50, 1, 30, 1, PGapSe: 2),
        ],
    };

    [Fact]
    public void DelayIsReadFromWhenTrainAndTestSettle()
    {
        var delay = GrokkingFindings.Delay(Grokking());
        Assert.Equal((2, 16), (delay.TrainPlateau, delay.TestPlateau));
        Assert.Equal(2, delay.AtTrainPlateau.Step);
        // (1 − 0.8)/(1 − 0.1): the share of test's total change made when train settled.
        Assert.Equal(0.2 / 0.9, delay.TestDone, 12);
    }

    [Fact]
    public void PTestStartsAboveAndEndsClearlyBelowPTrain()
    {
        var f = GrokkingFindings.EffectiveParameters(Grokking(), Rule);
        Assert.Equal(1, f.First.Step);
        Assert.Equal(2, f.AtPlateau.Step);        // the early phase: logged steps 1 and 2
        Assert.Equal(1.0, f.AboveShare);
        Assert.Equal(VerdictOutcome.Agrees, f.Start.Outcome);   // 12 ≥ 10 − 2·1.41 and 25 ≥ 20 − 2·1.41: both early steps
        Assert.Equal(4, f.Crossing);              // 25 ≥ 20 at step 2, 28 < 30 at step 4; never back above
        Assert.Equal(0.4, f.Gap, 12);             // (50 − 30)/50
        Assert.Equal(VerdictOutcome.Agrees, f.End.Outcome);   // gap 20 > 2 SE = 4 and ≥ 10% of 50

        var above = Grokking();
        above.Points[^1] = above.Points[^1] with { PTrain = 30, PTest = 50 };
        var reversed = GrokkingFindings.EffectiveParameters(above, Rule);
        Assert.Equal(VerdictOutcome.Disagrees, reversed.End.Outcome);
        Assert.Equal(-2.0 / 3, reversed.Gap, 12);
        Assert.Equal(4, reversed.Crossing);       // the crossing at step 4 stays the last one below
    }

    private static NetworkSensitivityEstimate Net(string set, int step, double value, double[] perDirection) =>
        new(set, step, 0.1, value, 0.5, perDirection, 0, null, 0, 1, null);

    [Fact]
    public void WithoutSmootherTheFindingComesFromPNet()
    {
        var run = Grokking();
        // The smoother did not run (NaN p); p_net ends at 50 (directions 49, 51) vs 30 (30, 30): paired SE of 19, 21 = 1.
        run.Points.Clear();
        run.Points.AddRange(Grokking().Points.Select(p => p with { PTrain = double.NaN, PTest = double.NaN, PGapSe = null }));
        run.Sensitivity.AddRange(run.Points.Select(p => p.Step == 16
            ? new SensitivityPoint(16) { Train = Net("train", 16, 50, [49, 51]), Test = Net("test", 16, 30, [30, 30]) }
            : new SensitivityPoint(p.Step)));
        var finding = GrokkingFindings.Configuration([run], useSmoother: false, Rule);
        Assert.Null(finding.Smoother);
        var net = Assert.IsType<EffectiveParameterFinding>(finding.Net);
        Assert.Equal(16, net.Last.Step);
        Assert.Equal((50.0, 30.0), (net.Last.PTrain, net.Last.PTest));
        Assert.Equal(1.0, net.Last.PGapSe!.Value, 12);
        Assert.Equal(VerdictOutcome.Agrees, net.End.Outcome);
        Assert.Equal((2, 16), (finding.Delay.TrainPlateau, finding.Delay.TestPlateau));

        run.Sensitivity.Clear();   // no p_net at all: no finding from it
        Assert.Null(GrokkingFindings.Configuration([run], useSmoother: false, Rule).Net);
    }

    /// <summary>A sub-run logged at every step 0..40: train error 1 until <paramref name="trainAt"/>, test error 1 until <paramref name="testAt"/>, then 0; p constant after step 0.</summary>
    private static GrokkingMnistRun Mnist(string spec, long seed, int trainAt, int testAt, double p, double pTrainAt8 = double.NaN)
    {
        var config = MnistConfiguration.Parse(spec);
        var run = new GrokkingMnistRun { Spec = spec, Configuration = config.Label, Seed = seed, Label = GrokkingRun.RunName(config.Label, seed, 2) };
        for (int t = 0; t <= 40; t++)
            run.Points.Add(new GrokkingPoint(t, t < trainAt ? 1 : 0, t < testAt ? 1 : 0, t == 8 && !double.IsNaN(pTrainAt8) ? pTrainAt8 : t == 0 ? 0 : p, 0, t == 0 ? 0 : p, 0));
        return run;
    }

    private static GrokkingMnistSettings MnistSettings() =>
        GrokkingMnistSettings.Schema.Bind(GrokkingMnistSettings.Schema.Create(quick: false)) with { Seeds = [0, 1], TrainSize = 100 };

    [Fact]
    public void LargeAlphaDelaysGeneralizationAgainstAlphaOne()
    {
        // α = 1 settles its test error at steps 4 and 5, α = 8 at 30 and 31 (train at 2 everywhere). Slope of the test
        // plateau over x = 1, 1, 8, 8: (30.5 − 4.5)/7 = 3.71, residuals ±0.5, SE √(1/2/49) = 0.101, t(0.975, 2)·SE = 0.435.
        GrokkingMnistRun[] runs = [Mnist("relu:8", 0, 2, 30, 20), Mnist("relu:8", 1, 2, 31, 21), Mnist("relu:1", 0, 2, 4, 10), Mnist("relu:1", 1, 2, 5, 10)];
        var c = Assert.IsType<AlphaComparison>(new GrokkingMnistAnalysis(runs, MnistSettings()).Comparison());
        Assert.Equal(8, c.Large[0].Config.Alpha);
        Assert.Equal(1, c.Small[0].Config.Alpha);
        Assert.Equal(VerdictOutcome.Agrees, c.TestPlateau.Outcome);
        Assert.Contains("α = 1: 4.5 ± 0.707, α = 8: 30.5 ± 0.707", c.TestPlateau.Statement);
        Assert.Contains("slope 3.71", c.TestPlateau.Statement);
        Assert.Equal(VerdictOutcome.Agrees, c.DelayRatio.Outcome);    // 2, 2.5 against 15, 15.5
        Assert.Equal(VerdictOutcome.Agrees, c.FinalPTrain.Outcome);   // 10, 10 against 20, 21

        // The same numbers with the α labels swapped: the cited ordering is contradicted.
        GrokkingMnistRun[] swapped = [Mnist("relu:8", 0, 2, 4, 10), Mnist("relu:8", 1, 2, 5, 10), Mnist("relu:1", 0, 2, 30, 20), Mnist("relu:1", 1, 2, 31, 21)];
        Assert.Equal(VerdictOutcome.Disagrees, new GrokkingMnistAnalysis(swapped, MnistSettings()).Comparison()!.TestPlateau.Outcome);
        Assert.Null(new GrokkingMnistAnalysis(runs[..2], MnistSettings()).Comparison());   // no α = 1 control
    }

    [Fact]
    public void SmootherPIsUnreliableFromTheFirstStepAboveTheLimit()
    {
        // p_train_limit 1.25 × n = 100: the limit is 125.
        var blownUp = Mnist("relu:8", 0, 2, 30, 20, pTrainAt8: 130);
        var analysis = new GrokkingMnistAnalysis([blownUp, Mnist("relu:8", 1, 2, 30, 20)], MnistSettings());
        Assert.Equal(125, analysis.PLimit, 12);
        Assert.Equal(8, analysis.FirstUnreliable(blownUp)?.Step);
        Assert.Null(analysis.FirstUnreliable(analysis.Runs[1]));
        var withoutSmoother = new GrokkingMnistAnalysis([blownUp], MnistSettings() with { Smoother = "none" });
        Assert.Null(withoutSmoother.FirstUnreliable(blownUp));   // p was not measured, so it cannot be unreliable
        Assert.Empty(withoutSmoother.SmootherSeries(blownUp));
    }

    [Fact]
    public void FindingsJsonEntriesComeFromTheAnalysisWithoutAReport()
    {
        // As in LargeAlphaDelaysGeneralizationAgainstAlphaOne, but α = 1 ends with p_test 5 against p_train 10 in both
        // seeds (exact smoother values: the 50% gap alone decides), α = 8 with p_test = p_train. No spectrum, no p_net.
        GrokkingMnistRun Ending(GrokkingMnistRun r, double pTest) { r.Points[^1] = r.Points[^1] with { PTest = pTest }; return r; }
        GrokkingMnistRun[] runs =
            [Mnist("relu:8", 0, 2, 30, 20), Mnist("relu:8", 1, 2, 31, 21), Ending(Mnist("relu:1", 0, 2, 4, 10), 5), Ending(Mnist("relu:1", 1, 2, 5, 10), 5)];
        var analysis = new GrokkingMnistAnalysis(runs, MnistSettings());
        var entries = analysis.RunFindings().ToList();
        string[] p = ["p_test_starts_at_or_above_p_train", "p_test_ends_clearly_below_p_train"];
        Assert.Equal([.. p, .. p, "alpha_delays_generalization_by_plateau_ratio", "alpha_delays_generalization_by_test_plateau", "alpha_final_p_train_larger",
            "alpha_final_p_test_larger"], entries.Select(e => e.Key));
        Assert.Equal(["α = 8 (relu)", "α = 8 (relu)", "α = 1 (relu)", "α = 1 (relu)", .. Enumerable.Repeat("α = 8 vs α = 1 (ReLU)", 4)],
            entries.Select(e => e.Where));
        // p_test equals p_train early everywhere (starts at or above it); it ends clearly below it only at α = 1.
        Assert.Equal([VerdictOutcome.Agrees, VerdictOutcome.Disagrees, .. Enumerable.Repeat(VerdictOutcome.Agrees, 6)], entries.Select(e => e.Verdict.Outcome));
        Assert.Same(analysis.Configurations[1].Smoother!.End, entries[3].Verdict);   // the verdict object the report prints
        Assert.Contains("(the smoother's p; docs/method.md §9, paper Fig. 4 (right), 12, 13)", entries[0].Claim);

        // grokking-poly: the ε = 0.1 configuration logged the spectrum, so its three spectrum verdicts follow its p verdicts.
        GrokkingPolyRun Poly(double epsilon, int testAt, bool spectrum)
        {
            string label = GrokkingPolyRun.ConfigurationOf(epsilon);
            var run = new GrokkingPolyRun { Epsilon = epsilon, Configuration = label, Label = label };
            for (int t = 0; t <= 40; t++)
            {
                run.Points.Add(new GrokkingPoint(t, t < 2 ? 1 : 0, t < testAt ? 1 : 0, 1, 0, 1, 0));
                if (spectrum) run.Spectrum.Add(new GrokkingSpectrumPoint(t, [1.0], 0.5, t < 5 ? 0.1 : 0.6, 0.9, null));
            }
            return run;
        }
        var settings = GrokkingPolySettings.Schema.Bind(GrokkingPolySettings.Schema.Create(quick: false));
        var poly = new GrokkingPolyAnalysis([Poly(0.1, 10, spectrum: true), Poly(0.02, 20, spectrum: false)], settings);
        var polyEntries = poly.RunFindings().ToList();
        Assert.Equal([.. p, "spectrum_alignment_leads_test_metric", "spectrum_alignment_leads_p_test_drop", "spectral_and_effective_parameter_stories_agree",
            .. p, "delay_falls_with_epsilon_by_plateau_ratio", "delay_falls_with_epsilon_by_test_plateau"], polyEntries.Select(e => e.Key));
        Assert.Equal([.. Enumerable.Repeat("ε = 0.1", 5), "ε = 0.02", "ε = 0.02", "the ε sweep", "the ε sweep"], polyEntries.Select(e => e.Where));
        var spectral = poly.Spectrum(poly.Configurations[0])!;
        Assert.Equal([spectral.LeadsTest, spectral.LeadsPTest, spectral.StoriesAgree], polyEntries.Skip(2).Take(3).Select(e => e.Verdict));
        // The alignment rises at step 5, the test MSE falls at step 10; p_test never moves, and it does not end below p_train.
        Assert.Equal([VerdictOutcome.Agrees, VerdictOutcome.Inconclusive, VerdictOutcome.Disagrees], polyEntries.Skip(2).Take(3).Select(e => e.Verdict.Outcome));
        Assert.EndsWith("(the latter: paper Fig. 4 (left), 11)", polyEntries[4].Claim);
        // One ε: no ordering.
        Assert.DoesNotContain(new GrokkingPolyAnalysis([Poly(0.1, 10, spectrum: false)], settings).RunFindings(), e => e.Where == "the ε sweep");
    }

    [Fact]
    public void EpsilonOrderingWithOneSeedDescribesTheOrderButStaysInconclusive()
    {
        GrokkingPolyRun Poly(double epsilon, int testAt)
        {
            var run = new GrokkingPolyRun { Epsilon = epsilon, Configuration = GrokkingPolyRun.ConfigurationOf(epsilon), Label = GrokkingPolyRun.ConfigurationOf(epsilon) };
            for (int t = 0; t <= 40; t++) run.Points.Add(new GrokkingPoint(t, t < 2 ? 1 : 0, t < testAt ? 1 : 0, 1, 0, 1, 0));
            return run;
        }
        var settings = GrokkingPolySettings.Schema.Bind(GrokkingPolySettings.Schema.Create(quick: false));
        var (byRatio, byTestPlateau) = new GrokkingPolyAnalysis([Poly(0.1, 10), Poly(0.02, 20)], settings).EpsilonOrdering()!.Value;
        // Sorted by ε: test plateau 20 at ε = 0.02, 10 at ε = 0.1 — falling, as Kumar et al. expect, but one run per ε.
        Assert.Equal(VerdictOutcome.Inconclusive, byTestPlateau.Outcome);
        Assert.Contains("measured decreasing (ε = 0.02: 20, ε = 0.1: 10) — the expected ordering", byTestPlateau.Statement);
        Assert.Contains("ε = 0.02: 10, ε = 0.1: 5", byRatio.Statement);
        Assert.Null(new GrokkingPolyAnalysis([Poly(0.1, 10)], settings).EpsilonOrdering());
    }
}
