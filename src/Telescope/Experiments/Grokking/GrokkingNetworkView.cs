using Telescope.Experiments.Sensitivity;
using Telescope.Reporting;
using Telescope.Smoothing;

namespace Telescope.Experiments.Grokking;

/// <summary>
/// The grokking findings read from the network's own p_net (SPEC §3b) instead of the smoother's p: a copy of a run
/// whose points carry p_net, so <see cref="GrokkingFindings"/> answers the SPEC §6 question from it unchanged.
/// </summary>
internal static class GrokkingNetworkView
{
    /// <summary>The run with p := p_net at every logged step that has it (null when none has).</summary>
    public static GrokkingRun? Of(GrokkingRun run, IReadOnlyList<SensitivityPoint> sensitivity)
    {
        if (sensitivity.Count != run.Points.Count || sensitivity.All(s => s.Train is null)) return null;
        var view = new GrokkingRun(run.Label);
        foreach (var (p, s) in run.Points.Zip(sensitivity))
            if (s.Train is { } a && s.Test is { } b)
                view.Points.Add(p with { PTrain = a.Value, PTrainSe = a.StandardError, PTest = b.Value, PTestSe = b.StandardError, PGapSe = SensitivityColumns.GapStandardError(s) });
        return view;
    }

    /// <summary>The SPEC §6 verdict from p_net, with the caveat when the final response is not linear at σ.</summary>
    public static string Finding(GrokkingRun view, SensitivityPoint last, ClearlyBelowRule rule)
    {
        string caveat = last.Train?.IsLinear == false || last.Test?.IsLinear == false
            ? $" **Caveat: at step {last.Step} the label response is not linear at σ = {SensitivityFindings.F(last.Train!.Sigma)} (p_0(σ)/p_0(σ/4) = {SensitivityFindings.F(last.Train.LinearityRatio ?? double.NaN)} train, {SensitivityFindings.F(last.Test!.LinearityRatio ?? double.NaN)} test), so these are finite-σ responses, not measurements of the first-order sensitivity.**"
            : "";
        return "**From p_net (retraining, SPEC §3b)**: " + GrokkingFindings.EffectiveParameterFinding(view, rule) + caveat;
    }

    /// <summary>
    /// p_train, p_test of the smoother and p_net_train, p_net_test against the step (top, log-log), and λ_t with its bound
    /// (bottom): where the surrogate leaves the network, and whether it is unstable there.
    /// </summary>
    public static IFigure Overlay(GrokkingRun run, IReadOnlyList<SensitivityPoint> sensitivity, StabilityBound? bound, string title)
    {
        var pairs = run.Points.Zip(sensitivity).Where(x => x.First.Step > 0).ToList();
        var steps = pairs.Select(x => (double)x.First.Step).ToArray();
        var top = new LineChart { Title = title, YLabel = "effective parameters", LogX = true, LogY = true };
        if (pairs.Any(x => double.IsFinite(x.First.PTrain)))
            top.AddSeries("p_train (smoother)", steps, pairs.Select(x => x.First.PTrain).ToArray())
               .AddSeries("p_test (smoother)", steps, pairs.Select(x => x.First.PTest).ToArray(), dashed: true);
        if (pairs.Any(x => x.Second.Train is not null))
            top.AddSeries("p_net_train (retraining)", steps, pairs.Select(x => x.Second.Train?.Value ?? double.NaN).ToArray(), markers: true)
               .AddSeries("p_net_test (retraining)", steps, pairs.Select(x => x.Second.Test?.Value ?? double.NaN).ToArray(), markers: true, dashed: true);
        var bottom = new LineChart { XLabel = "step", YLabel = "surrogate sharpness λ_t", LogX = true, LogY = true };
        if (pairs.Any(x => x.Second.Sharpness is not null))
        {
            bottom.AddSeries("λ_t", steps, pairs.Select(x => x.Second.Sharpness ?? double.NaN).ToArray(), markers: true);
            if (bound is not null) bottom.AddSeries($"bound {bound.Name} = {SensitivityFindings.F(bound.Value)}", [steps[0], steps[^1]], [bound.Value, bound.Value], dashed: true);
        }
        return bottom.Series.Count == 0 ? top : new StackedChart(top, bottom);
    }
}
