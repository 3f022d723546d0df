using Telescope.Reporting;

namespace Telescope.Experiments.Grokking;

/// <summary>The two-panel figure of paper Fig. 4: the train/test metric (top) and p_train/p_test (bottom) against the step.</summary>
internal static class GrokkingCharts
{
    /// <summary>Step 0 is left out: it has no place on the log step axis (and p = 0 there by definition).</summary>
    public static StackedChart Dynamics(GrokkingRun run, string title, string metric, bool logMetric)
    {
        var points = run.Points.Where(p => p.Step > 0).ToList();
        var steps = points.Select(p => (double)p.Step).ToArray();
        var top = new LineChart { Title = title, YLabel = metric, LogX = true, LogY = logMetric }
            .AddSeries("train", steps, points.Select(p => p.Train).ToArray())
            .AddSeries("test", steps, points.Select(p => p.Test).ToArray(), dashed: true);
        var bottom = new LineChart { XLabel = "step", YLabel = "effective parameters p", LogX = true }
            .AddSeries("p_train", steps, points.Select(p => p.PTrain).ToArray())
            .AddSeries("p_test", steps, points.Select(p => p.PTest).ToArray(), dashed: true);
        return new StackedChart(top, bottom);
    }
}
