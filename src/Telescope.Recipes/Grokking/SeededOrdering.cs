namespace Telescope.Recipes.Grokking;

/// <summary>
/// A cited ordering along a grid (Kumar et al.'s ε, Omnigrok's α) judged from the seeds when there are several: the
/// least-squares slope over every seed's value must have a confidence interval that excludes 0
/// (<see cref="TrendCheck"/>); with one seed per point the measured ordering is described and the verdict is
/// inconclusive (<see cref="OrderingCheck.SingleRun"/>).
/// </summary>
internal static class SeededOrdering
{
    /// <param name="x">The grid coordinates, increasing (e.g. ε, or α).</param>
    /// <param name="samples">Every seed's value at each grid point.</param>
    /// <param name="labels">How to name each grid point.</param>
    /// <param name="expected">The cited direction along the grid.</param>
    /// <param name="criteria">The run's verdict criteria (the trend's confidence level).</param>
    public static Verdict Judge(IReadOnlyList<double> x, IReadOnlyList<IReadOnlyList<double>> samples, IReadOnlyList<string> labels,
        TrendDirection expected, VerdictCriteria criteria)
    {
        var series = SeededSeries.FromSeeds(x, samples);
        if (samples.All(s => s.Count == 1)) return OrderingCheck.SingleRun(series.Means, labels, expected);
        var trend = TrendCheck.Judge(series, criteria, expected);
        string means = string.Join(", ", labels.Select((l, i) => FormattableString.Invariant($"{l}: {series.Means[i]:G3} ± {series.Sds[i]:G3}")));
        return trend.Verdict with { Statement = $"mean ± sd over seeds {means}; slope over every seed's value {trend.Verdict.Statement}" };
    }
}
