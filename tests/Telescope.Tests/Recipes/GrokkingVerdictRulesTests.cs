using Telescope.Recipes.Grokking;
using Telescope.Recipes.Sensitivity;
using Telescope.Smoothing;
using Telescope.Verdicts;
using Xunit;

namespace Telescope.Tests.Recipes;

/// <summary>
/// The grokking verdict rules of issues 21 and 24 on hand-made points: "p_test starts at or above p_train" judged with
/// the gap's SE (and inconclusive where the report flags p as unreliable), "ends clearly below" made inconclusive by
/// the same flags, the curve moves the spectrum verdicts time, and the timing and agreement verdicts themselves.
/// </summary>
public sealed class GrokkingVerdictRulesTests
{
    private static readonly ClearlyBelowRule Rule = new(0.1, VerdictCriteria.Default);   // k = 2 SE, peak factor 4
    private static string? Reliable(int step) => null;

    [Fact]
    public void StartVerdictCountsStepsClearlyBelowWithTheGapSe()
    {
        // p_test 9.5 vs p_train 10: within 2 SE when the SE is 0.5 (9.5 ≥ 9), clearly below when it is 0.1 (9.5 < 9.8).
        GrokkingPoint At(int step, double se) => new(step, 0, 0, 10, 0, 9.5, 0, PGapSe: se);
        Assert.Equal(VerdictOutcome.Agrees, GrokkingFindings.StartVerdict([At(1, 0.5), At(2, 0.5)], 2, Reliable).Outcome);
        var below = GrokkingFindings.StartVerdict([At(1, 0.1), At(2, 0.1)], 2, Reliable);
        Assert.Equal(VerdictOutcome.Disagrees, below.Outcome);
        // The noise unit printed is the one used: the SE of the gap at step 1, and the factor.
        Assert.Contains("SE of the gap 0.1", below.Statement);
        Assert.Contains("p_test < p_train − 2 SE at 2 of 2 steps", below.Statement);
        // An exact smoother (SE 0, no PGapSe): the sign decides.
        Assert.Equal(VerdictOutcome.Disagrees, GrokkingFindings.StartVerdict([new GrokkingPoint(1, 0, 0, 10, 0, 9.99, 0)], 2, Reliable).Outcome);
        Assert.Contains("exact (SE 0)", GrokkingFindings.StartVerdict([new GrokkingPoint(1, 0, 0, 10, 0, 10, 0)], 2, Reliable).Statement);
    }

    [Fact]
    public void StartVerdictIsInconclusiveWhenStepOneSaysTheOppositeOfTheRest()
    {
        // The reported defect: step 1 clearly below (5 vs 10, SE 1), step 2 above. The old share rule (≥ 50% of steps
        // with p_test ≥ p_train) said "starts at or above p_train"; one step each way decides nothing.
        GrokkingPoint[] early = [new(1, 0, 0, 10, 0, 5, 0, PGapSe: 1), new(2, 0, 0, 20, 0, 22, 0, PGapSe: 1)];
        var v = GrokkingFindings.StartVerdict(early, 2, Reliable);
        Assert.Equal(VerdictOutcome.Inconclusive, v.Outcome);
        Assert.Contains("at step 1: p_train 10, p_test 5", v.Statement);
        // Unknown SE (NaN): undecided steps, so inconclusive even though every p_test is above.
        Assert.Equal(VerdictOutcome.Inconclusive, GrokkingFindings.StartVerdict(
            [new GrokkingPoint(1, 0, 0, 10, double.NaN, 12, double.NaN)], 2, Reliable).Outcome);
        // A step the report flags as unreliable makes it inconclusive, whatever the numbers.
        var flagged = GrokkingFindings.StartVerdict([new GrokkingPoint(1, 0, 0, 10, 0, 12, 0)], 2, step => step == 1 ? "blown up" : null);
        Assert.Equal(VerdictOutcome.Inconclusive, flagged.Outcome);
        Assert.Contains("blown up", flagged.Statement);
    }

    /// <summary>Train settles at step 2; p_test 12, 25 above p_train 10, 20 early, then 30 against 50 at the end (SE 2).</summary>
    private static GrokkingRun Run() => new()
    {
        Label = "a", Configuration = "a",
        Points =
        [
            new(0, 1.0, 1.0, 0, 0, 0, 0), new(1, 0.5, 0.9, 10, 1, 12, 1), new(2, 0.1, 0.8, 20, 1, 25, 1),
            new(4, 0.0, 0.7, 30, 1, 28, 1), new(8, 0.0, 0.3, 40, 1, 30, 1, PGapSe: 1), new(16, 0.0, 0.1, 50, 1, 30, 1, PGapSe: 2),
        ],
    };

    [Fact]
    public void EndVerdictIsInconclusiveWhereTheReportFlagsPUnreliable()
    {
        Assert.Equal(VerdictOutcome.Agrees, GrokkingFindings.EffectiveParameters(Run(), Rule).End.Outcome);
        // The smoother's p_train 50 above p_train_limit·n = 45 at the end: blown up, so the same gap decides nothing.
        var blown = GrokkingFindings.Configuration([Run()], useSmoother: true, Rule, pLimit: 45).Smoother!;
        Assert.Equal(VerdictOutcome.Inconclusive, blown.End.Outcome);
        Assert.Contains("exceeds p_train_limit·n = 45", blown.End.Statement);
        Assert.Equal(VerdictOutcome.Agrees, blown.Start.Outcome);   // steps 1 and 2 are below the limit
        Assert.Equal(VerdictOutcome.Agrees, GrokkingFindings.Configuration([Run()], useSmoother: true, Rule, pLimit: 60).Smoother!.End.Outcome);
    }

    private static NetworkSensitivityEstimate Net(string set, int step, double value, double[] perDirection, double? atQuarterSigma) =>
        new(set, step, 0.1, value, 0.5, perDirection, 0, atQuarterSigma, 0, 1, null);

    [Fact]
    public void PNetThatIsNotLinearInTheLabelsGivesAnInconclusiveEnd()
    {
        // p_net 50 (49, 51; SE 1 paired) vs 30 at step 16; the linearity pair p_0(σ/4) is 49 (linear: |49 − 49| ≤ 1 SE) or 20 (not).
        GrokkingRun With(double quarter)
        {
            var run = Run();
            run.Sensitivity.AddRange(run.Points.Select(p => p.Step == 16
                ? new SensitivityPoint(16) { Train = Net("train", 16, 50, [49, 51], quarter), Test = Net("test", 16, 30, [30, 30], 30) }
                : new SensitivityPoint(p.Step)));
            return run;
        }
        Assert.Equal(VerdictOutcome.Agrees, GrokkingFindings.Configuration([With(49)], useSmoother: false, Rule).Net!.End.Outcome);
        var nonlinear = GrokkingFindings.Configuration([With(20)], useSmoother: false, Rule).Net!.End;
        Assert.Equal(VerdictOutcome.Inconclusive, nonlinear.Outcome);
        Assert.Contains("not linear in the labels", nonlinear.Statement);
    }

    [Fact]
    public void CurveMovesAreMeasuredAgainstTheCurvesRoughness()
    {
        // A straight line has roughness 0; the rise 0 → 1 over steps 0..5 is half way (≥ 0.5) at step 3 (0.6).
        (int, double)[] line = [(0, 0), (1, 0.2), (2, 0.4), (3, 0.6), (4, 0.8), (5, 1.0)];
        var rise = CurveMove.Rise("a", line, 4);
        Assert.Equal((1.0, 3), (rise.Size, rise.HalfStep!.Value));
        Assert.Equal(0, rise.Noise, 12);
        Assert.True(rise.Clear);
        Assert.False(CurveMove.Fall("a", line, 4).Clear);   // it never falls below its first value
        // Zig-zag ±0.1, then a jump to 0.3: second differences 0.2, 0.2, 0.2, 0.4, median 0.2, roughness 0.2/(0.6745·√6) = 0.121; 0.3 < 4·0.121.
        (int, double)[] zigzag = [(0, 0), (1, 0.1), (2, 0), (3, 0.1), (4, 0), (5, 0.3)];
        var noisy = CurveMove.Rise("a", zigzag, 4);
        Assert.Equal(0.2 / (0.6745 * Math.Sqrt(6)), noisy.Noise, 12);
        Assert.False(noisy.Clear);
        // Rise and fall: the drop from the peak 10 (step 2) to the minimum 2 after it is half way (≤ 6) at step 4.
        (int, double)[] peak = [(1, 4), (2, 10), (3, 8), (4, 6), (5, 4), (6, 2)];
        var drop = CurveMove.DropFromPeak("p", peak, 4);
        Assert.Equal((8.0, 4), (drop.Size, drop.HalfStep!.Value));
    }

    /// <summary>A run logged at steps 0, 1, 2, 4, …, 256 whose test alignment rises linearly in the log step to 1 by <paramref name="alignAt"/> and whose test error falls from 1 to 0 by <paramref name="testAt"/>.</summary>
    private static GrokkingRun Timed(long seed, int alignAt, int testAt)
    {
        var run = new GrokkingRun { Label = $"s{seed}", Configuration = "c", Seed = seed };
        int[] steps = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256];
        double Ramp(int t, int end) => t == 0 ? 0 : Math.Min(1, Math.Log2(t + 1) / Math.Log2(end + 1));
        foreach (int t in steps)
        {
            run.Points.Add(new GrokkingPoint(t, 0, 1 - Ramp(t, testAt), 0, 0, 0, 0));
            run.Spectrum.Add(new GrokkingSpectrumPoint(t, [1.0], 0.5, 0.1 + 0.5 * Ramp(t, alignAt), 0.9, null));
        }
        return run;
    }

    private static CurveMove TestFall(GrokkingRun r) => CurveMove.Fall("the test error", r.Points.Select(p => (p.Step, p.Test)).ToList(), 4);

    [Fact]
    public void AlignmentLeadsWhenItIsHalfWayNoLaterThanTheTestMetric()
    {
        var c = VerdictCriteria.Default;
        // One seed on the logging grid: alignment complete by 16 (half way at 4: log2(5)/log2(17) = 0.57 ≥ 0.5) against
        // test complete by 256 (half way at 16: log2(17)/log2(257) = 0.51).
        var leads = GrokkingSpectrumFindings.Leads([Timed(0, 16, 256)], TestFall, c);
        Assert.Equal(VerdictOutcome.Agrees, leads.Outcome);
        Assert.Contains("4 ≤ 16", leads.Statement);
        Assert.Equal(VerdictOutcome.Disagrees, GrokkingSpectrumFindings.Leads([Timed(0, 256, 16)], TestFall, c).Outcome);
        // Two seeds both clearly leading: log10(4/16) = −0.60 each, SE 0 → agrees; one each way: mean 0, SE 0.60 → inconclusive.
        Assert.Equal(VerdictOutcome.Agrees, GrokkingSpectrumFindings.Leads([Timed(0, 16, 256), Timed(1, 16, 256)], TestFall, c).Outcome);
        var mixed = GrokkingSpectrumFindings.Leads([Timed(0, 16, 256), Timed(1, 256, 16)], TestFall, c);
        Assert.Equal(VerdictOutcome.Inconclusive, mixed.Outcome);
        Assert.Contains("over 2 seeds (seed spread)", mixed.Statement);
    }

    [Fact]
    public void AlignmentThatDoesNotRiseOrFallsGivesInconclusiveOrDisagrees()
    {
        var c = VerdictCriteria.Default;
        var flat = Timed(0, 16, 256);
        for (int i = 0; i < flat.Spectrum.Count; i++) flat.Spectrum[i] = flat.Spectrum[i] with { TestAlignment = 0.3 };
        Assert.Equal(VerdictOutcome.Inconclusive, GrokkingSpectrumFindings.Leads([flat], TestFall, c).Outcome);
        var falling = Timed(0, 16, 256);
        for (int i = 0; i < falling.Spectrum.Count; i++) falling.Spectrum[i] = falling.Spectrum[i] with { TestAlignment = 1 - falling.Spectrum[i].TestAlignment };
        Assert.Equal(VerdictOutcome.Disagrees, GrokkingSpectrumFindings.Leads([falling], TestFall, c).Outcome);
        // A test metric that does not move: nothing to time.
        var still = Timed(0, 16, 256);
        for (int i = 0; i < still.Points.Count; i++) still.Points[i] = still.Points[i] with { Test = 0.5 };
        Assert.Contains("nothing to time", GrokkingSpectrumFindings.Leads([still], TestFall, c).Statement);
    }

    [Fact]
    public void StoriesAgreeWhenBothVerdictsAreDecidedTheSameWay()
    {
        Verdict V(VerdictOutcome o) => new(o, "x");
        Assert.Equal(VerdictOutcome.Agrees, GrokkingSpectrumFindings.Agreement(V(VerdictOutcome.Agrees), V(VerdictOutcome.Agrees), "p_test").Outcome);
        Assert.Equal(VerdictOutcome.Agrees, GrokkingSpectrumFindings.Agreement(V(VerdictOutcome.Disagrees), V(VerdictOutcome.Disagrees), "p_test").Outcome);
        Assert.Equal(VerdictOutcome.Disagrees, GrokkingSpectrumFindings.Agreement(V(VerdictOutcome.Agrees), V(VerdictOutcome.Disagrees), "p_test").Outcome);
        Assert.Equal(VerdictOutcome.Inconclusive, GrokkingSpectrumFindings.Agreement(V(VerdictOutcome.Agrees), V(VerdictOutcome.Inconclusive), "p_test").Outcome);
        Assert.Equal(VerdictOutcome.Inconclusive, GrokkingSpectrumFindings.Agreement(V(VerdictOutcome.Agrees), null, "p_test").Outcome);
    }

    [Fact]
    public void PTestDropFromAnUnreliablePIsInconclusive()
    {
        var run = Timed(0, 16, 256);
        var f = GrokkingSpectrumFindings.Judge([run], "error", "p_test", _ => [(1, 10), (2, 20), (4, 15), (8, 10), (16, 5), (32, 4)], "blown up",
            new Verdict(VerdictOutcome.Agrees, "x"), VerdictCriteria.Default)!;
        Assert.Equal(VerdictOutcome.Inconclusive, f.LeadsPTest.Outcome);
        Assert.Contains("blown up", f.LeadsPTest.Statement);
        Assert.Equal(VerdictOutcome.Agrees, f.LeadsTest.Outcome);
        Assert.Equal(VerdictOutcome.Agrees, f.StoriesAgree.Outcome);
        Assert.Null(GrokkingSpectrumFindings.Judge([new GrokkingRun()], "error", "p_test", _ => [], null, null, VerdictCriteria.Default));
    }
}
