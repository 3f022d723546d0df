namespace Telescope.Recipes.Grokking;

/// <summary>
/// The analysis step of a grokking sweep: from the sub-runs' results to the numbers and verdicts the outputs write,
/// without any text. The sub-runs are grouped by configuration (in the order given), each group one sub-run per seed.
/// </summary>
/// <param name="runs">The configuration sub-runs (separate p_net pairs already combined into them).</param>
/// <param name="s">The settings the verdicts are judged with (whether the smoother ran, p_train_limit, the "clearly below" rule).</param>
/// <param name="figure">The paper figures the recipe's claims cite, e.g. "Fig. 4 (left), 11".</param>
/// <param name="metric">The train/test metric as the findings name it ("MSE", "error"); lower is better.</param>
internal abstract class GrokkingAnalysis<TRun>(IReadOnlyList<TRun> runs, GrokkingSettings s, string figure, string metric) where TRun : GrokkingRun
{
    private IReadOnlyList<ConfigurationFinding<TRun>>? _configurations;

    public IReadOnlyList<TRun> Runs => runs;
    public string Figure => figure;
    public string Metric => metric;
    public bool UseSmoother => s.UseSmoother;
    public ClearlyBelowRule Rule { get; } = s.Rule;
    /// <summary>p_train above this (p_train_limit × n) means the smoother's p has blown up.</summary>
    public double PLimit => s.PLimit;

    /// <summary>The sub-runs by configuration (in the order given), each with its seeds in order.</summary>
    public IReadOnlyList<IReadOnlyList<TRun>> Groups { get; } =
        runs.GroupBy(r => r.Configuration).Select(g => (IReadOnlyList<TRun>)g.ToList()).ToList();

    /// <summary>The findings of every configuration, in the order of <see cref="Groups"/>.</summary>
    public IReadOnlyList<ConfigurationFinding<TRun>> Configurations =>
        _configurations ??= Groups.Select(g => GrokkingFindings.Configuration(g, UseSmoother, Rule, PLimit)).ToList();

    /// <summary>The smoother's p of a sub-run at every logged step (empty when the smoother did not run).</summary>
    public IReadOnlyList<(int Step, double PTrain, double PTest)> SmootherSeries(TRun r) =>
        UseSmoother ? r.Points.Select(p => (p.Step, p.PTrain, p.PTest)).ToList() : [];

    /// <summary>
    /// The spectrum view's verdicts of a configuration (null when the spectrum did not run): p_test and the "ends clearly
    /// below" verdict come from p_net when every seed measured it, else from the smoother; a p the report flags as
    /// unreliable at any logged step makes the timing of its drop inconclusive.
    /// </summary>
    public SpectrumFinding? Spectrum(ConfigurationFinding<TRun> c)
    {
        bool net = c.Net is not null;
        var steps = c.Seeds[0].Points.Select(p => p.Step).ToList();
        string? why = net ? steps.Select(t => GrokkingFindings.NetUnreliable(c.Seeds, t)).FirstOrDefault(w => w is not null)
            : UseSmoother ? steps.Select(t => GrokkingFindings.SmootherUnreliable(c.Seeds, t, PLimit)).FirstOrDefault(w => w is not null)
            : "neither the smoother nor p_net ran";
        return GrokkingSpectrumFindings.Judge(c.Seeds, metric, net ? "p_net_test" : "p_test (smoother)",
            r => net ? r.Sensitivity.Where(p => p.Step > 0 && p.Test is not null).Select(p => (p.Step, p.Test!.Value)).ToList()
                : r.Points.Where(p => p.Step > 0).Select(p => (p.Step, p.PTest)).ToList(),
            why, (c.Net ?? c.Smoother)?.End, Rule.Criteria);
    }

    /// <summary>Where findings.json places a configuration's verdicts, e.g. "α = 8 (relu)".</summary>
    public abstract string Where(IReadOnlyList<TRun> g);

    /// <summary>
    /// findings.json, in the order report.md prints the verdicts: per configuration p_test against p_train from the
    /// smoother and from p_net (start, end), then the spectrum view's three verdicts; then the sweep's cited orderings.
    /// </summary>
    public IEnumerable<RunFinding> RunFindings()
    {
        foreach (var c in Configurations)
        {
            string where = Where(c.Seeds);
            foreach (var (p, source, key) in new[] { (c.Smoother, "the smoother's p", "p"), (c.Net, "p_net (retraining)", "p_net") })
            {
                if (p is null) continue;
                string cited = $"({source}; docs/method.md §9, paper {figure})";
                yield return new($"{key}_test_starts_at_or_above_{key}_train", $"{key}_test starts at or above {key}_train {cited}", where, p.Start);
                yield return new($"{key}_test_ends_clearly_below_{key}_train", $"{key}_test ends clearly below {key}_train {cited}", where, p.End);
            }
            foreach (var spectral in Spectrum(c)?.RunFindings(where, figure) ?? []) yield return spectral;
        }
        foreach (var ordering in SweepFindings()) yield return ordering;
    }

    /// <summary>The findings.json entries of the orderings the recipe cites across its configurations.</summary>
    protected abstract IEnumerable<RunFinding> SweepFindings();

    /// <summary>A cited ordering along a grid of configurations, judged over every seed's value (<see cref="SeededOrdering"/>).</summary>
    protected Verdict Ordering(IReadOnlyList<double> x, IReadOnlyList<IReadOnlyList<TRun>> groups, IReadOnlyList<string> labels,
        TrendDirection expected, Func<TRun, double> value) =>
        SeededOrdering.Judge(x, groups.Select(g => (IReadOnlyList<double>)g.Select(value).ToArray()).ToList(), labels, expected, Rule.Criteria);
}

/// <summary>Omnigrok's comparison of the largest ReLU α with α = 1: four orderings, each judged over the seeds.</summary>
/// <param name="Where">The two configurations compared, e.g. "α = 8 vs α = 1 (ReLU)".</param>
internal sealed record AlphaComparison(IReadOnlyList<GrokkingMnistRun> Large, IReadOnlyList<GrokkingMnistRun> Small,
    Verdict DelayRatio, Verdict TestPlateau, Verdict FinalPTrain, Verdict FinalPTest, string Where);

/// <summary>grokking-mnist's analysis: the shared findings, the smoother's reliability and the α comparison.</summary>
internal sealed class GrokkingMnistAnalysis(IReadOnlyList<GrokkingMnistRun> runs, GrokkingMnistSettings s)
    : GrokkingAnalysis<GrokkingMnistRun>(runs, s, "Fig. 4 (right), 12, 13", "error")
{
    /// <summary>A mean surrogate-vs-network gap at or above this (targets are one-hot) means the smoother no longer describes the network.</summary>
    public const double UsableSurrogateGap = 0.5;

    public override string Where(IReadOnlyList<GrokkingMnistRun> g) =>
        $"α = {GrokkingText.F(g[0].Config.Alpha)} ({g[0].Config.Activation.ToString().ToLowerInvariant()})";

    protected override IEnumerable<RunFinding> SweepFindings() => Comparison() is not { } c ? [] :
    [
        new("alpha_delays_generalization_by_plateau_ratio",
            $"a large α delays generalization: the ratio of the test to the train plateau step is larger than at α = 1 (Omnigrok; paper {Figure})",
            c.Where, c.DelayRatio),
        new("alpha_delays_generalization_by_test_plateau",
            $"a large α delays generalization: the test plateau step is later than at α = 1 (Omnigrok; paper {Figure})",
            c.Where, c.TestPlateau),
        new("alpha_final_p_train_larger", $"α = 1 ends with fewer effective parameters on the training set (paper {Figure})", c.Where, c.FinalPTrain),
        new("alpha_final_p_test_larger", $"α = 1 ends with fewer effective parameters on the test inputs (paper {Figure})", c.Where, c.FinalPTest),
    ];

    /// <summary>
    /// The first logged step whose smoother p is blown up (p_train above <see cref="GrokkingAnalysis{TRun}.PLimit"/> or
    /// p_test not finite); null when the smoother did not run (p was not measured, so it cannot be unreliable).
    /// </summary>
    public GrokkingPoint? FirstUnreliable(GrokkingMnistRun r) =>
        UseSmoother ? r.Points.FirstOrDefault(p => p.Step > 0 && !(p.PTrain <= PLimit && double.IsFinite(p.PTest))) : null;

    /// <summary>The surrogate still describes the network at the end (finite gap below <see cref="UsableSurrogateGap"/>).</summary>
    public static bool SurrogateUsable(GrokkingMnistRun r) => double.IsFinite(r.SurrogateGapTrain) && r.SurrogateGapTrain < UsableSurrogateGap;

    public static double SecondsPerStep(GrokkingMnistRun r) =>
        (r.TrainingTime + r.SmootherTime + r.RetrainingTime + r.StabilityTime).TotalSeconds / r.Final.Step;

    /// <summary>The last logged step with p_net.</summary>
    public static SensitivityPoint? Net(GrokkingMnistRun r) => r.Sensitivity.LastOrDefault(p => p.Train is not null);

    /// <summary>The final p the comparisons use: the smoother's when it ran, else the network's p_net.</summary>
    public (double Train, double Test) FinalP(GrokkingMnistRun r) => UseSmoother
        ? (r.Final.PTrain, r.Final.PTest)
        : (Net(r)?.Train?.Value ?? double.NaN, Net(r)?.Test?.Value ?? double.NaN);

    /// <summary>The largest ReLU α against ReLU α = 1 (null unless both ran): a large α delays generalization and ends with more p.</summary>
    public AlphaComparison? Comparison()
    {
        static bool Relu(IReadOnlyList<GrokkingMnistRun> g) => g[0].Config.Activation.Kind == Models.ActivationKind.ReLU;
        var large = Groups.Where(Relu).OrderByDescending(g => g[0].Config.Alpha).FirstOrDefault();
        var small = Groups.FirstOrDefault(g => Relu(g) && g[0].Config.Alpha == 1);
        if (large is null || small is null || ReferenceEquals(large, small)) return null;
        string[] labels = ["α = 1", $"α = {GrokkingText.F(large[0].Config.Alpha)}"];
        Verdict Judge(Func<GrokkingMnistRun, double> value) => Ordering([1, large[0].Config.Alpha], [small, large], labels, TrendDirection.Grows, value);
        return new AlphaComparison(large, small, Judge(r => (double)r.TestPlateau / Math.Max(r.TrainPlateau, 1)), Judge(r => r.TestPlateau),
            Judge(r => FinalP(r).Train), Judge(r => FinalP(r).Test), $"{labels[1]} vs α = 1 (ReLU)");
    }
}

/// <summary>grokking-poly's analysis: the shared findings, GD's sharpness and Kumar et al.'s ordering over ε.</summary>
internal sealed class GrokkingPolyAnalysis(IReadOnlyList<GrokkingPolyRun> runs, GrokkingPolySettings s)
    : GrokkingAnalysis<GrokkingPolyRun>(runs, s, "Fig. 4 (left), 11", "MSE")
{
    public override string Where(IReadOnlyList<GrokkingPolyRun> g) => $"ε = {GrokkingText.F(g[0].Epsilon)}";

    protected override IEnumerable<RunFinding> SweepFindings() => EpsilonOrdering() is not var (byRatio, byTestPlateau) ? [] :
    [
        new("delay_falls_with_epsilon_by_plateau_ratio",
            $"a smaller ε delays generalization more: the ratio of the test to the train plateau step falls as ε grows (Kumar et al. 2024; paper {Figure})",
            "the ε sweep", byRatio),
        new("delay_falls_with_epsilon_by_test_plateau",
            $"a smaller ε delays generalization more: the test plateau step falls as ε grows (Kumar et al. 2024; paper {Figure})",
            "the ε sweep", byTestPlateau),
    ];

    /// <summary>The largest GD sharpness γ·c·λ_max/n of any sub-run, at its start or end.</summary>
    public double MaxSharpness => Runs.Max(r => Math.Max(r.InitialSharpness, r.FinalSharpness));

    /// <summary>
    /// Kumar et al.'s ordering — a smaller ε (an initial kernel less aligned with the quadratic target) delays
    /// generalization more — judged under both definitions of the delay, which can disagree (null with one ε).
    /// </summary>
    public (Verdict ByRatio, Verdict ByTestPlateau)? EpsilonOrdering()
    {
        if (Groups.Count < 2) return null;
        var byEpsilon = Groups.OrderBy(g => g[0].Epsilon).ToList();
        var labels = byEpsilon.Select(Where).ToList();
        var x = byEpsilon.Select(g => g[0].Epsilon).ToList();
        return (Ordering(x, byEpsilon, labels, TrendDirection.Falls, r => (double)r.TestPlateau / Math.Max(r.TrainPlateau, 1)),
            Ordering(x, byEpsilon, labels, TrendDirection.Falls, r => r.TestPlateau));
    }
}
