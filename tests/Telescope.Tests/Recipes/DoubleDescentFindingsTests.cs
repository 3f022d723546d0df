using Telescope.Recipes.DoubleDescent;
using Telescope.Smoothing;
using Telescope.Verdicts;
using Xunit;

namespace Telescope.Tests.Recipes;

/// <summary>
/// The double-descent analysis step on constructed sub-run results, with no report text involved: which networks
/// are in the curve, and the test-MSE peak verdicts (outcome, candidate width, noise unit and its source) computed by
/// hand from the constructed numbers.
/// </summary>
public sealed class DoubleDescentFindingsTests
{
    private static readonly int[] Widths = [1, 2, 4, 8, 16];

    private static EffectiveParameterEstimate P(double value) => new("train", 100, value, 0, 0, true);

    private static WidthRun Run(double noise, int width, long seed, double trainMse, double testMse, StopReason stop = StopReason.Converged) =>
        new(noise, width, seed, DoubleDescentAnalysis.ParameterCount(8, width))
        {
            Points = [new DoubleDescentPoint(100, trainMse, testMse, 0.1, P(double.NaN), P(double.NaN))],
            Stop = stop,
        };

    /// <summary>
    /// Two seeds per width, seed 0 at mean − 0.01 and seed 1 at mean + 0.01 (sample sd 0.01·√2). Noise 0.25: test MSE
    /// means 0.5, 0.4, 1.0, 0.3, 0.2 (a peak at width 4); noise 0: 0.5, 0.4, 0.3, 0.2, 0.1 (falling). In the clean sweep
    /// seed 0 at width 8 hits the step cap and seed 1 at width 16 ends with train MSE 0.5 against 0 at width 8.
    /// </summary>
    private static DoubleDescentFindings Analyze()
    {
        double[] noisy = [0.5, 0.4, 1.0, 0.3, 0.2], clean = [0.5, 0.4, 0.3, 0.2, 0.1];
        var runs = new List<WidthRun>();
        foreach (var (noise, means) in new[] { (0.25, noisy), (0.0, clean) })
            for (int i = 0; i < Widths.Length; i++)
                for (long seed = 0; seed < 2; seed++)
                {
                    bool capped = noise == 0 && Widths[i] == 8 && seed == 0;
                    double trainMse = noise == 0 && Widths[i] == 16 && seed == 1 ? 0.5 : 0;
                    runs.Add(Run(noise, Widths[i], seed, trainMse, means[i] + (seed == 0 ? -0.01 : 0.01), capped ? StopReason.Capped : StopReason.Converged));
                }
        // n = 41, d = 8: h* = (n − 1)/(d + 2) = 4.
        return new DoubleDescentFindings(runs, trainCount: 41, featureCount: 8, Limits with { Smoother = SmootherChoice.None });
    }

    /// <summary>The settings the findings are judged with: the defaults with the limits these tests compute by hand.</summary>
    private static readonly DoubleDescentSettings Limits = DoubleDescentSettings.Schema.Bind(DoubleDescentSettings.Schema.Create(quick: false)) with
    {
        WorseFitTolerance = 0.01, FidelityLimit = 0.1, PTrainLimit = 2, InterpolationTolerance = 1e-3, PeakProminence = 1.5, NearFactor = 2,
        Verdicts = VerdictCriteria.Default,
    };

    [Fact]
    public void CappedNetworksAndOptimizationFailuresAreOutOfTheCurve()
    {
        var analysis = Analyze();
        var capped = analysis.Runs.Single(r => r.LabelNoise == 0 && r.Width == 8 && r.Seed == 0);
        var failure = analysis.Runs.Single(r => r.LabelNoise == 0 && r.Width == 16 && r.Seed == 1);
        Assert.False(analysis.InCurve(capped));
        Assert.False(analysis.InCurve(failure));
        var narrower = Assert.Single(analysis.WorseThan).Value;
        Assert.Equal((0.0, 1, 1L), (narrower.LabelNoise, narrower.Width, narrower.Seed));   // the first width of train MSE 0
        Assert.Equal(18, analysis.Runs.Count(analysis.InCurve));
        Assert.Equal(4.0, analysis.ThresholdWidth, 12);
        Assert.All(analysis.Levels, l => Assert.Equal(1, l.InterpolationWidth));
    }

    [Fact]
    public void NoisyPeakStandsOutOfTheSeedSpreadAtTheThreshold()
    {
        var level = Analyze().Levels.Single(l => l.Noise == 0.25);
        var peak = level.TestMse;
        Assert.True(peak.ExpectPeak);
        // Ratio criterion: min(1.0/0.4, 1.0/0.2) = 2.5 ≥ 1.5 at width 4, which is h*.
        Assert.Equal(4, peak.Ratio.Width);
        Assert.Equal(2.5, peak.Ratio.Prominence, 12);
        Assert.True(peak.IsPeak && peak.NearThreshold && peak.SameWidth);
        // Noise criterion: prominence 1.0 − 0.4 = 0.6 over the higher side minimum (width 2); noise unit
        // √(sd² + sd²) = √(2·0.0002) = 0.02 from the seed spread; 0.6 > 4·0.02.
        Assert.Equal(4.0, peak.Judged.X);
        Assert.Equal(0.6, peak.Judged.Prominence, 12);
        Assert.Equal(0.02, peak.Judged.Noise, 12);
        Assert.Equal("seed spread (2 seeds)", peak.Judged.NoiseSource);
        Assert.Equal(VerdictOutcome.Agrees, peak.Judged.Verdict.Outcome);
        Assert.True(peak.AsThePaperFinds);
    }

    [Fact]
    public void CleanSweepHasNoPeakAsThePaperExpects()
    {
        var peak = Analyze().Levels.Single(l => l.Noise == 0).TestMse;
        Assert.False(peak.ExpectPeak);
        // The maximum beyond the first width (0.4 at width 2) is below the first point: no interior peak.
        Assert.False(peak.Judged.Found);
        Assert.Equal(2.0, peak.Judged.X);
        Assert.Equal(VerdictOutcome.Agrees, peak.Judged.Verdict.Outcome);
        Assert.False(peak.IsPeak);
        Assert.False(peak.AsThePaperFinds);
        // Without a smoother there are no p findings; without retraining no p_net findings.
        Assert.All(Analyze().Levels, l => Assert.True(l.P is null && l.Net is null && l.Unreliable.Count == 0));
    }

    [Fact]
    public void FindingsJsonEntriesComeFromTheAnalysisWithoutAReport()
    {
        // Without smoother and retraining only the test-MSE verdict of each level; the clean level names the two networks it left out.
        var analysis = Analyze();
        var entries = analysis.RunFindings().ToList();
        Assert.Equal(["double_descent_test_mse_peak", "double_descent_no_peak_without_noise"], entries.Select(f => f.Key));
        Assert.Equal(["label noise 0.25, seeds 0, 1", "label noise 0, seeds 0, 1 (2 capped or failed network(s) left out)"], entries.Select(f => f.Where));
        Assert.Equal([VerdictOutcome.Agrees, VerdictOutcome.Agrees], entries.Select(f => f.Verdict.Outcome));   // see the two tests above
        Assert.Same(analysis.Levels[1].TestMse.Verdict, entries[1].Verdict);
        Assert.Contains("(paper Fig. 3)", entries[0].Claim);
    }

    /// <summary>
    /// One seed, noise 0.25, a Hutchinson smoother (standard error 0.5, so each p_train point's tolerance is 1), n = 41,
    /// d = 8 (h* = 4), p_train_limit 2 (82), fidelity_limit 0.1, worse_fit_tolerance 1 (no optimization failures):
    /// widths 1–16 have reliable p_train 5, 10, 20, 15, 30 and p_test 2, 4, 30, 10, 12; width 32 has p_train 100 > 82.
    /// </summary>
    [Fact]
    public void SmootherPFindingsCountDropsBenignWidthsAndFlagBlowUps()
    {
        int[] widths = [1, 2, 4, 8, 16, 32];
        double[] pTrain = [5, 10, 20, 15, 30, 100], pTest = [2, 4, 30, 10, 12, 50], trainMse = [0.5, 0.3, 0.1, 0.2, 0, 0];
        double[] testGap = [0.02, 0.05, 0.3, 0.04, 0.03, 0.06];
        var runs = widths.Select((w, i) => new WidthRun(0.25, w, 0, DoubleDescentAnalysis.ParameterCount(8, w))
        {
            Points = [new DoubleDescentPoint(100 * (i + 1), trainMse[i], 1, 0.1, P(pTrain[i]) with { StandardError = 0.5 }, P(pTest[i]))],
            Stop = StopReason.Converged,
            TrainFidelity = new SmootherFidelity(0, 0.01, 0),
            TestFidelity = new SmootherFidelity(0, testGap[i], 0),
        }).ToList();
        var analysis = new DoubleDescentFindings(runs, trainCount: 41, featureCount: 8, Limits with { WorseFitTolerance = 1 });

        var level = Assert.Single(analysis.Levels);
        Assert.Equal(16, level.InterpolationWidth);
        var blownUp = Assert.Single(level.Unreliable);
        Assert.Equal(32, blownUp.Width);
        Assert.Equal(600, analysis.FirstBlowUp(blownUp)!.Step);
        var p = level.P!;
        Assert.Equal(new double[] { 1, 2, 4, 8, 16 }, p.PTrain.X);
        // 20 → 15 falls by more than 1 + 1; the other steps rise.
        Assert.Equal((3, 4), (p.StepsUp, p.Steps));
        Assert.Equal(new[] { 3 }, p.Drops);
        Assert.Equal(1, p.DropsWithWorseFit);   // train MSE 0.1 → 0.2 at that drop
        Assert.Equal(new[] { 3, 4 }, p.BeyondThreshold);
        Assert.Equal(2, p.BenignBeyond);        // width 8: p_test 10 < p_train 15; width 16: 12 < 30
        // Slope of p_train against k = log2 width: 5.5 per k, residual sd √(67.5/3), se 1.5, t(0.975, 3) = 3.182:
        // the interval [0.73, 10.27]·(1/ln 2) excludes 0.
        Assert.Equal(VerdictOutcome.Agrees, p.PTrainTrend.Verdict.Outcome);
        Assert.Equal(5.5 / Math.Log(2), p.PTrainTrend.Slope, 9);
        // p_test's ratio peak: min(30/2, 30/10) = 3 at width 4 (= h*), also the grid's maximum beyond width 1. Against the
        // noise: prominence 30 − 10 = 20; second differences 24, −46, 22, roughness 24/(0.6745·√6), noise unit √2 times
        // that = 20.5, and 20 < 4 units: inconclusive, so not a peak as the paper finds.
        Assert.Equal((4, 3.0), (p.PTestPeak.Ratio.Width, p.PTestPeak.Ratio.Prominence));
        Assert.True(p.PTestPeak.IsPeak && p.PTestPeak.NearThreshold && p.PTestPeak.SameWidth);
        Assert.Equal((4.0, 20.0), (p.PTestPeak.Judged.X, p.PTestPeak.Judged.Prominence));
        Assert.Equal(Math.Sqrt(2) * 24 / (0.6745 * Math.Sqrt(6)), p.PTestPeak.Judged.Noise, 12);
        Assert.Equal(VerdictOutcome.Inconclusive, p.PTestPeak.Judged.Verdict.Outcome);
        Assert.False(p.PTestPeak.AsThePaperFinds);
        // findings.json: the test-MSE verdict, then the smoother's p_train trend and p_test peak, as the report prints them.
        var entries = analysis.RunFindings().ToList();
        Assert.Equal(["double_descent_test_mse_peak", "double_descent_p_train_grows", "double_descent_p_test_peak"], entries.Select(f => f.Key));
        Assert.Equal("label noise 0.25, one seed, smoother p (reliable networks only)", entries[2].Where);
        Assert.Same(p.PTrainTrend.Verdict, entries[1].Verdict);
        Assert.Same(p.PTestPeak.Verdict, entries[2].Verdict);

        Assert.Equal((100.0, 600.0, 350.0), analysis.StepRange);
        var (worst, median) = analysis.TestFidelity!.Value;
        Assert.Equal(4, worst.Width);
        Assert.Equal(0.045, median, 12);
    }
}
