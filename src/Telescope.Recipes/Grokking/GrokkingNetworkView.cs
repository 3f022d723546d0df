namespace Telescope.Recipes.Grokking;

/// <summary>
/// The grokking findings read from the network's own p_net (docs/method.md §5.2) instead of the smoother's p: a copy of a run
/// whose points carry p_net, so <see cref="GrokkingFindings"/> answers the docs/method.md §9 question from it unchanged.
/// </summary>
internal static class GrokkingNetworkView
{
    /// <summary>The run with p := p_net at every logged step that has it (null when none has).</summary>
    public static GrokkingRun? Of(GrokkingRun run)
    {
        if (run.Sensitivity.Count != run.Points.Count || run.Sensitivity.All(s => s.Train is null)) return null;
        var view = new GrokkingRun { Label = run.Label, Configuration = run.Configuration, Seed = run.Seed };
        foreach (var (p, s) in run.Points.Zip(run.Sensitivity))
            if (s.Train is { } a && s.Test is { } b)
                view.Points.Add(p with { PTrain = a.Value, PTrainSe = a.StandardError, PTest = b.Value, PTestSe = b.StandardError, PGapSe = SensitivityColumns.GapStandardError(s) });
        return view;
    }

    /// <summary>
    /// p_train, p_test of the smoother and p_net_train, p_net_test against the step (top, log-log), and λ_t with its bound
    /// (bottom): where the surrogate leaves the network, and whether it is unstable there. Mean ± sd over the
    /// configuration's seeds (plain lines with one seed).
    /// </summary>
    public static IFigure Overlay(IReadOnlyList<GrokkingRun> seeds, StabilityBound? bound, string title)
    {
        var steps = seeds[0].Points.Where(p => p.Step > 0).Select(p => (double)p.Step).ToArray();
        Verdicts.SeededSeries Net(Func<SensitivityPoint, double?> value) => GrokkingCharts.Series(seeds.Select(r => r.Sensitivity), p => p.Step, p => value(p) ?? double.NaN);
        var top = new LineChart { Title = title, YLabel = "effective parameters", LogX = true, LogY = true };
        if (seeds.Any(r => r.Points.Any(p => p.Step > 0 && double.IsFinite(p.PTrain))))
            top.AddSeeded("p_train (smoother)", GrokkingCharts.Series(seeds, p => p.PTrain))
               .AddSeeded("p_test (smoother)", GrokkingCharts.Series(seeds, p => p.PTest), dashed: true);
        if (seeds.Any(r => r.Sensitivity.Any(p => p.Step > 0 && p.Train is not null)))
            top.AddSeeded("p_net_train (retraining)", Net(p => p.Train?.Value), markers: true)
               .AddSeeded("p_net_test (retraining)", Net(p => p.Test?.Value), markers: true, dashed: true);
        var bottom = new LineChart { XLabel = "step", YLabel = "surrogate sharpness λ_t", LogX = true, LogY = true };
        if (seeds.Any(r => r.Sensitivity.Any(p => p.Step > 0 && p.Sharpness is not null)))
        {
            bottom.AddSeeded("λ_t", Net(p => p.Sharpness), markers: true);
            if (bound is not null) bottom.AddSeries($"bound {bound.Name} = {SensitivityFindings.F(bound.Value)}", [steps[0], steps[^1]], [bound.Value, bound.Value], dashed: true);
        }
        return bottom.Series.Count == 0 ? top : new StackedChart(top, bottom);
    }
}
