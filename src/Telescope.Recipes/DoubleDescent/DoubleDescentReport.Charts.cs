namespace Telescope.Recipes.DoubleDescent;

/// <summary>The figures of report.md: curves over width from the analysis, flagged networks as crosses.</summary>
internal sealed partial class DoubleDescentReport
{
    private IEnumerable<(double Noise, int Group)> NoiseGroups => analysis.Noises.Select((noise, i) => (noise, i));

    /// <summary>
    /// Mean ± sd curves of the networks <paramref name="include"/> admits, those <paramref name="crossed"/> marks (by
    /// default the networks not in the curve) as crosses at their own values, and h* over the range of every network's value.
    /// </summary>
    private void AddCurves(LineChart chart, Func<WidthRun, double> value, Func<WidthRun, bool> include, Func<WidthRun, bool>? crossed = null,
        string crossName = "not in curve")
    {
        foreach (var (noise, group) in NoiseGroups)
        {
            chart.AddSeeded($"noise {F(noise)}", analysis.Curve(noise, value, include), markers: true, colorGroup: group);
            var flagged = Sweep(noise).Where(crossed ?? (r => !InCurve(r))).ToList();
            if (flagged.Count > 0)
                chart.AddFlagged($"noise {F(noise)}: {crossName}", flagged.Select(r => (double)r.Width).ToList(), flagged.Select(value).ToList(), group);
        }
        AddThreshold(chart, runs.Select(value));
    }

    /// <summary>A train (solid) and a test (dashed) p curve of one noise level over the networks <paramref name="include"/> admits, in one colour.</summary>
    private void AddTrainTest(LineChart chart, (string Train, string Test) names, double noise, Func<WidthRun, double> train, Func<WidthRun, double> test,
        Func<WidthRun, bool> include, bool markers, int group)
    {
        chart.AddSeeded($"{names.Train}, noise {F(noise)}", analysis.Curve(noise, train, include), markers: markers, colorGroup: group);
        chart.AddSeeded($"{names.Test}, noise {F(noise)}", analysis.Curve(noise, test, include), markers: markers, dashed: true, colorGroup: group);
    }

    private IFigure MseFigure()
    {
        var top = new LineChart { Title = "Double descent: MSE against width", YLabel = "test MSE (clean targets)", LogX = true };
        var bottom = new LineChart { XLabel = "hidden width h (log scale)", YLabel = "train MSE (targets trained on)", LogX = true };
        AddCurves(top, r => r.Final.TestMse, InCurve);
        AddCurves(bottom, r => r.Final.TrainMse, InCurve);
        return new StackedChart(top, bottom);
    }

    private LineChart StepsFigure()
    {
        var chart = new LineChart { Title = "Training steps to convergence", XLabel = "hidden width h (log scale)", YLabel = "steps used", LogX = true };
        AddCurves(chart, r => r.Steps, _ => true, crossed: r => r.Capped, crossName: "capped");
        return chart;
    }

    private LineChart PFigure()
    {
        var chart = new LineChart { Title = "Effective parameters against width", XLabel = "hidden width h (log scale)", YLabel = "effective parameters p", LogX = true };
        foreach (var (noise, group) in NoiseGroups)
            AddTrainTest(chart, ("p_train", "p_test"), noise, r => r.Final.PTrain.Value, r => r.Final.PTest.Value, analysis.Usable, markers: true, group);
        AddThreshold(chart, runs.Where(analysis.Usable).SelectMany(r => new[] { r.Final.PTrain.Value, r.Final.PTest.Value }));
        chart.LegendOutside = true;
        return chart;
    }

    private void AddThreshold(LineChart chart, IEnumerable<double> values)
    {
        var finite = values.Where(double.IsFinite).ToList();
        if (finite.Count == 0) return;
        // Palette colour 7 (grey), apart from the curves' colours.
        chart.AddSeries($"h* (P = n = {N})", [ThresholdWidth, ThresholdWidth], [Math.Min(0, finite.Min()), finite.Max()], dashed: true, colorGroup: 7);
    }

    private IFigure NetFigure()
    {
        var chart = new LineChart { Title = "p_net (retraining) and the smoother's p against width", XLabel = "hidden width h (log scale)", YLabel = "effective parameters", LogX = true, LogY = true, LegendOutside = true };
        bool Has(WidthRun r) => InCurve(r) && Net(r) is { Train: not null, Test: not null };
        foreach (var (noise, group) in NoiseGroups)
        {
            AddTrainTest(chart, ("p_net_train", "p_net_test"), noise, r => Net(r)!.Train!.Value, r => Net(r)!.Test!.Value, Has, markers: true, 2 * group);
            if (s.HasSmoother)
                AddTrainTest(chart, ("p_train (smoother)", "p_test (smoother)"), noise, r => r.Final.PTrain.Value, r => r.Final.PTest.Value, Has, markers: false, 2 * group + 1);
        }
        return chart;
    }
}
