namespace Telescope.Recipes.Grokking;

/// <summary>How p_test relates to p_train early and at the end (docs/method.md §9), from one run's logged points.</summary>
/// <param name="First">The first logged step after 0 (where S_0 = 0 makes both p zero).</param>
/// <param name="AtPlateau">The last logged step of the early phase: logged steps in (0, step_train_plateau].</param>
/// <param name="AboveShare">Share of the early phase's logged steps with p_test ≥ p_train.</param>
/// <param name="Last">The final logged step.</param>
/// <param name="Gap">(p_train − p_test)/p_train at the end.</param>
/// <param name="End">The verdict on "p_test ends clearly below p_train".</param>
/// <param name="Crossing">The last logged step at which p_test − p_train changed sign from ≥ 0 to &lt; 0 (null if never).</param>
internal sealed record EffectiveParameterFinding(GrokkingPoint First, GrokkingPoint AtPlateau, double AboveShare, GrokkingPoint Last,
    double Gap, Verdict End, int? Crossing)
{
    /// <summary>p_test starts at or above p_train: it is so at half or more of the early phase's logged steps.</summary>
    public bool StartsAbove => AboveShare >= 0.5;
}

/// <summary>Delayed generalization: when the train and the test metric settle (<see cref="Plateau"/>).</summary>
/// <param name="AtTrainPlateau">The logged point at which the train metric settled.</param>
/// <param name="TestDone">The share of the test metric's total change made by then (1 when it did not change).</param>
internal sealed record DelayFinding(GrokkingPoint Start, GrokkingPoint AtTrainPlateau, GrokkingPoint Final, int TrainPlateau, int TestPlateau, double TestDone);

/// <summary>One configuration's findings, its seeds taken as one run (<see cref="SeedMean"/>).</summary>
/// <param name="Seeds">The configuration's sub-runs, one per seed.</param>
/// <param name="Smoother">From the smoother's p; null when the smoother did not run.</param>
/// <param name="Net">From the network's p_net; null unless every seed measured it.</param>
internal sealed record ConfigurationFinding<TRun>(IReadOnlyList<TRun> Seeds, DelayFinding Delay, EffectiveParameterFinding? Smoother,
    EffectiveParameterFinding? Net) where TRun : GrokkingRun
{
    /// <summary>The first seed's last p_net point (its linearity qualifies <see cref="Net"/>).</summary>
    public SensitivityPoint LastNet => Seeds[0].Sensitivity[^1];
}

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
    /// How p_test relates to p_train early and at the end, with the docs/method.md §9 verdict. "Early" is the phase before the
    /// training metric settles (logged steps in (0, step_train_plateau]): the first few steps are a transient in which
    /// both p grow from 0, so a single step would not describe it.
    /// </summary>
    public static EffectiveParameterFinding EffectiveParameters(GrokkingRun run, ClearlyBelowRule rule)
    {
        var first = run.Points.FirstOrDefault(p => p.Step > 0) ?? run.Points[0];
        var last = run.Final;
        var early = run.Points.Where(p => p.Step > 0 && p.Step <= run.TrainPlateau).ToList();
        if (early.Count == 0) early = [first];
        double aboveShare = early.Count(p => p.PTest >= p.PTrain) / (double)early.Count;
        // The paired SE of the difference when known (shared Hutchinson directions); else the independent bound.
        double se = last.PGapSe ?? Math.Sqrt(last.PTrainSe * last.PTrainSe + last.PTestSe * last.PTestSe);
        return new EffectiveParameterFinding(first, early[^1], aboveShare, last, (last.PTrain - last.PTest) / last.PTrain,
            rule.Judge(last.PTest, last.PTrain, se), CrossingBelow(run));
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
    public static ConfigurationFinding<TRun> Configuration<TRun>(IReadOnlyList<TRun> seeds, bool useSmoother, ClearlyBelowRule rule) where TRun : GrokkingRun
    {
        var mean = SeedMean.Of(seeds);
        var views = seeds.Select(r => GrokkingNetworkView.Of(r, r.Sensitivity)).ToList();
        return new ConfigurationFinding<TRun>(seeds, Delay(mean), useSmoother ? EffectiveParameters(mean, rule) : null,
            views.All(v => v is not null) ? EffectiveParameters(SeedMean.Of(views!), rule) : null);
    }
}
