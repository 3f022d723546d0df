namespace Telescope.Recipes.Lmc;

/// <summary>
/// lmc's numbers and verdicts from the sub-run results (docs/recipes/lmc.md): the per-arm series against the spawn
/// step (seed means and spreads), the noise-aware verdicts on docs/method.md §9's claims and the facts the findings
/// state. Computes, writes nothing: <see cref="LmcOutput"/> turns it into summary.json, figures and prose.
/// </summary>
internal sealed class LmcAnalysis(LmcSettings s, LmcSetup setup, IReadOnlyList<LmcSpawnResult> results)
{
    /// <summary>The arms with results, in the order of the settings.</summary>
    public IReadOnlyList<string> Arms { get; } = s.Arms.Where(a => results.Any(r => r.Arm == a)).ToArray();

    /// <summary>The layer groups of the gradient change, in the network's order.</summary>
    public IReadOnlyList<string> GroupNames { get; } = results[0].GradientChange.Select(g => g.Group).ToArray();

    /// <summary>The results of one arm at one spawn step, one per seed in seed order.</summary>
    public IReadOnlyList<LmcSpawnResult> At(string arm, int t) =>
        setup.Seeds.Select(seed => results.Single(r => r.Arm == arm && r.Seed == seed && r.SpawnStep == t)).ToArray();

    /// <summary>A quantity of one arm against the spawn step (x = t′ + 1, for the log axis), one sample per seed.</summary>
    public SeededSeries Series(string arm, Func<LmcSpawnResult, double> value) =>
        SeededSeries.FromSeeds(setup.SpawnSteps.Select(t => t + 1.0).ToArray(),
            setup.SpawnSteps.Select(t => (IReadOnlyList<double>)At(arm, t).Select(value).ToArray()).ToArray());

    /// <summary>The statistical verdicts on docs/method.md §9's claims, judged by the recipe's verdict criteria.</summary>
    public IEnumerable<(string Key, string Claim, Verdict Verdict)> Verdicts()
    {
        foreach (var a in Arms)
        {
            if (a == "random")
                yield return ("random_drop_falls", "random init: the accuracy drop falls as t′ grows (slope against ln(t′ + 1))",
                    Falls(a, r => r.AccuracyDrop).Verdict);
            yield return ($"{a}_gradient_change_falls", $"{a}: the gradient change (mean over layer groups) falls as t′ grows (slope against ln(t′ + 1))",
                Falls(a, r => r.MeanGradientChange).Verdict);
        }
        if (!BothArms) yield break;
        int first = setup.SpawnSteps[0];
        yield return ("pretrained_drop_smaller", $"the accuracy drop at the first spawn step (t′ = {first}) is smaller when pretrained",
            Gap(At("pretrained", first).Select(r => r.AccuracyDrop), At("random", first).Select(r => r.AccuracyDrop), ("drop pretrained", "drop random")));
        double MeanOverSteps(string arm, long seed) =>
            setup.SpawnSteps.Average(t => results.Single(r => r.Arm == arm && r.Seed == seed && r.SpawnStep == t).MeanGradientChange);
        yield return ("pretrained_gradient_change_smaller", "the gradient change (mean over layer groups and spawn steps) is smaller when pretrained",
            Gap(setup.Seeds.Select(seed => MeanOverSteps("pretrained", seed)), setup.Seeds.Select(seed => MeanOverSteps("random", seed)), ("pretrained", "random")));
    }

    /// <summary>findings.json: <see cref="Verdicts"/> citing the paper's figure, each placed in the whole sweep (model, spawn steps, seeds).</summary>
    public IEnumerable<RunFinding> RunFindings()
    {
        string where = $"{ModelText}, spawn steps {string.Join(", ", setup.SpawnSteps)}, " + (setup.Seeded ? $"{setup.Seeds.Count} seeds" : "one seed");
        return Verdicts().Select(v => new RunFinding(v.Key, "paper Fig. 6 (docs/method.md §9): " + v.Claim, where, v.Verdict));
    }

    /// <summary>The network as summary.json, report.md and findings.json name it.</summary>
    public string ModelText => $"ResNet-{6 * setup.Model.BlocksPerStage + 2} (w = {setup.Model.Width}, {setup.Model.Norm}" +
        (setup.Model.Norm == Models.NormKind.GroupNorm ? $", {setup.Model.Groups} groups" : "") + $", {setup.Model.DType})";

    private bool BothArms => Arms.Contains("random") && Arms.Contains("pretrained");

    /// <summary>"The quantity falls as t′ grows": its slope against ln(t′ + 1), every seed's value a point.</summary>
    private TrendResult Falls(string arm, Func<LmcSpawnResult, double> value) =>
        TrendCheck.Judge(Series(arm, value), s.Verdicts, TrendDirection.Falls, Math.Log);

    /// <summary>GapCheck on seed means: the gap's standard error from the seed spread of both arms (unknown with one seed).</summary>
    private Verdict Gap(IEnumerable<double> lower, IEnumerable<double> higher, (string, string) names)
    {
        var (ma, sa, na) = SeedAggregate.MeanSd(lower);
        var (mb, sb, nb) = SeedAggregate.MeanSd(higher);
        double se = sa is { } x && sb is { } y ? Math.Sqrt(x * x / na + y * y / nb) : double.NaN;
        return GapCheck.ClearlyBelow(ma, mb, se, s.Verdicts, names);
    }

    /// <summary>What the findings state about one arm.</summary>
    public ArmFacts Arm(string arm)
    {
        var drops = Series(arm, r => r.AccuracyDrop);
        var gap = Series(arm, r => r.Linearization.LinearizationGap);
        var nonlinearity = Series(arm, r => r.Linearization.PathNonlinearity);
        var children = results.Where(r => r.Arm == arm).SelectMany(r => new[] { r.AccChild1, r.AccChild2 }).ToArray();
        int falling = GroupNames.Count(g => Falls(arm, r => r.GradientChange.First(x => x.Group == g).Value).Verdict.Outcome == VerdictOutcome.Agrees);
        return new ArmFacts(drops, drops.Means[0] >= s.LargeDrop, drops.Means[0] < s.NearZeroDrop, drops.Means[^1] < s.NearZeroDrop,
            children.Min(), children.Max(), Series(arm, r => r.MeanGradientChange), falling, gap, nonlinearity,
            Correlation(drops.Means, gap.Means), Correlation(drops.Means, nonlinearity.Means));
    }

    /// <summary>Pretrained against random at the same spawn steps (seed means), when both arms ran.</summary>
    public ArmComparison? Compare()
    {
        if (!BothArms) return null;
        var r = Series("random", x => x.AccuracyDrop).Means;
        var p = Series("pretrained", x => x.AccuracyDrop).Means;
        var rg = Series("random", x => x.MeanGradientChange).Means;
        var pg = Series("pretrained", x => x.MeanGradientChange).Means;
        int n = setup.SpawnSteps.Count;
        return new ArmComparison(Enumerable.Range(0, n).Count(i => p[i] < r[i]), Enumerable.Range(0, n).Count(i => pg[i] < rg[i]), n, p[0], r[0],
            results.Where(x => x.Arm == "pretrained").Select(x => x.PretrainAccuracy).Distinct().ToArray());
    }

    /// <summary>Pearson correlation; NaN below three points.</summary>
    public static double Correlation(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count < 3) return double.NaN;
        double mx = x.Average(), my = y.Average();
        double sxy = x.Zip(y).Sum(p => (p.First - mx) * (p.Second - my));
        double sxx = x.Sum(v => (v - mx) * (v - mx)), syy = y.Sum(v => (v - my) * (v - my));
        return sxy / Math.Sqrt(sxx * syy);
    }
}

/// <summary>The facts of one arm: drops against t′ and the thresholds' readings, children's accuracies, gradient change and the telescoping view.</summary>
internal sealed record ArmFacts(SeededSeries Drops, bool LargeAtFirst, bool NearZeroAtFirst, bool NearZeroAtLast, double ChildAccuracyMin,
    double ChildAccuracyMax, SeededSeries GradientChange, int FallingGroups, SeededSeries LinearizationGap, SeededSeries PathNonlinearity,
    double DropGapCorrelation, double DropNonlinearityCorrelation);

/// <summary>Pretrained vs random: at how many of the spawn steps each quantity is smaller when pretrained, the first drops, pretraining accuracy.</summary>
internal sealed record ArmComparison(int DropSmaller, int GradientChangeSmaller, int SpawnSteps, double FirstDropPretrained, double FirstDropRandom,
    IReadOnlyList<double> PretrainAccuracies);
