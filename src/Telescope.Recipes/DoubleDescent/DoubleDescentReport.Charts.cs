namespace Telescope.Recipes.DoubleDescent;

/// <summary>The figures of report.md: curves over width from the analysis, flagged networks as crosses.</summary>
internal sealed partial class DoubleDescentReport
{
    /// <summary>Mean ± sd curves of the networks in the curve, and the others as crosses at their own values.</summary>
    private void AddCurves(LineChart chart, Func<WidthRun, double> value, Func<WidthRun, bool> include, bool dashed = false, string suffix = "")
    {
        int group = 0;
        foreach (var noise in Noises)
        {
            chart.AddSeeded($"{suffix}noise {F(noise)}", Curve(noise, value, include), markers: true, dashed: dashed, colorGroup: group);
            var flagged = Sweep(noise).Where(r => !InCurve(r)).ToList();
            if (flagged.Count > 0)
                chart.AddFlagged($"{suffix}noise {F(noise)}: not in curve", flagged.Select(r => (double)r.Width).ToList(), flagged.Select(value).ToList(), group);
            group++;
        }
    }

    private IFigure MseFigure()
    {
        var top = new LineChart { Title = "Double descent: MSE against width", YLabel = "test MSE (clean targets)", LogX = true };
        var bottom = new LineChart { XLabel = "hidden width h (log scale)", YLabel = "train MSE (targets trained on)", LogX = true };
        AddCurves(top, r => r.Final.TestMse, InCurve);
        AddCurves(bottom, r => r.Final.TrainMse, InCurve);
        AddThreshold(top, runs.Select(r => r.Final.TestMse));
        AddThreshold(bottom, runs.Select(r => r.Final.TrainMse));
        return new StackedChart(top, bottom);
    }

    private LineChart StepsFigure()
    {
        var chart = new LineChart { Title = "Training steps to convergence", XLabel = "hidden width h (log scale)", YLabel = "steps used", LogX = true };
        int group = 0;
        foreach (var noise in Noises)
        {
            chart.AddSeeded($"noise {F(noise)}", Curve(noise, r => r.Steps, _ => true), markers: true, colorGroup: group);
            var capped = Sweep(noise).Where(r => r.Capped).ToList();
            if (capped.Count > 0)
                chart.AddFlagged($"noise {F(noise)}: capped", capped.Select(r => (double)r.Width).ToList(), capped.Select(r => (double)r.Steps).ToList(), group);
            group++;
        }
        AddThreshold(chart, runs.Select(r => (double)r.Steps));
        return chart;
    }

    private LineChart PFigure()
    {
        var chart = new LineChart { Title = "Effective parameters against width", XLabel = "hidden width h (log scale)", YLabel = "effective parameters p", LogX = true };
        int group = 0;
        foreach (var noise in Noises)
        {
            bool Usable(WidthRun r) => InCurve(r) && Reliable(r);
            chart.AddSeeded($"p_train, noise {F(noise)}", Curve(noise, r => r.Final.PTrain.Value, Usable), markers: true, colorGroup: group);
            chart.AddSeeded($"p_test, noise {F(noise)}", Curve(noise, r => r.Final.PTest.Value, Usable), markers: true, dashed: true, colorGroup: group);
            group++;
        }
        AddThreshold(chart, runs.Where(r => InCurve(r) && Reliable(r)).SelectMany(r => new[] { r.Final.PTrain.Value, r.Final.PTest.Value }));
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
        int group = 0;
        foreach (var noise in Noises)
        {
            bool Has(WidthRun r) => InCurve(r) && Net(r) is { Train: not null, Test: not null };
            chart.AddSeeded($"p_net_train, noise {F(noise)}", Curve(noise, r => Net(r)!.Train!.Value, Has), markers: true, colorGroup: group);
            chart.AddSeeded($"p_net_test, noise {F(noise)}", Curve(noise, r => Net(r)!.Test!.Value, Has), markers: true, dashed: true, colorGroup: group);
            if (s.HasSmoother)
            {
                chart.AddSeeded($"p_train (smoother), noise {F(noise)}", Curve(noise, r => r.Final.PTrain.Value, Has), colorGroup: group + 1);
                chart.AddSeeded($"p_test (smoother), noise {F(noise)}", Curve(noise, r => r.Final.PTest.Value, Has), dashed: true, colorGroup: group + 1);
            }
            group += 2;
        }
        return chart;
    }

}
