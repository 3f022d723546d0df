namespace Telescope.Recipes;

/// <summary>
/// Builds the <see cref="SeededSeries"/> of a logged quantity from the seed repetitions of one grid point, for figures
/// with ±1 sd bands (<see cref="Reporting.LineChart.AddSeeded"/>) and verdicts over steps.
/// </summary>
internal static class SeededPoints
{
    /// <summary>
    /// The per-seed values of <paramref name="pick"/> at each logged point where the first seed has one (x = its
    /// step). Seeds of one grid point share their log steps, so the i-th point of every seed is the same step; a seed
    /// with fewer points (it diverged) or no value there is left out at that step.
    /// </summary>
    public static SeededSeries Of<TPoint>(IReadOnlyList<IReadOnlyList<TPoint>> perSeed, Func<TPoint, int> step, Func<TPoint, double?> pick)
    {
        var indices = Enumerable.Range(0, perSeed[0].Count).Where(i => pick(perSeed[0][i]) is not null).ToList();
        return SeededSeries.FromSeeds(indices.Select(i => (double)step(perSeed[0][i])).ToList(),
            indices.Select(i => (IReadOnlyList<double>)perSeed.Where(p => i < p.Count).Select(p => pick(p[i]) ?? double.NaN).ToArray()).ToList());
    }
}
