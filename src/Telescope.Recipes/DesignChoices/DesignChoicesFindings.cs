namespace Telescope.Recipes.DesignChoices;

/// <summary>One arm of the sweep (an optimizer, SGD at γ/(1−β), an identity-net run) with its runs, one per seed, in seed order.</summary>
internal sealed record Arm(string Name, IReadOnlyList<DecompositionRun> Runs)
{
    public DecompositionRun First => Runs[0];
}

/// <summary>One tabular network arm (sgd or adam) with its runs, one per seed.</summary>
internal sealed record TabularArm(string Optimizer, IReadOnlyList<TabularKernelRun> Runs)
{
    public TabularKernelRun First => Runs[0];
}

/// <summary>A cited expectation (docs/method.md §9 row "design-choices", or our own comparison) and whether this run agrees.</summary>
internal sealed record ClaimVerdict(string Key, string Claim, Verdict Verdict);

/// <summary>
/// The analysis step of design-choices: from the sub-runs' results to the arms (runs grouped over the seeds), the
/// momentum comparisons (momentum vs rescaled SGD, one per seed) and every verdict, without any report text. With
/// several seeds a verdict is judged against the seed spread; with one, exact numbers against their thresholds and
/// correlations against the null standard error.
/// </summary>
internal sealed class DesignChoicesFindings
{
    private readonly DesignChoicesSettings _s;
    private readonly string? _tabularName;

    public DesignChoicesFindings(DesignChoicesSettings s, DesignChoicesFacts facts, IReadOnlyList<DecompositionRun> runs, IReadOnlyList<TabularKernelRun> tabularRuns)
    {
        _s = s;
        _tabularName = facts.Tabular?.Name;
        Runs = runs;
        Arms = runs.GroupBy(r => r.Arm).Select(g => new Arm(g.Key, g.ToList())).ToList();
        TabularArms = tabularRuns.GroupBy(r => r.Optimizer).Select(g => new TabularArm(g.Key, g.ToList())).ToList();
        foreach (long seed in Seeds)
        {
            var momentum = runs.FirstOrDefault(r => r.Seed == seed && r.Role == SubRunRole.Main && r.Optimizer == OptimizerChoice.SgdMomentum);
            if (momentum is null) continue;
            double rate = MomentumComparison.RescaledRate(momentum.LearningRate, s.Optimizer.Momentum);
            // SGD at γ/(1−β): the rescaled arm, or the main SGD arm when it already runs at that rate.
            var rescaled = runs.FirstOrDefault(r => r.Seed == seed && r.Optimizer == OptimizerChoice.Sgd && MomentumComparison.SameRate(r.LearningRate, rate));
            if (rescaled is not null)
                Comparisons.Add(new MomentumComparison(momentum, rescaled, facts.Outputs, s.PartThreshold));
        }
        Verdicts = Judge();
    }

    /// <summary>Every MNIST network.</summary>
    public IReadOnlyList<DecompositionRun> Runs { get; }
    /// <summary>The seed repetitions (one entry: a single run per arm).</summary>
    public IReadOnlyList<long> Seeds => _s.Seeds;
    public bool Seeded => Seeds.Count > 1;
    public IReadOnlyList<Arm> Arms { get; }
    public IReadOnlyList<TabularArm> TabularArms { get; }
    /// <summary>Momentum vs rescaled SGD, one per seed.</summary>
    public List<MomentumComparison> Comparisons { get; } = [];
    /// <summary>Every docs/method.md §9 expectation of the recipe, then our tabular kernel comparison, each with its verdict.</summary>
    public IReadOnlyList<ClaimVerdict> Verdicts { get; }
    /// <summary>findings.json: every verdict, each judged over all the run's seeds.</summary>
    public IEnumerable<RunFinding> RunFindings() =>
        Verdicts.Select(v => new RunFinding(v.Key, v.Claim, Seeded ? $"{Seeds.Count} seeds" : "one seed", v.Verdict));

    public IEnumerable<Arm> MainArms => Arms.Where(a => a.First.Role == SubRunRole.Main);
    public IEnumerable<Arm> Compared => Arms.Where(a => a.First.Role != SubRunRole.Identity);
    public IEnumerable<Arm> Decayed => Arms.Where(a => a.First.Final.DecayCumulativeDeviation is not null);
    public IEnumerable<Arm> Adaptive => MainArms.Where(a => a.First.Projection is not null);
    public IEnumerable<Arm> WithMomentum => MainArms.Where(a => a.First.Points.Any(p => p.CarriedProjection is not null));

    public static double MaxStepDeviation(DecompositionRun r) => r.Points.Max(p => p.DecayStepDeviationMax ?? 0);
    public static double? MeanStepDeviation(DecompositionRun r) => r.Points.Average(p => p.DecayStepDeviationMean);

    /// <summary>The alignments of the last kernel checkpoint (null without one).</summary>
    public static (double? Train, double? Test, double? TrainCentered, double? TestCentered) LastAlignment(DecompositionRun r)
    {
        var p = r.Points.LastOrDefault(p => p.AlignmentTrain is not null);
        return (p?.AlignmentTrain, p?.AlignmentTest, p?.AlignmentTrainCentered, p?.AlignmentTestCentered);
    }

    public TabularArm? TabularSgd => TabularArms.FirstOrDefault(a => a.Optimizer == OptimizerChoice.Sgd);
    public TabularArm? TabularAdam => TabularArms.FirstOrDefault(a => a.Optimizer == OptimizerChoice.Adam);

    private VerdictCriteria Criteria => _s.Verdicts;

    private List<ClaimVerdict> Judge()
    {
        var list = new List<ClaimVerdict>();
        double tolerance = _s.DecompositionTolerance;
        double worstGap = Runs.Max(r => r.Points.Max(p => Math.Max(p.Train.SumGap, p.Test.SumGap)));
        list.Add(new("components_sum_to_telescoping_change", "docs/method.md §9: each component's cumulative functional contribution sums to f̃ − f_θ0", new Verdict(
            worstGap <= tolerance ? VerdictOutcome.Agrees : VerdictOutcome.Disagrees,
            $"max |Σ_c C_c − (f̃ − f_θ0)| = {F(worstGap)} over {Runs.Count} runs and every log step, criterion ≤ {F(tolerance)} ({DesignChoicesSettings.DecompositionToleranceName})")));

        double identityTolerance = _s.IdentityTolerance;
        var homogeneous = Decayed.Where(a => a.First.Homogeneous).SelectMany(a => a.Runs).ToList();
        const string decayClaim = "docs/method.md §9: weight decay = −γλL·f for homogeneous nets";
        if (homogeneous.Count == 0)
            list.Add(new("weight_decay_identity", decayClaim, new Verdict(VerdictOutcome.Inconclusive, "no run of a bias-free ReLU net with scalar weight decay (add relu-nobias to identity_nets)")));
        else
        {
            double worst = homogeneous.Max(MaxStepDeviation);
            list.Add(new("weight_decay_identity", decayClaim, new Verdict(worst <= identityTolerance ? VerdictOutcome.Agrees : VerdictOutcome.Disagrees,
                $"largest per-step relative deviation {F(worst)} over {homogeneous.Count} homogeneous run(s) ({string.Join(", ", homogeneous.Select(r => r.Label).Distinct())}), criterion ≤ {F(identityTolerance)} ({DesignChoicesSettings.IdentityToleranceName})")));
        }

        const string momentumClaim = "docs/method.md §9: momentum departs from rescaled SGD only as the Jacobian moves";
        if (Comparisons.Count == 0)
            list.Add(new("momentum_vs_rescaled_sgd", momentumClaim, new Verdict(VerdictOutcome.Inconclusive, "no momentum comparison ran (add sgd_momentum to optimizers)")));
        else
        {
            list.Add(new("momentum_gap_follows_jacobian_drift_over_time", momentumClaim + " — over time: the gap grows in the log intervals where the Jacobian drifts (positive correlation)",
                PositiveCorrelation(Comparisons.Select(c => c.GrowthDriftCorrelation).ToList(), Comparisons[0].GrowthDriftPairs, "Pearson r")));
            list.Add(new("momentum_gap_follows_jacobian_drift_across_inputs", momentumClaim + " — across inputs: the probes furthest apart at the end are those whose J·v drifted most (positive rank correlation)",
                PositiveCorrelation(Comparisons.Select(c => c.PerInputRankCorrelation).ToList(), Comparisons[0].PerInputPairs, "Spearman ρ")));
        }

        // Both kernel blocks are judged: they need not agree (the committed one-seed full run: 1.4% off train×train, 0.7% test×train).
        IEnumerable<ClaimVerdict> Differs(string key, string where, IReadOnlyList<(double Train, double Test)> finals) =>
            new[] { ("train", finals.Select(f => f.Train)), ("test", finals.Select(f => f.Test)) }.Select(block => new ClaimVerdict(
                $"adaptive_kernel_differs_{key}_{block.Item1}",
                $"docs/method.md §9: Adam's kernel K^T differs measurably from K ({where}, final {block.Item1}×train block)",
                KernelDifference(block.Item2.ToList(), _s.KernelMinMisalignment)));
        foreach (var arm in Adaptive)
            list.AddRange(Differs($"{arm.Name}_mnist", $"{arm.Name}, MNIST",
                arm.Runs.Select(r => (LastAlignment(r).Train ?? double.NaN, LastAlignment(r).Test ?? double.NaN)).ToList()));
        if (TabularAdam is { } adam)
            list.AddRange(Differs("adam_tabular", $"adam, {_tabularName}", adam.Runs.Select(r => (r.Final.AlignmentTrain, r.Final.AlignmentTest)).ToList()));
        if (TabularFlatness() is { } flat) list.Add(flat);
        return list;
    }

    /// <summary>"r &gt; 0 beyond the noise": against the seed spread of r with several seeds, else the null SE 1/√(n − 3) of n pairs.</summary>
    private Verdict PositiveCorrelation(IReadOnlyList<double> perSeed, int pairs, string name)
    {
        var finite = perSeed.Where(double.IsFinite).ToList();
        if (finite.Count == 0) return new Verdict(VerdictOutcome.Inconclusive, $"{name} is not defined (fewer than 3 pairs, or no variation)");
        if (!Seeded)
            return GapCheck.ClearlyBelow(0, finite[0], pairs > 3 ? 1 / Math.Sqrt(pairs - 3) : double.NaN, Criteria, ("no correlation", $"{name} of {pairs} pairs"));
        var (mean, sd, count) = SeedAggregate.MeanSd(finite);
        return GapCheck.ClearlyBelow(0, mean, sd is double s ? s / Math.Sqrt(count) : double.NaN, Criteria, ("no correlation", $"mean {name} over {count} seeds"));
    }

    /// <summary>alignment(K^T, K) clearly below 1 by at least <paramref name="minimum"/> (and, with seeds, beyond the seed spread).</summary>
    private Verdict KernelDifference(IReadOnlyList<double> alignments, double minimum)
    {
        var finite = alignments.Where(double.IsFinite).ToList();
        if (finite.Count == 0) return new Verdict(VerdictOutcome.Inconclusive, "no kernel checkpoint was measured");
        if (!Seeded)   // an exact computation of one run: the threshold alone decides
            return GapCheck.ClearlyBelow(finite[0], 1, 0, Criteria, ("alignment(K^T, K)", "identical kernels"), minimum);
        var (mean, sd, count) = SeedAggregate.MeanSd(finite);
        return GapCheck.ClearlyBelow(mean, 1, sd is double s ? s / Math.Sqrt(count) : double.NaN, Criteria,
            ($"mean alignment(K^T, K) over {count} seeds", "identical kernels"), minimum);
    }

    /// <summary>Our tabular comparison (no paper claim): is Adam's K^T closer to the flat, tree-like W(1) = 1 than SGD's K?</summary>
    private ClaimVerdict? TabularFlatness()
    {
        if (TabularSgd is not { } sgd || TabularAdam is not { } adam) return null;
        static double Distance(TabularKernelRun r) => Math.Abs(r.WOwn[^1].Mean - 1);
        Verdict verdict;
        if (Seeded)
        {
            var dAdam = SeedAggregate.MeanSd(adam.Runs.Select(Distance));
            var dSgd = SeedAggregate.MeanSd(sgd.Runs.Select(Distance));
            // Paired by seed: the two networks of a seed share the data split and the T_π draws.
            var paired = SeedAggregate.MeanSd(sgd.Runs.Zip(adam.Runs, (s, a) => Distance(s) - Distance(a)));
            verdict = GapCheck.ClearlyBelow(dAdam.Mean, dSgd.Mean, paired.Sd is double sd ? sd / Math.Sqrt(paired.Count) : double.NaN, Criteria,
                ($"|W(1) − 1| of Adam's K^T (mean over {Seeds.Count} seeds)", "SGD's K"));
        }
        else
        {
            // One network each: the noise is that of the R test-set draws behind each W(1).
            int reps = _s.Tabular.Repetitions;
            double se = Math.Sqrt(Math.Pow(adam.First.WOwn[^1].Std, 2) + Math.Pow(sgd.First.WOwn[^1].Std, 2)) / Math.Sqrt(reps);
            verdict = GapCheck.ClearlyBelow(Distance(adam.First), Distance(sgd.First), reps > 1 ? se : double.NaN, Criteria,
                ($"|W(1) − 1| of Adam's K^T", "SGD's K (noise: the R test-set draws)"));
        }
        return new ClaimVerdict("adaptive_kernel_flatter_than_sgd_tabular", $"Our comparison on {_tabularName} (no paper claim): Adam's K^T is closer to the flat, tree-like W(1) = 1 than SGD's K", verdict);
    }

    /// <summary>A number in the verdicts and the report ("—" where nothing was measured).</summary>
    internal static string F(double v) => v.ToString("G3", CultureInfo.InvariantCulture);
    internal static string F(double? v) => v is double x ? F(x) : "—";
}
