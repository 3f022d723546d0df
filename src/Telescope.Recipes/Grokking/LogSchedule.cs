namespace Telescope.Recipes.Grokking;

/// <summary>
/// The steps at which a grokking run measures: 0, a geometric grid (so the log-step figures have evenly
/// spread points), every <c>every</c> steps (so late plateaus are resolved), and the last step.
/// </summary>
public static class LogSchedule
{
    /// <summary>Sorted, distinct steps in [0, <paramref name="steps"/>].</summary>
    /// <param name="steps">T, the last step.</param>
    /// <param name="perDecade">Points per factor 10 of the geometric grid (≥ 1).</param>
    /// <param name="every">Also every this many steps (≥ 1).</param>
    public static IReadOnlyList<int> Steps(int steps, int perDecade, int every)
    {
        if (steps < 1) throw new ArgumentException($"The run needs at least one step; got {steps}.", nameof(steps));
        if (perDecade < 1) throw new ArgumentException($"Points per decade must be ≥ 1; got {perDecade}.", nameof(perDecade));
        if (every < 1) throw new ArgumentException($"The logging interval must be ≥ 1; got {every}.", nameof(every));
        var set = new SortedSet<int> { 0, steps };
        for (int i = 0; ; i++)
        {
            double s = Math.Pow(10, i / (double)perDecade);
            if (s > steps) break;
            set.Add((int)Math.Round(s));
        }
        for (int s = every; s < steps; s += every) set.Add(s);
        return set.ToArray();
    }
}
