using static Telescope.Recipes.Approximation.ApproximationOutput;

namespace Telescope.Recipes.Approximation;

/// <summary>One verdict of the approximation recipe: a claim of the paper judged at one optimizer (and learning rate).</summary>
/// <param name="Key">Stable identifier of the claim (findings.json).</param>
/// <param name="Claim">The paper's claim in one sentence, with its figure.</param>
/// <param name="LearningRate">The learning rate judged, or null for a claim over the whole grid.</param>
/// <param name="Where">Where in the run, e.g. "sgd, lr 0.05, one seed".</param>
internal sealed record ApproximationVerdict(string Key, string Claim, string Optimizer, double? LearningRate, string Where, Verdict Verdict);

/// <summary>One learning rate of one optimizer with its runs, one per seed (in plan order).</summary>
internal sealed record GridPoint(string Optimizer, double LearningRate, bool IsDefault, IReadOnlyList<SubRun> Runs)
{
    /// <summary>The runs that did not diverge, in seed order.</summary>
    public IReadOnlyList<SubRun> Finished => Runs.Where(r => r.Diverged is null).OrderBy(r => r.Seed).ToList();
}

/// <summary>
/// The analysis step of the approximation recipe: the paper's claims (Fig. 2, 7, 8) judged against the noise of the
/// run, without report prose (docs/method.md §8, docs/recipes/approximation.md "Verdict rules"). A ratio claim
/// ("f_lin's error is at least c× f̃'s") is judged on the log of the per-seed ratios: with ≥ 2 finished seeds by
/// <see cref="GapCheck"/> against their seed spread; with one, whose noise is not measured, it agrees only beyond the
/// stated margin <c>single_seed_ratio_margin</c> (ratio ≥ c·margin), disagrees only below c/margin, and is
/// inconclusive in between.
/// </summary>
internal sealed class ApproximationFindings(ApproximationSettings s, IReadOnlyList<SubRun> runs)
{
    public const string OrdersOfMagnitudeKey = "approximation_orders_of_magnitude";
    public const string BelowLinearKey = "approximation_telescoping_below_linear";
    public const string GrowsKey = "approximation_error_grows_with_lr";
    public const string AccuracyKey = "approximation_accuracy_tracks_network";

    /// <summary>The optimizers in the order given.</summary>
    public IEnumerable<string> Optimizers => runs.Select(r => r.Optimizer).Distinct();

    /// <summary>The learning rates of one optimizer, increasing.</summary>
    public IEnumerable<GridPoint> Grid(string optimizer) => runs.Where(r => r.Optimizer == optimizer).GroupBy(r => r.LearningRate).OrderBy(g => g.Key)
        .Select(g => new GridPoint(optimizer, g.Key, g.First().IsDefault, g.ToList()));

    public GridPoint Default(string optimizer) => Grid(optimizer).Single(g => g.IsDefault);

    /// <summary>f_lin's final error over f̃'s on the test probes, per finished seed (finite ratios only).</summary>
    public static List<double> ErrorRatios(IEnumerable<SubRun> finished) => finished
        .Select(r => (r.Final.Test.ErrAbsLinear ?? double.NaN) / r.Final.Test.ErrAbsTelescoping).Where(v => double.IsFinite(v) && v > 0).ToList();

    /// <summary>Every verdict, in report order: orders of magnitude at the default rates, f̃ below f_lin at every rate, growth with the rate, accuracy tracking.</summary>
    public List<ApproximationVerdict> All()
    {
        var defaults = Optimizers.Select(Default).ToList();
        ApproximationVerdict At(string key, string claim, GridPoint g, Verdict verdict) =>
            new(key, claim, g.Optimizer, g.LearningRate, $"{g.Optimizer}, lr {Format(g.LearningRate)}, {SeedsText(g.Finished.Count)}", verdict);
        string factor = ApproximationSettings.LinearGapFactorName;
        string orders = $"f̃'s error is orders of magnitude below f_lin's: f_lin's at least {Format(s.LinearGapFactor)}× f̃'s ({factor}; paper Fig. 2, 7, 8).";
        const string below = "f̃ approximates the trained network more closely than f_lin: its final error is below f_lin's (paper Fig. 2, 7, 8).";
        const string tracks = "The accuracy of f̃ tracks the network's while f_lin's drifts (paper Fig. 2, 7, 8).";
        return
        [
            .. defaults.Select(d => At(OrdersOfMagnitudeKey, orders, d, RatioAbove(ErrorRatios(d.Finished), s.LinearGapFactor, factor))),
            .. Optimizers.SelectMany(Grid).Select(g => At(BelowLinearKey, below, g, RatioAbove(ErrorRatios(g.Finished), 1, null))),
            .. Optimizers.Select(Growth),
            .. defaults.Where(d => d.Finished.Count > 0).Select(d => At(AccuracyKey, tracks, d, AccuracyTracks(d.Finished))),
        ];
    }

    /// <summary>findings.json: <see cref="All"/> in the shape every recipe shares.</summary>
    public IEnumerable<RunFinding> RunFindings() => All().Select(v => new RunFinding(v.Key, v.Claim, v.Where, v.Verdict));

    /// <summary>
    /// "The ratio is at least <paramref name="threshold"/>" (the rule in the class summary). <paramref name="thresholdName"/>
    /// names the setting behind the threshold (null for the plain ordering, threshold 1).
    /// </summary>
    public Verdict RatioAbove(IReadOnlyList<double> ratios, double threshold, string? thresholdName)
    {
        if (ratios.Count == 0) return new Verdict(VerdictOutcome.Inconclusive, "no finished run with finite errors here");
        string what = thresholdName is null ? "f_lin's error / f̃'s" : $"f_lin's error / f̃'s against {thresholdName} = {Format(threshold)}";
        double geometric = Math.Pow(10, ratios.Average(Math.Log10));
        string size = $"f_lin's error is {(geometric < s.LinearGapFactor ? "only " : "")}{Format(geometric)}× f̃'s" +
            (ratios.Count > 1 ? $" (geometric mean over {ratios.Count} seeds: {string.Join(", ", ratios.Select(Format))})" : "") +
            (geometric < s.LinearGapFactor ? $", less than the {Format(s.LinearGapFactor)}× of {ApproximationSettings.LinearGapFactorName}" : "");
        if (ratios.Count >= 2)
        {
            var (mean, sd, count) = SeedAggregate.MeanSd(ratios.Select(Math.Log10));
            var gap = GapCheck.ClearlyBelow(Math.Log10(threshold), mean, sd is double x ? x / Math.Sqrt(count) : double.NaN, s.Verdicts,
                ($"log10 {Format(threshold)}", $"mean log10({what}) over {count} seeds"));
            return gap with { Statement = $"{size}; {gap.Statement}" };
        }
        double r = ratios[0], up = threshold * s.SingleSeedMargin, down = threshold / s.SingleSeedMargin;
        string rule = $"one seed, so no seed-to-seed noise is measured: the ratio must reach {Format(up)} ({Format(threshold)} × {ApproximationSettings.SingleSeedMarginName} {Format(s.SingleSeedMargin)}) to agree or fall to {Format(down)} to disagree";
        var outcome = r >= up ? VerdictOutcome.Agrees : r <= down ? VerdictOutcome.Disagrees : VerdictOutcome.Inconclusive;
        return new Verdict(outcome, $"{size}; {rule}");
    }

    /// <summary>"f̃'s error grows with the learning rate": the slope of log error against log rate (every finished seed a point).</summary>
    private ApproximationVerdict Growth(string o)
    {
        var grid = Grid(o).Where(g => g.Finished.Count > 0).ToList();
        var rates = grid.Select(g => g.LearningRate).ToList();
        string where = $"{o}, lr {Join(rates)}, {SeedsText(grid.Count == 0 ? 0 : grid.Min(g => g.Finished.Count))}";
        const string claim = "f̃'s approximation error grows with the learning rate (paper Fig. 2, 7, 8).";
        if (rates.Count < 3)
            return new(GrowsKey, claim, o, null, where, new Verdict(VerdictOutcome.Inconclusive, $"only {rates.Count} learning rate(s) finished; a trend needs 3"));
        var series = SeededSeries.FromSeeds(rates.Select(Math.Log10).ToList(),
            grid.Select(g => (IReadOnlyList<double>)g.Finished.Select(r => Math.Log10(r.Final.Test.ErrAbsTelescoping)).ToArray()).ToList());
        var verdict = TrendCheck.Judge(series, s.Verdicts, TrendDirection.Grows).Verdict;
        return new(GrowsKey, claim, o, null, where, verdict with { Statement = $"log10 |f − f̃| against log10 lr: {verdict.Statement}" });
    }

    /// <summary>
    /// "f̃'s accuracy tracks the network, f_lin's drifts": the largest |accuracy − network accuracy| over training of f̃
    /// (T) against f_lin's (L). With ≥ 2 seeds T clearly below L by the paired seed spread; with one the ratio L/T
    /// against the single-seed margin.
    /// </summary>
    private Verdict AccuracyTracks(IReadOnlyList<SubRun> finished)
    {
        var gaps = finished.Select(run =>
        {
            var points = run.Points.Where(p => p.Test.AccNetwork is not null).ToList();
            return (T: points.Max(p => Math.Abs(p.Test.AccTelescoping!.Value - p.Test.AccNetwork!.Value)),
                L: points.Max(p => Math.Abs(p.Test.AccLinear!.Value - p.Test.AccNetwork!.Value)));
        }).ToList();
        if (gaps.Count >= 2)
        {
            var paired = SeedAggregate.MeanSd(gaps.Select(g => g.L - g.T));
            return GapCheck.ClearlyBelow(gaps.Average(g => g.T), gaps.Average(g => g.L), paired.Sd is double x ? x / Math.Sqrt(paired.Count) : double.NaN,
                s.Verdicts, ("f̃'s largest accuracy gap", "f_lin's"));
        }
        var (t, l) = gaps[0];
        string numbers = $"largest accuracy gap to the network over training: f̃ {Format(t)}, f_lin {Format(l)}; one seed, so no seed-to-seed noise is measured: " +
            $"f_lin's gap must be at least {ApproximationSettings.SingleSeedMarginName} = {Format(s.SingleSeedMargin)}× f̃'s to agree, f̃'s that much above f_lin's to disagree";
        var outcome = l > 0 && l >= s.SingleSeedMargin * t ? VerdictOutcome.Agrees
            : t > 0 && t >= s.SingleSeedMargin * l ? VerdictOutcome.Disagrees : VerdictOutcome.Inconclusive;
        return new Verdict(outcome, numbers);
    }

    private static string SeedsText(int seeds) => seeds == 1 ? "one seed" : $"{seeds} seeds";
}
