namespace Telescope.Recipes.Grokking;

/// <summary>The report sentences both grokking recipes write from <see cref="GrokkingFindings"/>.</summary>
internal static class GrokkingText
{
    /// <summary>p_test against p_train before train settles and at the end, with the docs/method.md §9 verdict.</summary>
    public static string Describe(EffectiveParameterFinding f)
    {
        var (atPlateau, last, verdict) = (f.AtPlateau, f.Last, f.End);
        string endVerdict = (verdict.Outcome switch
        {
            VerdictOutcome.Agrees => "clearly below p_train",
            // Disagrees also covers a gap below the clearly-below margin (exact values): the sign of the gap says which.
            VerdictOutcome.Disagrees => f.Gap > 0 ? "below p_train, but by less than the clearly-below margin" : "NOT below p_train",
            _ => f.Gap > 0 ? "below p_train but NOT clearly" : "NOT below p_train",
        }) + $" ({verdict.Statement}; the docs/method.md §9 expectation 'ends clearly below' {verdict.Tag})";
        return f.Start.About("p_test starts at or above p_train (docs/method.md §9)").TrimEnd('.') +
            $" (step {atPlateau.Step}: p_train {F(atPlateau.PTrain)}, p_test {F(atPlateau.PTest)}); " +
            $"at step {last.Step}: p_train {F(last.PTrain)}{Se(last.PTrainSe)}, p_test {F(last.PTest)}{Se(last.PTestSe)} — p_test ends {endVerdict}" +
            (f.Crossing is int c ? $"; p_test last crossed below p_train at logged step {c}." : ".");
    }

    /// <summary>Whether the run shows delayed generalization: train settles well before test.</summary>
    public static string Describe(DelayFinding d, string metric)
    {
        int a = d.TrainPlateau, b = d.TestPlateau;
        string verdict = a < b
            ? $"train settles first; test settles {F((double)b / Math.Max(a, 1))}× later"
            : a == b ? "train and test settle at the same logged step (no delay)" : "test settles BEFORE train (no delay)";
        return $"train {metric} {F(d.Start.Train)} → {F(d.Final.Train)}, test {metric} {F(d.Start.Test)} → {F(d.Final.Test)}; " +
            $"train within 10% of its final value at step {a}, test at step {b} — {verdict}. " +
            $"When train settled, test had made {Pct(d.TestDone)} of its total change ({metric} {F(d.AtTrainPlateau.Test)}).";
    }

    /// <summary>The docs/method.md §9 verdict from p_net, with the caveat when the final response is not linear at σ.</summary>
    public static string DescribeNet(EffectiveParameterFinding net, SensitivityPoint last)
    {
        string caveat = last.Train?.IsLinear == false || last.Test?.IsLinear == false
            ? $" **Caveat: at step {last.Step} the label response is not linear at σ = {SensitivityFindings.F(last.Train!.Sigma)} (p_0(σ)/p_0(σ/4) = {SensitivityFindings.F(last.Train.LinearityRatio ?? double.NaN)} train, {SensitivityFindings.F(last.Test!.LinearityRatio ?? double.NaN)} test), so these are finite-σ responses, not measurements of the first-order sensitivity.**"
            : "";
        return "**From p_net (retraining, docs/method.md §5.2)**: " + Describe(net) + caveat;
    }

    public static string F(double v) => v.ToString("G3", CultureInfo.InvariantCulture);
    public static string Pct(double v) => (100 * v).ToString("F0", CultureInfo.InvariantCulture) + "%";
    private static string Se(double se) => se > 0 ? $" ± {F(se)}" : "";
}
