namespace Telescope.Recipes.Grokking;

/// <summary>How p_test relates to p_train early and at the end (docs/method.md §9), from one run's logged points.</summary>
/// <param name="First">The first logged step after 0 (where S_0 = 0 makes both p zero).</param>
/// <param name="AtPlateau">The last logged step of the early phase: logged steps in (0, step_train_plateau].</param>
/// <param name="AboveShare">Share of the early phase's logged steps with p_test ≥ p_train (the raw values, no noise).</param>
/// <param name="Start">The verdict on "p_test starts at or above p_train" (<see cref="GrokkingFindings.StartVerdict"/>).</param>
/// <param name="Gap">(p_train − p_test)/p_train at the end.</param>
/// <param name="End">The verdict on "p_test ends clearly below p_train".</param>
/// <param name="Crossing">The last logged step at which p_test − p_train changed sign from ≥ 0 to &lt; 0 (null if never).</param>
internal sealed record EffectiveParameterFinding(GrokkingPoint First, GrokkingPoint AtPlateau, double AboveShare, Verdict Start,
    GrokkingPoint Last, double Gap, Verdict End, int? Crossing);

/// <summary>Delayed generalization: when the train and the test metric settle (<see cref="Plateau"/>).</summary>
/// <param name="AtTrainPlateau">The logged point at which the train metric settled.</param>
/// <param name="TestDone">The share of the test metric's total change made by then (1 when it did not change).</param>
internal sealed record DelayFinding(GrokkingPoint Start, GrokkingPoint AtTrainPlateau, GrokkingPoint Final, int TrainPlateau, int TestPlateau, double TestDone);

/// <summary>One configuration's findings, its seeds taken as one run (<see cref="SeedMean"/>).</summary>
/// <param name="Smoother">From the smoother's p; null when the smoother did not run.</param>
/// <param name="Net">From the network's p_net; null unless every seed measured it.</param>
internal sealed record ConfigurationFinding<TRun>(IReadOnlyList<TRun> Seeds, DelayFinding Delay, EffectiveParameterFinding? Smoother,
    EffectiveParameterFinding? Net) where TRun : GrokkingRun;

/// <summary>The findings both grokking recipes compute from the logged points, as numbers and verdicts (no text).</summary>
internal static class GrokkingFindings
{
    /// <summary>The last logged step at which p_test − p_train changes sign from ≥ 0 to &lt; 0 (null if it never crosses below).</summary>
    public static int? CrossingBelow(GrokkingRun run)
    {
        int? crossing = null;
        var points = run.Points.Where(p => p.Step > 0).ToList();
        for (int i = 1; i < points.Count; i++)
            if (points[i - 1].PTest >= points[i - 1].PTrain && points[i].PTest < points[i].PTrain) crossing = points[i].Step;
        return crossing;
    }

    /// <summary>
    /// How p_test relates to p_train early and at the end, with the docs/method.md §9 verdicts. "Early" is the phase before the
    /// training metric settles (logged steps in (0, step_train_plateau]): the first few steps are a transient in which
    /// both p grow from 0, so a single step would not describe it.
    /// </summary>
    /// <param name="unreliable">Why the report flags p at a logged step as unreliable (null where it does not): such
    /// steps make the verdict that reads them inconclusive.</param>
    public static EffectiveParameterFinding EffectiveParameters(GrokkingRun run, ClearlyBelowRule rule, Func<int, string?>? unreliable = null)
    {
        unreliable ??= _ => null;
        var first = run.Points.FirstOrDefault(p => p.Step > 0) ?? run.Points[0];
        var last = run.Final;
        var early = run.Points.Where(p => p.Step > 0 && p.Step <= run.TrainPlateau).ToList();
        if (early.Count == 0) early = [first];
        double aboveShare = early.Count(p => p.PTest >= p.PTrain) / (double)early.Count;
        var end = rule.Judge(last.PTest, last.PTrain, GapSe(last));
        if (unreliable(last.Step) is string why)
            end = new Verdict(VerdictOutcome.Inconclusive, $"{end.Statement}; but the report flags p at step {last.Step} as unreliable ({why})");
        return new EffectiveParameterFinding(first, early[^1], aboveShare, StartVerdict(early, rule.Criteria.GapSeFactor, unreliable),
            last, (last.PTrain - last.PTest) / last.PTrain, end, CrossingBelow(run));
    }

    /// <summary>The paired SE of p_train − p_test when known (shared directions, or the seed spread); else the independent bound.</summary>
    public static double GapSe(GrokkingPoint p) => p.PGapSe ?? Math.Sqrt(p.PTrainSe * p.PTrainSe + p.PTestSe * p.PTestSe);

    /// <summary>
    /// "p_test starts at or above p_train", judged on the early phase's logged steps: a step counts as below when
    /// p_test &lt; p_train − k·SE (k = verdict_gap_se_factor, SE that of the gap; 0 for an exact smoother), as at or above
    /// otherwise, and as undecided when the SE is unknown. Agrees when at-or-above steps are at least half and outnumber the
    /// below ones, disagrees when below steps are at least half and outnumber the others; inconclusive otherwise, or when
    /// the report flags p as unreliable at any of these steps.
    /// </summary>
    public static Verdict StartVerdict(IReadOnlyList<GrokkingPoint> early, double k, Func<int, string?> unreliable)
    {
        var first = early[0];
        double firstSe = GapSe(first);
        string numbers = $"logged steps {early[0].Step}–{early[^1].Step} before train settles; at step {first.Step}: p_train {GrokkingText.F(first.PTrain)}, p_test {GrokkingText.F(first.PTest)}, " +
            (firstSe > 0 ? $"SE of the gap {GrokkingText.F(firstSe)}" : double.IsFinite(firstSe) ? "exact (SE 0)" : "SE unknown");
        if (early.Select(p => unreliable(p.Step)).FirstOrDefault(w => w is not null) is string why)
            return new Verdict(VerdictOutcome.Inconclusive, $"{numbers}; the report flags p as unreliable there ({why})");
        int below = 0, above = 0;
        foreach (var p in early)
        {
            double se = GapSe(p);
            if (!double.IsFinite(se) || !double.IsFinite(p.PTest - p.PTrain)) continue;
            if (p.PTest < p.PTrain - k * se) below++; else above++;
        }
        int n = early.Count;
        string counts = $"{numbers}; p_test < p_train − {GrokkingText.F(k)} SE at {below} of {n} steps, at or above that at {above}" +
            (n - below - above > 0 ? $", undecided (SE unknown) at {n - below - above}" : "");
        return 2 * above >= n && above > below ? new Verdict(VerdictOutcome.Agrees, counts)
            : 2 * below >= n && below > above ? new Verdict(VerdictOutcome.Disagrees, counts)
            : new Verdict(VerdictOutcome.Inconclusive, counts + ": neither side holds most steps");
    }

    /// <summary>When train and test settle, and how much of its change the test metric had made when train settled.</summary>
    public static DelayFinding Delay(GrokkingRun run)
    {
        int a = run.TrainPlateau, b = run.TestPlateau;
        var start = run.Points[0];
        var atTrain = run.Points.First(p => p.Step == a);
        double testDone = start.Test == run.Final.Test ? 1 : (start.Test - atTrain.Test) / (start.Test - run.Final.Test);
        return new DelayFinding(start, atTrain, run.Final, a, b, testDone);
    }

    /// <summary>The findings of one configuration's seeds: the delay, and p against p_train from the smoother and from p_net.</summary>
    /// <param name="pLimit">The smoother's p counts as blown up (unreliable) where p_train exceeds this (p_train_limit·n).</param>
    public static ConfigurationFinding<TRun> Configuration<TRun>(IReadOnlyList<TRun> seeds, bool useSmoother, ClearlyBelowRule rule,
        double pLimit = double.PositiveInfinity) where TRun : GrokkingRun
    {
        var mean = SeedMean.Of(seeds);
        var views = seeds.Select(r => GrokkingNetworkView.Of(r)).ToList();
        return new ConfigurationFinding<TRun>(seeds, Delay(mean), useSmoother ? EffectiveParameters(mean, rule, step => SmootherUnreliable(seeds, step, pLimit)) : null,
            views.All(v => v is not null) ? EffectiveParameters(SeedMean.Of(views!), rule, step => NetUnreliable(seeds, step)) : null);
    }

    /// <summary>Why the smoother's p is unreliable at a logged step in any seed (p_train above the limit, p_test not finite), or null.</summary>
    public static string? SmootherUnreliable(IEnumerable<GrokkingRun> seeds, int step, double pLimit) =>
        seeds.Select(r => r.Points.FirstOrDefault(p => p.Step == step)).FirstOrDefault(p => p is not null && !(p.PTrain <= pLimit && double.IsFinite(p.PTest))) is { } bad
            ? $"the smoother's p_train {GrokkingText.F(bad.PTrain)} exceeds p_train_limit·n = {GrokkingText.F(pLimit)} or p_test is not finite: blown up"
            : null;

    /// <summary>Why p_net is unreliable at a logged step in any seed (its response is not linear in the labels at σ), or null.</summary>
    public static string? NetUnreliable(IEnumerable<GrokkingRun> seeds, int step) =>
        seeds.Select(r => r.Sensitivity.FirstOrDefault(p => p.Step == step)).FirstOrDefault(p => p?.Train?.IsLinear == false || p?.Test?.IsLinear == false) is { } bad
            ? $"p_net is not linear in the labels at σ (p_0(σ)/p_0(σ/4) = {GrokkingText.F(bad.Train?.LinearityRatio ?? double.NaN)} train, {GrokkingText.F(bad.Test?.LinearityRatio ?? double.NaN)} test): a finite-σ response"
            : null;
}
