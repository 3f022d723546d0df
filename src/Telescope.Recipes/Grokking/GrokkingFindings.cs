using System.Globalization;

namespace Telescope.Recipes.Grokking;

/// <summary>Findings common to both grokking recipes, computed from the logged points only.</summary>
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

    /// <summary>The first logged step after 0 (where S_0 = 0 makes both p zero).</summary>
    public static GrokkingPoint FirstAfterStart(GrokkingRun run) => run.Points.FirstOrDefault(p => p.Step > 0) ?? run.Points[0];

    /// <summary>
    /// How p_test relates to p_train early and at the end, with the docs/method.md §9 verdict. "Early" is the phase before the
    /// training metric settles (logged steps in (0, step_train_plateau]): the first few steps are a transient in which
    /// both p grow from 0, so a single step would not describe it.
    /// </summary>
    public static string EffectiveParameterFinding(GrokkingRun run, ClearlyBelowRule rule)
    {
        var first = FirstAfterStart(run);
        var last = run.Final;
        var early = run.Points.Where(p => p.Step > 0 && p.Step <= run.TrainPlateau).ToList();
        if (early.Count == 0) early = [first];
        double aboveShare = early.Count(p => p.PTest >= p.PTrain) / (double)early.Count;
        var atPlateau = early[^1];
        bool startsAbove = aboveShare >= 0.5;
        double gap = (last.PTrain - last.PTest) / last.PTrain;
        // The paired SE of the difference when known (shared Hutchinson directions); else the independent bound.
        double se = last.PGapSe ?? Math.Sqrt(last.PTrainSe * last.PTrainSe + last.PTestSe * last.PTestSe);
        var verdict = rule.Judge(last.PTest, last.PTrain, se);
        var crossing = CrossingBelow(run);
        string endVerdict = (verdict.Outcome switch
        {
            Verdicts.VerdictOutcome.Agrees => "clearly below p_train",
            Verdicts.VerdictOutcome.Disagrees => "clearly ABOVE p_train",
            _ => gap > 0 ? "below p_train but NOT clearly" : "NOT below p_train",
        }) + $" ({verdict.Statement}; the docs/method.md §9 expectation 'ends clearly below' {verdict.Tag})";
        return $"before train settles (logged steps 1–{atPlateau.Step}) p_test ≥ p_train at {Pct(aboveShare)} of the logged steps — p_test {(startsAbove ? "starts at or above p_train" : "starts BELOW p_train")} " +
            $"(step {first.Step}: p_train {F(first.PTrain)}, p_test {F(first.PTest)}; step {atPlateau.Step}: p_train {F(atPlateau.PTrain)}, p_test {F(atPlateau.PTest)}); " +
            $"at step {last.Step}: p_train {F(last.PTrain)}{Se(last.PTrainSe)}, p_test {F(last.PTest)}{Se(last.PTestSe)} — p_test ends {endVerdict}" +
            (crossing is int c ? $"; p_test last crossed below p_train at logged step {c}." : ".");
    }

    /// <summary>Whether the run shows delayed generalization: train settles well before test.</summary>
    public static string DelayFinding(GrokkingRun run, string metric)
    {
        int a = run.TrainPlateau, b = run.TestPlateau;
        var start = run.Points[0];
        var atTrain = run.Points.First(p => p.Step == a);
        double testDone = start.Test == run.Final.Test ? 1 : (start.Test - atTrain.Test) / (start.Test - run.Final.Test);
        string verdict = a < b
            ? $"train settles first; test settles {F((double)b / Math.Max(a, 1))}× later"
            : a == b ? "train and test settle at the same logged step (no delay)" : "test settles BEFORE train (no delay)";
        return $"train {metric} {F(start.Train)} → {F(run.Final.Train)}, test {metric} {F(start.Test)} → {F(run.Final.Test)}; " +
            $"train within 10% of its final value at step {a}, test at step {b} — {verdict}. " +
            $"When train settled, test had made {Pct(testDone)} of its total change ({metric} {F(atTrain.Test)}).";
    }

    public static string F(double v) => v.ToString("G3", CultureInfo.InvariantCulture);
    public static string Pct(double v) => (100 * v).ToString("F0", CultureInfo.InvariantCulture) + "%";
    private static string Se(double se) => se > 0 ? $" ± {F(se)}" : "";
}
