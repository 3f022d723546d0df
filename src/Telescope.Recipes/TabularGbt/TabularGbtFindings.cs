namespace Telescope.Recipes.TabularGbt;

/// <summary>One data set with its outcomes, one per seed (in seed order).</summary>
internal sealed record DatasetGroup(string Name, IReadOnlyList<DatasetOutcome> Runs)
{
    public DatasetOutcome First => Runs[0];
    /// <summary>Per π index: the values of <paramref name="pick"/> over the seeds (each a mean over the R test-set draws).</summary>
    public IReadOnlyList<double[]> PerPi(Func<PiPoint, double> pick) =>
        Enumerable.Range(0, First.Points.Count).Select(i => Runs.Select(o => pick(o.Points[i])).ToArray()).ToList();
    public double[] Pis => First.Points.Select(p => p.Pi).ToArray();
    /// <summary>The values of <paramref name="pick"/> against π, one point per seed.</summary>
    public SeededSeries Curve(Func<PiPoint, double> pick) => SeededSeries.FromSeeds(Pis, PerPi(pick).Select(v => (IReadOnlyList<double>)v).ToList());
    public double Mean(Func<DatasetOutcome, double> pick) => Runs.Average(pick);
}

/// <summary>The paper's three claims on one data set, judged, and the numbers the report's other statements decide on.</summary>
/// <param name="GbtDeviation">Largest |W_GBT(π) − 1| over π (seed means).</param>
/// <param name="Flat">W_GBT stays within flat_tolerance of 1 at every π (seed means): a fixed threshold, no noise estimate.</param>
/// <param name="Tiny">|Δ̄(0)| is below tiny_gap of the constant predictor's MSE (ρ would divide by a tiny number).</param>
/// <param name="Rises">Steps of the π grid in which the seed-mean Δ̄ rises.</param>
/// <param name="BothBeatConstant">Both models' mean MSE at π = 0 is below the constant predictor's.</param>
/// <param name="NnAboveGbtAtOne">W_NN(1) exceeds W_GBT(1) (seed means).</param>
/// <param name="SmootherPasses">The worst GBT smoother check over the seeds is within <see cref="TabularGbtFindings.SmootherTolerance"/>.</param>
internal sealed record DatasetFindings(DatasetGroup Group, Verdict GbtBetterAtZero, TrendResult GapGrows, TrendResult WNnGrows,
    double GbtDeviation, Verdict Flat, bool Tiny, int Rises, bool BothBeatConstant, bool NnAboveGbtAtOne, bool SmootherPasses);

/// <summary>
/// The analysis step of tabular-gbt: from every data set's outcomes (one per seed) to the judged claims, without any
/// text. One seed: gaps and trends are judged against the spread over the R test-set draws; several: against the
/// spread over the seeds of the draw-averaged values (every seed's value a point of the slope fits).
/// </summary>
internal sealed class TabularGbtFindings(IReadOnlyList<DatasetOutcome> outcomes, TabularGbtSettings s)
{
    /// <summary>The GBT smoother check passes at this tolerance (docs/method.md §6).</summary>
    public const double SmootherTolerance = 1e-8;

    public IReadOnlyList<DatasetOutcome> Outcomes => outcomes;
    public IReadOnlyList<long> Seeds => s.Seeds;
    public bool Seeded => Seeds.Count > 1;
    public IReadOnlyList<DatasetGroup> Groups { get; } = outcomes.GroupBy(o => o.Name).Select(g => new DatasetGroup(g.Key, g.ToList())).ToList();
    /// <summary>The findings per data set, in the order of <see cref="Groups"/>.</summary>
    public IReadOnlyList<DatasetFindings> Datasets => _datasets ??= Groups.Select(Judge).ToList();
    private List<DatasetFindings>? _datasets;

    private VerdictCriteria Criteria => s.Verdicts;

    /// <summary>findings.json: the paper's three claims of Sec. 4.3 / Fig. 5 on every data set, as the report judges them.</summary>
    public IEnumerable<RunFinding> RunFindings()
    {
        foreach (var d in Datasets)
        {
            string where = d.Group.Name + (Seeded ? $", {Seeds.Count} seeds" : ", one seed");
            yield return new("gbt_better_at_pi0", "paper Fig. 5: LightGBM is better than the network already on regular inputs (π = 0)", where,
                d.GbtBetterAtZero);
            yield return new("gap_grows_with_pi", "paper Fig. 5: the network's test-error gap to LightGBM grows with the share π of irregular inputs", where,
                d.GapGrows.Verdict);
            yield return new("w_nn_grows_with_pi", "paper Fig. 5: the network's largest kernel weight norm W_NN grows with π", where, d.WNnGrows.Verdict);
            yield return new("w_gbt_flat", "paper Fig. 5: the trees' kernel weight norm W_GBT stays flat (≈ 1) as π grows", where, d.Flat);
        }
    }

    internal static string Format(double v) => v.ToString("G3", CultureInfo.InvariantCulture);

    private Verdict Flat(double deviation) => new(deviation <= s.FlatTolerance ? VerdictOutcome.Agrees : VerdictOutcome.Disagrees,
        $"largest |W_GBT(π) − 1| = {Format(deviation)}{(Seeded ? " (seed means)" : "")}, criterion ≤ {Format(s.FlatTolerance)} " +
        $"({TabularGbtSettings.FlatToleranceName})");

    private DatasetFindings Judge(DatasetGroup g)
    {
        double deviation = g.PerPi(p => p.WGbt).Max(v => Math.Abs(v.Average() - 1));
        var meanDelta = g.PerPi(p => p.Delta).Select(v => v.Average()).ToList();
        int rises = meanDelta.Zip(meanDelta.Skip(1), (a, b) => b > a ? 1 : 0).Sum();
        double constant = g.Mean(o => o.First.MseConstant);
        bool beatConstant = g.Mean(o => o.First.MseNn) < constant && g.Mean(o => o.First.MseGbt) < constant;
        bool nnAbove = g.Mean(o => o.Last.WNn) > g.Mean(o => o.Last.WGbt);
        bool smoother = g.Runs.Max(o => o.Gbt.SmootherMaxAbsError) <= SmootherTolerance;
        DatasetFindings Found(Verdict better, SeededSeries gap, SeededSeries wNn, bool tiny) =>
            new(g, better, TrendCheck.Judge(gap, Criteria, TrendDirection.Grows), TrendCheck.Judge(wNn, Criteria, TrendDirection.Grows),
                deviation, Flat(deviation), tiny, rises, beatConstant, nnAbove, smoother);
        if (Seeded)
        {
            var d0 = SeedAggregate.MeanSd(g.Runs.Select(o => o.First.Delta));
            var better = GapCheck.ClearlyBelow(g.Mean(o => o.First.MseGbt), g.Mean(o => o.First.MseNn),
                d0.Sd is double sd ? sd / Math.Sqrt(d0.Count) : double.NaN, Criteria, ($"MSE_GBT (mean over {Seeds.Count} seeds)", "MSE_NN"));
            return Found(better, g.Curve(p => p.Delta), g.Curve(p => p.WNn), Math.Abs(g.Mean(o => o.First.Delta)) < s.TinyGap * constant);
        }
        var o = g.First;
        var byPi = o.Repetitions.GroupBy(r => r.Pi).OrderBy(x => x.Key).ToList();
        var baseline = o.Repetitions.Where(r => r.Pi == 0).ToDictionary(r => r.Repetition);
        // Every test-set draw a point of the slope fits.
        SeededSeries PerDraw(Func<PiRepetition, double> pick) =>
            SeededSeries.FromSeeds(byPi.Select(x => x.Key).ToList(), byPi.Select(x => (IReadOnlyList<double>)x.Select(pick).ToArray()).ToList());
        var p0 = o.First;
        var gap = GapCheck.ClearlyBelow(p0.MseGbt, p0.MseNn, baseline.Count > 1 ? p0.DeltaStd / Math.Sqrt(baseline.Count) : double.NaN,
            Criteria, ("MSE_GBT", "MSE_NN"));
        return Found(gap, PerDraw(r => r.Delta), PerDraw(r => r.MaxWNn / baseline[r.Repetition].MaxWNn), o.DeltaZeroIsTiny);
    }
}
