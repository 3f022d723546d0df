namespace Telescope.Recipes.Grokking;

/// <summary>
/// The two-panel figure of paper Fig. 4: the train/test metric (top) and p_train/p_test (bottom) against the step,
/// as the mean over a configuration's seeds with a ±1 sd band (a plain line with one seed).
/// </summary>
internal static class GrokkingCharts
{
    /// <summary>Step 0 is left out: it has no place on the log step axis (and p = 0 there by definition).</summary>
    /// <param name="seeds">The configuration's sub-runs, one per seed, logged at the same steps.</param>
    public static StackedChart Dynamics(IReadOnlyList<GrokkingRun> seeds, string title, string metric, bool logMetric)
    {
        var top = new LineChart { Title = title, YLabel = metric, LogX = true, LogY = logMetric }
            .AddSeeded("train", Series(seeds, p => p.Train))
            .AddSeeded("test", Series(seeds, p => p.Test), dashed: true);
        var bottom = new LineChart { XLabel = "step", YLabel = "effective parameters p", LogX = true }
            .AddSeeded("p_train", Series(seeds, p => p.PTrain))
            .AddSeeded("p_test", Series(seeds, p => p.PTest), dashed: true);
        return new StackedChart(top, bottom);
    }

    /// <summary>A value of every seed at each logged step after 0 (the seeds share their log schedule).</summary>
    public static SeededSeries Series(IReadOnlyList<GrokkingRun> seeds, Func<GrokkingPoint, double> value) => Series(seeds.Select(r => r.Points), p => p.Step, value);

    /// <summary>The same for any logged points of every seed (the spectrum's, p_net's).</summary>
    public static SeededSeries Series<T>(IEnumerable<IEnumerable<T>> perSeed, Func<T, int> step, Func<T, double> value)
    {
        var logged = perSeed.Select(points => points.Where(p => step(p) > 0).ToArray()).ToArray();
        var steps = logged[0].Select(p => (double)step(p)).ToArray();
        return SeededSeries.FromSeeds(steps, steps.Select((_, i) => (IReadOnlyList<double>)logged.Select(points => value(points[i])).ToArray()).ToArray());
    }
}
