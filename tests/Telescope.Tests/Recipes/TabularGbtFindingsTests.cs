using Telescope.Boosting;
using Telescope.Recipes.TabularGbt;
using Telescope.Verdicts;
using Xunit;

namespace Telescope.Tests.Recipes;

/// <summary>
/// The tabular-gbt analysis step on constructed per-repetition results, with no report text involved: the paper's
/// three claims per data set (outcome and the numbers they rest on), computed by hand from the constructed values.
/// </summary>
public sealed class TabularGbtFindingsTests
{
    private static readonly double[] Pis = [0, 0.5, 1];

    /// <summary>The default settings (verdict_gap_se_factor 2, tiny_gap 0.01) at the given seeds and flat_tolerance.</summary>
    private static TabularGbtSettings Settings(IReadOnlyList<long> seeds, double flatTolerance = 0.1, double tinyGap = 0.01) =>
        TabularGbtSettings.Schema.Bind(TabularGbtSettings.Schema.Create(quick: true)) with { Seeds = seeds, FlatTolerance = flatTolerance, TinyGap = tinyGap };

    /// <summary>
    /// A data set at one seed with R = 2 test-set draws per π; <paramref name="make"/> gives each draw's repetition.
    /// The network arm and the data sizes are not part of the analysis (null here).
    /// </summary>
    private static DatasetOutcome Outcome(string name, long seed, bool seeded, Func<double, int, PiRepetition> make,
        double smootherError = 1e-9, bool tiny = false)
    {
        var reps = Pis.SelectMany(pi => new[] { make(pi, 0), make(pi, 1) }).ToList();
        var gbt = new GbtResult(new GbtOptions(), 0, [], [], smootherError, smootherError, smootherError, 0, 1, 1, 1, TimeSpan.Zero);
        return new DatasetOutcome(name, seed, seeded, null!, null!, gbt, reps, PiAnalysis.Average(reps), tiny);
    }

    /// <summary>±0.01 around a value: draw 0 below, draw 1 above.</summary>
    private static double Jitter(int rep) => rep == 0 ? -0.01 : 0.01;

    /// <summary>
    /// "growing": MSE_GBT 0.5, MSE_NN = 1 + π ± 0.01 (Δ = 0.5, 1.0, 1.5 ± 0.01), max w_NN = 1 + 2π ± 0.01 (exactly 1 at
    /// π = 0), max w_GBT = 1, 1.05, 1.2, constant 2. "reversed": MSE_NN 0.5, MSE_GBT = 1 + π ± 0.01 (Δ falls),
    /// w_NN flat (1 at π = 0, 1 ± 0.01 beyond), w_GBT = 1, and a GBT smoother error of 1e-6.
    /// </summary>
    private static TabularGbtFindings Analyze(double flatTolerance)
    {
        var growing = Outcome("growing", 0, false, (pi, r) => new PiRepetition(pi, r, 1 + pi + Jitter(r), 0.5, 2,
            pi == 0 ? 1 : 1 + 2 * pi + Jitter(r), pi == 0 ? 1 : pi == 0.5 ? 1.05 : 1.2));
        var reversed = Outcome("reversed", 0, false, (pi, r) => new PiRepetition(pi, r, 0.5, 1 + pi + Jitter(r), 2,
            pi == 0 ? 1 : 1 + (pi == 0.5 ? Jitter(r) : -Jitter(r)), 1), smootherError: 1e-6, tiny: true);
        return new TabularGbtFindings([growing, reversed], Settings([0], flatTolerance));
    }

    [Fact]
    public void OneSeedClaimsAreJudgedAgainstTheTestSetDraws()
    {
        var findings = Analyze(flatTolerance: 0.1);
        Assert.False(findings.Seeded);
        var growing = findings.Datasets[0];
        Assert.Equal("growing", growing.Group.Name);
        // Δ(0) = 0.5 with draw sd 0.01·√2, so SE = 0.01 and z = 50.
        Assert.Equal(VerdictOutcome.Agrees, growing.GbtBetterAtZero.Outcome);
        // Δ against π: slope 1 through every draw; W_NN: slope 2.
        Assert.Equal(VerdictOutcome.Agrees, growing.GapGrows.Verdict.Outcome);
        Assert.Equal(1.0, growing.GapGrows.Slope, 10);
        Assert.Equal(VerdictOutcome.Agrees, growing.WNnGrows.Verdict.Outcome);
        Assert.Equal(2.0, growing.WNnGrows.Slope, 10);
        Assert.Equal(0.2, growing.GbtDeviation, 12);   // W_GBT(1) = 1.2
        Assert.Equal(VerdictOutcome.Disagrees, growing.Flat.Outcome);   // 0.2 > 0.1
        Assert.Equal(2, growing.Rises);
        Assert.True(growing.BothBeatConstant && growing.NnAboveGbtAtOne && growing.SmootherPasses);
        Assert.False(growing.Tiny);

        var reversed = findings.Datasets[1];
        Assert.Equal(VerdictOutcome.Disagrees, reversed.GbtBetterAtZero.Outcome);
        Assert.Equal(VerdictOutcome.Disagrees, reversed.GapGrows.Verdict.Outcome);
        Assert.Equal(VerdictOutcome.Inconclusive, reversed.WNnGrows.Verdict.Outcome);   // slope 0 ± the draws
        Assert.Equal(0, reversed.Rises);
        Assert.Equal(VerdictOutcome.Agrees, reversed.Flat.Outcome);
        Assert.False(reversed.NnAboveGbtAtOne);        // W_NN(1) = 1 = W_GBT(1)
        Assert.False(reversed.SmootherPasses);         // 1e-6 > 1e-8
        Assert.True(reversed.Tiny);                    // one seed: the sub-run's own flag
    }

    [Fact]
    public void FlatnessFollowsTheTolerance() => Assert.Equal(VerdictOutcome.Agrees, Analyze(flatTolerance: 0.25).Datasets[0].Flat.Outcome);

    [Fact]
    public void FindingsJsonEntriesComeFromTheAnalysisInReportOrder()
    {
        var findings = Analyze(flatTolerance: 0.1);
        var entries = findings.RunFindings().ToList();
        string[] keys = ["gbt_better_at_pi0", "gap_grows_with_pi", "w_nn_grows_with_pi", "w_gbt_flat"];
        Assert.Equal([.. keys, .. keys], entries.Select(f => f.Key));
        Assert.Equal([.. keys.Select(_ => "growing, one seed"), .. keys.Select(_ => "reversed, one seed")], entries.Select(f => f.Where));
        // The outcomes worked out in OneSeedClaimsAreJudgedAgainstTheTestSetDraws, in the same order.
        Assert.Equal(
            [VerdictOutcome.Agrees, VerdictOutcome.Agrees, VerdictOutcome.Agrees, VerdictOutcome.Disagrees,
             VerdictOutcome.Disagrees, VerdictOutcome.Disagrees, VerdictOutcome.Inconclusive, VerdictOutcome.Agrees],
            entries.Select(f => f.Verdict.Outcome));
        Assert.Equal("largest |W_GBT(π) − 1| = 0.2, criterion ≤ 0.1 (flat_tolerance)", entries[3].Verdict.Statement);
        Assert.Same(findings.Datasets[0].GbtBetterAtZero, entries[0].Verdict);   // the verdict object the report prints
        Assert.All(entries, f => Assert.StartsWith("paper Fig. 5: ", f.Claim));
    }

    [Fact]
    public void SeveralSeedsAreJudgedAgainstTheSeedSpread()
    {
        // Δ(0) = 0.006 and 0.014 (MSE_GBT 0.5): mean 0.01, sd 0.004·√2, SE 0.004, z = 2.5 > 2.
        DatasetOutcome Seed(long seed, double delta0) => Outcome("d", seed, true, (pi, r) =>
            new PiRepetition(pi, r, 0.5 + delta0 + pi, 0.5, 2, 1 + pi, 1));
        var outcomes = new[] { Seed(0, 0.006), Seed(1, 0.014) };
        var findings = new TabularGbtFindings(outcomes, Settings([0, 1]));
        var d = Assert.Single(findings.Datasets);
        Assert.Equal(2, d.Group.Runs.Count);
        Assert.Equal(VerdictOutcome.Agrees, d.GbtBetterAtZero.Outcome);
        Assert.Equal(6, d.GapGrows.Points);             // every seed's value at every π is a point
        Assert.True(d.Tiny);                            // |Δ̄(0)| = 0.01 < 0.01 · 2
        Assert.False(new TabularGbtFindings(outcomes, Settings([0, 1], tinyGap: 0.001)).Datasets[0].Tiny);
        Assert.Equal(VerdictOutcome.Inconclusive,       // z = 2.5 is not above 3
            new TabularGbtFindings(outcomes, Settings([0, 1]) with { Verdicts = VerdictCriteria.Default with { GapSeFactor = 3 } }).Datasets[0].GbtBetterAtZero.Outcome);
    }
}
