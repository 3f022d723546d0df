using Telescope.Recipes.DoubleDescent;
using Telescope.Recipes.Sensitivity;
using Telescope.Runs;
using Telescope.Smoothing;
using Telescope.Verdicts;
using Xunit;

namespace Telescope.Tests.Recipes;

/// <summary>
/// The rules that keep double-descent's verdicts from claiming more than their data (issue 21, item 4), on sub-run
/// results built by hand: a p_net_test peak over a response flagged not linear at σ, or whose margin over the noise
/// criterion is within the estimator's standard error, is inconclusive; the noise source printed is the one used
/// (one seed: roughness; three seeds: seed spread, widths with fewer than two seeds left out); findings.json holds the
/// verdicts the report prints and reads back unchanged. Each test has a control that differs only in the rule's input.
/// </summary>
public sealed class DoubleDescentVerdictRulesTests() : TempFolderTest("telescope-dd-verdicts-")
{
    private static readonly DoubleDescentSettings Settings = DoubleDescentSettings.Schema.Bind(DoubleDescentSettings.Schema.Create(quick: false)) with
    {
        Smoother = SmootherChoice.None, WorseFitTolerance = 1, NearFactor = 4, Verdicts = VerdictCriteria.Default,
    };

    /// <summary>
    /// n = 41, d = 8: h* = 4. p_net_test over widths 1…64 is a linear baseline with wiggles of ±0.1 and a bump to 40 at
    /// width 4: second differences |·| 0.2, 36.1, 72, 36.1, 0.2, 0.2, 0.2, median 0.2, so the noise unit is
    /// √2·0.2/(0.6745·√6) = 0.171 and the prominence 40 − 5 = 35 is far above 4 units: the bare noise criterion finds a peak.
    /// </summary>
    private static readonly int[] Widths = [1, 2, 3, 4, 6, 8, 16, 32, 64];
    private static readonly double[] PNetTest = [1, 2.1, 3, 40, 5, 6.1, 7, 8.1, 9];

    private static NetworkSensitivityEstimate Estimate(string set, double value, double se, bool linear) =>
        // Linear: p_0(σ/4) equals p_0(σ). Not linear: p_0(σ/4) is a tenth of it, far beyond 1 SE.
        new(set, 100, 0.1, value, se, [value, value], 1, linear ? value : value / 10, 0.5, 1, null);

    private static WidthRun Network(int width, double pNetTest, double se, bool testLinear) => new(0.2, width, 0, DoubleDescentAnalysis.ParameterCount(8, width))
    {
        Points = [new DoubleDescentPoint(100, 0, 1, 0.1, P(), P())],
        Stop = StopReason.Converged,
        Sensitivity = [new SensitivityPoint(100) { Train = Estimate("train", 40, 1, true), Test = Estimate("test", pNetTest, se, testLinear) }],
    };

    private static EffectiveParameterEstimate P() => new("train", 100, double.NaN, 0, 0, true);

    private static NetworkPFindings Net(Func<int, bool> linearAt, Func<int, double> seAt)
    {
        var runs = Widths.Select((w, i) => Network(w, PNetTest[i], seAt(w), linearAt(w))).ToList();
        var level = Assert.Single(new DoubleDescentFindings(runs, trainCount: 41, featureCount: 8, Settings).Levels);
        return level.Net!;
    }

    [Fact]
    public void AFloorDominatedPeakIsInconclusive()
    {
        var clean = Net(_ => true, _ => 0.1).TestPeak;
        Assert.True(clean.Judged.Found);
        Assert.Equal(35, clean.Judged.Prominence, 12);
        Assert.Equal(VerdictOutcome.Agrees, clean.Verdict.Outcome);
        Assert.True(clean.AsThePaperFinds);

        // The same numbers, with the test-set response flagged not linear at the peak's width only.
        var flagged = Net(w => w != 4, _ => 0.1).TestPeak;
        Assert.Equal(VerdictOutcome.Agrees, flagged.Judged.Verdict.Outcome);   // the bare noise criterion still finds it
        Assert.Equal(VerdictOutcome.Inconclusive, flagged.Verdict.Outcome);
        Assert.Contains("not linear at σ", flagged.Verdict.Statement);
        Assert.False(flagged.AsThePaperFinds);

        // Flagged at most networks but not at the deciding widths (4 and the side minimum 5 at width 6): still inconclusive.
        var most = Net(w => w is 4 or 6, _ => 0.1).TestPeak;
        Assert.Equal(VerdictOutcome.Inconclusive, most.Verdict.Outcome);
        Assert.Contains("at 7 of the 9 networks", most.Verdict.Statement);
        // Flagged at a minority away from the deciding widths: the verdict stands.
        Assert.Equal(VerdictOutcome.Agrees, Net(w => w is not (1 or 64), _ => 0.1).TestPeak.Verdict.Outcome);
    }

    [Fact]
    public void AMarginWithinTheDirectionStandardErrorIsInconclusive()
    {
        // margin = 35 − 4·0.171 = 34.3; SE of the prominence √(se₄² + se₆²).
        double noise = Math.Sqrt(2) * 0.2 / (0.6745 * Math.Sqrt(6));
        double margin = 35 - 4 * noise;
        var small = Net(_ => true, w => w == 4 ? 30 : 1).TestPeak;   // √(900 + 1) = 30.02 < margin
        Assert.Equal(noise, small.Judged.Noise, 9);
        Assert.Equal(VerdictOutcome.Agrees, small.Verdict.Outcome);
        Assert.Contains("standard error of the prominence of 30", small.Verdict.Statement);

        var large = Net(_ => true, w => w == 4 ? 40 : 1).TestPeak;   // √(1600 + 1) = 40.01 > margin
        Assert.True(Math.Sqrt(1601) > margin);
        Assert.Equal(VerdictOutcome.Agrees, large.Judged.Verdict.Outcome);
        Assert.Equal(VerdictOutcome.Inconclusive, large.Verdict.Outcome);
        Assert.Contains("within the estimator's own noise", large.Verdict.Statement);
    }

    /// <summary>Test MSE means 0.5, 0.4, 1.0, 0.3, 0.2 over widths 1–16 (a peak at h* = 4); seeds at mean −0.01, 0, +0.01.</summary>
    private static PeakFinding TestMsePeak(int seeds, bool capTwoAtTheLastWidth)
    {
        int[] widths = [1, 2, 4, 8, 16];
        double[] means = [0.5, 0.4, 1.0, 0.3, 0.2];
        var runs = new List<WidthRun>();
        for (int i = 0; i < widths.Length; i++)
            for (long seed = 0; seed < seeds; seed++)
                runs.Add(new WidthRun(0.25, widths[i], seed, DoubleDescentAnalysis.ParameterCount(8, widths[i]))
                {
                    Points = [new DoubleDescentPoint(100, 0, means[i] + 0.01 * (seed - 1) * (seeds > 1 ? 1 : 0), 0.1, P(), P())],
                    Stop = capTwoAtTheLastWidth && widths[i] == 16 && seed < 2 ? StopReason.Capped : StopReason.Converged,
                });
        return Assert.Single(new DoubleDescentFindings(runs, 41, 8, Settings).Levels).TestMse;
    }

    [Fact]
    public void TheNoiseSourcePrintedIsTheOneUsed()
    {
        var one = TestMsePeak(seeds: 1, capTwoAtTheLastWidth: false);
        Assert.Equal("roughness (one seed)", one.Judged.NoiseSource);
        Assert.Contains("from the roughness (one seed)", one.Verdict.Statement);

        // Three seeds, but two of them capped at width 16: that width keeps one seed in the curve. The noise test leaves it
        // out (and says so) and uses the seed spread: prominence 1.0 − 0.4 = 0.6 against √(0.01² + 0.01²) = 0.0141.
        var three = TestMsePeak(seeds: 3, capTwoAtTheLastWidth: true);
        Assert.Equal(5, three.Curve.Count);
        Assert.Equal(new[] { 16 }, three.LeftOut);
        Assert.Equal("seed spread (3 seeds)", three.Judged.NoiseSource);
        Assert.Equal(Math.Sqrt(2) * 0.01, three.Judged.Noise, 12);
        Assert.DoesNotContain("roughness", three.Verdict.Statement);
        Assert.StartsWith("width(s) 16 left out of the noise test", three.Verdict.Statement);
        Assert.Equal(VerdictOutcome.Agrees, three.Verdict.Outcome);
    }

    [Fact]
    public void FindingsJsonHoldsThePrintedVerdictsAndRoundTrips()
    {
        var runs = Widths.Select((w, i) => Network(w, PNetTest[i], 0.1, w != 4)).ToList();
        var analysis = new DoubleDescentFindings(runs, 41, 8, Settings);
        var findings = analysis.RunFindings();
        Assert.Equal(["double_descent_test_mse_peak", "double_descent_p_net_train_grows", "double_descent_p_net_test_peak"], findings.Select(f => f.Key));
        var peak = findings.Single(f => f.Key == "double_descent_p_net_test_peak");
        Assert.Equal(analysis.Levels[0].Net!.TestPeak.Verdict, peak.Verdict);
        Assert.Equal(VerdictOutcome.Inconclusive, peak.Verdict.Outcome);
        Assert.Contains("paper Fig. 3", peak.Claim);
        Assert.Equal("label noise 0.2, one seed, p_net (retraining)", peak.Where);

        string target = Path.Combine(_root, "run");
        using (var folder = RunFolder.Create(target, force: false))
        {
            RunFindings.Write(folder, findings);
            folder.Commit();
        }
        Assert.Equal(findings, RunFindings.Read(target));
    }
}
