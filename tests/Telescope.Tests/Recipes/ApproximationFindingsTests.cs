using Telescope.Recipes.Approximation;
using Telescope.Runs;
using Telescope.Telescoping;
using Telescope.Verdicts;
using Xunit;

namespace Telescope.Tests.Recipes;

/// <summary>
/// The approximation recipe's verdicts on sub-run results built by hand (issue 21, item 4): with one seed a ratio claim
/// needs the stated margin single_seed_ratio_margin beyond its threshold (f_lin's error only 1.6× f̃'s is inconclusive for
/// "below", 3× agrees, 0.4× disagrees); with three seeds the seed spread of the log ratio decides (a steady 1.6× then
/// agrees with "below" and clearly disagrees with "orders of magnitude"); findings.json round-trips.
/// </summary>
public sealed class ApproximationFindingsTests() : TempFolderTest("telescope-approx-findings-")
{
    private static readonly ApproximationSettings Settings = ApproximationSettings.Schema.Bind(ApproximationSettings.Schema.Create(quick: true)) with
    {
        LinearGapFactor = 10, SingleSeedMargin = 2, Verdicts = VerdictCriteria.Default,
    };

    private static ApproximationPoint Point(int step, double errTelescoping, double errLinear, double accTelescoping, double accLinear) =>
        new(step, 0.5, new ApproximationMetrics("test", step, errTelescoping, 0, errLinear, 0, 1, 0.8, accTelescoping, accLinear, 1), null,
            new Dictionary<string, double>());

    /// <summary>sgd at lr 0.01 (default) and 0.05; at each rate one run per (f̃ error, f_lin error) pair, seeds 0, 1, ….</summary>
    private static List<SubRun> Runs(IReadOnlyList<(double T, double L)> atDefault, IReadOnlyList<(double T, double L)> atHigh)
    {
        bool seeded = atDefault.Count > 1;
        var runs = new List<SubRun>();
        foreach (var (lr, errors) in new[] { (0.01, atDefault), (0.05, atHigh) })
            for (int seed = 0; seed < errors.Count; seed++)
                runs.Add(new SubRun("sgd", lr, lr == 0.01, seed, seeded)
                {
                    // The network's accuracy 0.8; f̃'s stays within 0.01 of it, f_lin's drifts by 0.3.
                    Points = [Point(0, 0, 0, 0.8, 0.8), Point(100, errors[seed].T, errors[seed].L, 0.79 - 0.001 * seed, 0.5 + 0.01 * seed)],
                });
        return runs;
    }

    private static ApproximationVerdict Find(List<ApproximationVerdict> all, string key, double? lr) => all.Single(v => v.Key == key && v.LearningRate == lr);

    [Fact]
    public void OneSeedNeedsTheStatedMargin()
    {
        // f_lin's error 4.59 against f̃'s 2.83: 1.62×, below the margin 2 and above 1/2.
        var all = new ApproximationFindings(Settings, Runs([(0.0496, 2.56)], [(2.83, 4.59)])).All();
        var high = Find(all, ApproximationFindings.BelowLinearKey, 0.05);
        Assert.Equal(VerdictOutcome.Inconclusive, high.Verdict.Outcome);
        Assert.Contains("only 1.62× f̃'s", high.Verdict.Statement);
        Assert.Contains("single_seed_ratio_margin", high.Verdict.Statement);
        Assert.Equal("sgd, lr 0.05, one seed", high.Where);
        // At the default rate 2.56/0.0496 = 51.6: beyond 10 × 2, so "orders of magnitude" agrees.
        Assert.Equal(VerdictOutcome.Agrees, Find(all, ApproximationFindings.OrdersOfMagnitudeKey, 0.01).Verdict.Outcome);

        var clear = new ApproximationFindings(Settings, Runs([(0.0496, 2.56)], [(1, 3)])).All();
        Assert.Equal(VerdictOutcome.Agrees, Find(clear, ApproximationFindings.BelowLinearKey, 0.05).Verdict.Outcome);
        var reversed = new ApproximationFindings(Settings, Runs([(0.0496, 2.56)], [(1, 0.4)])).All();
        Assert.Equal(VerdictOutcome.Disagrees, Find(reversed, ApproximationFindings.BelowLinearKey, 0.05).Verdict.Outcome);
        // 15× at the default rate: above 10 but below 10 × 2 and above 10 / 2, so inconclusive with one seed.
        var near = new ApproximationFindings(Settings, Runs([(0.1, 1.5)], [(1, 3)])).All();
        Assert.Equal(VerdictOutcome.Inconclusive, Find(near, ApproximationFindings.OrdersOfMagnitudeKey, 0.01).Verdict.Outcome);
        // One seed, two learning rates: no trend can be judged.
        Assert.Equal(VerdictOutcome.Inconclusive, Find(all, ApproximationFindings.GrowsKey, null).Verdict.Outcome);
        // Accuracy: f̃'s largest gap 0.01, f_lin's 0.3: 30× ≥ 2.
        Assert.Equal(VerdictOutcome.Agrees, Find(all, ApproximationFindings.AccuracyKey, 0.01).Verdict.Outcome);
    }

    [Fact]
    public void ThreeSeedsAreJudgedByTheirSpread()
    {
        // A steady ratio near 1.6 over three seeds: log10 ratios 0.176, 0.204, 0.230 (mean 0.2034, sd 0.0271, SE 0.0156):
        // 13 SE above log10 1 = 0, so "below" agrees; 51 SE below log10 10 = 1, so "orders of magnitude" disagrees.
        (double, double)[] steady = [(1, 1.5), (1, 1.6), (1, 1.7)];
        var all = new ApproximationFindings(Settings, Runs(steady, steady)).All();
        var below = Find(all, ApproximationFindings.BelowLinearKey, 0.05);
        Assert.Equal(VerdictOutcome.Agrees, below.Verdict.Outcome);
        Assert.Equal("sgd, lr 0.05, 3 seeds", below.Where);
        double[] logs = [Math.Log10(1.5), Math.Log10(1.6), Math.Log10(1.7)];
        double mean = logs.Average(), se = Math.Sqrt(logs.Sum(v => (v - mean) * (v - mean)) / 2) / Math.Sqrt(3);
        Assert.True(mean / se > 2 && (1 - mean) / se > 2);
        Assert.Contains("geometric mean over 3 seeds", below.Verdict.Statement);
        Assert.Equal(VerdictOutcome.Disagrees, Find(all, ApproximationFindings.OrdersOfMagnitudeKey, 0.01).Verdict.Outcome);

        // Ratios 0.8, 1.25, 1.6 straddle 1 with a spread too wide to tell: inconclusive.
        (double, double)[] noisy = [(1, 0.8), (1, 1.25), (1, 1.6)];
        var unclear = new ApproximationFindings(Settings, Runs(steady, noisy)).All();
        Assert.Equal(VerdictOutcome.Inconclusive, Find(unclear, ApproximationFindings.BelowLinearKey, 0.05).Verdict.Outcome);
    }

    [Fact]
    public void FindingsJsonComesFromTheAnalysisAndRoundTrips()
    {
        // The one-seed run of OneSeedNeedsTheStatedMargin, in report order: orders of magnitude, below at both rates, growth, accuracy.
        var findings = new ApproximationFindings(Settings, Runs([(0.0496, 2.56)], [(2.83, 4.59)])).RunFindings().ToList();
        Assert.Equal([ApproximationFindings.OrdersOfMagnitudeKey, ApproximationFindings.BelowLinearKey, ApproximationFindings.BelowLinearKey,
            ApproximationFindings.GrowsKey, ApproximationFindings.AccuracyKey], findings.Select(f => f.Key));
        Assert.Equal(["sgd, lr 0.01, one seed", "sgd, lr 0.01, one seed", "sgd, lr 0.05, one seed", "sgd, lr [0.01, 0.05], one seed", "sgd, lr 0.01, one seed"],
            findings.Select(f => f.Where));
        Assert.Equal([VerdictOutcome.Agrees, VerdictOutcome.Agrees, VerdictOutcome.Inconclusive, VerdictOutcome.Inconclusive, VerdictOutcome.Agrees],
            findings.Select(f => f.Verdict.Outcome));   // 51.6× twice, 1.62×, two rates, accuracy gaps 0.01 vs 0.3
        Assert.All(findings, f => Assert.Contains("paper Fig. 2", f.Claim));
        string target = Path.Combine(_root, "run");
        using (var folder = RunFolder.Create(target, force: false))
        {
            RunFindings.Write(folder, findings);
            folder.Commit();
        }
        Assert.Equal(findings, RunFindings.Read(target));
    }
}
