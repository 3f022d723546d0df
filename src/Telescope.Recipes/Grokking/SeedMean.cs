namespace Telescope.Recipes.Grokking;

/// <summary>
/// A configuration's seeds as one run for the findings: at each logged step the mean over seeds of every metric and
/// p, with the standard errors replaced by the seed-to-seed standard error of the mean (sd/√S) — for p_train, p_test
/// and their gap p_train − p_test (paired within each seed) — so that <see cref="GrokkingFindings"/> judges "clearly
/// below" against the spread between seeds. With one seed it is that seed's run, unchanged.
/// </summary>
internal static class SeedMean
{
    /// <param name="seeds">The configuration's sub-runs, logged at the same steps.</param>
    public static GrokkingRun Of(IReadOnlyList<GrokkingRun> seeds)
    {
        if (seeds.Count == 1) return seeds[0];
        int count = seeds[0].Points.Count;
        if (seeds.Any(r => r.Points.Count != count))
            throw new InvalidOperationException("The seeds of a configuration were logged at different steps.");
        var mean = new GrokkingRun { Label = seeds[0].Configuration, Configuration = seeds[0].Configuration };
        for (int i = 0; i < count; i++)
        {
            var at = seeds.Select(r => r.Points[i]).ToArray();
            double Mean(Func<GrokkingPoint, double> f) => SeedAggregate.MeanSd(at.Select(f)).Mean;
            double Se(Func<GrokkingPoint, double> f) => SeedAggregate.MeanSd(at.Select(f)) is { Sd: double sd, Count: var n } ? sd / Math.Sqrt(n) : double.NaN;
            double? MeanOf(Func<GrokkingPoint, double?> f) => at.All(p => f(p) is not null) ? Mean(p => f(p)!.Value) : null;
            mean.Points.Add(new GrokkingPoint(at[0].Step, Mean(p => p.Train), Mean(p => p.Test),
                Mean(p => p.PTrain), Se(p => p.PTrain), Mean(p => p.PTest), Se(p => p.PTest),
                MeanOf(p => p.TrainMse), MeanOf(p => p.TestMse), Se(p => p.PTrain - p.PTest)));
        }
        return mean;
    }

    /// <summary>A report table cell of a configuration's seeds: the value itself with one seed, "mean ± sd" over several.</summary>
    public static object? Cell<T>(IReadOnlyList<T> seeds, Func<T, object?> value) =>
        seeds.Count == 1 ? value(seeds[0]) : SeedCell(seeds.Select(r => value(r) is { } v ? Convert.ToDouble(v, CultureInfo.InvariantCulture) : (double?)null));

    /// <summary>"mean ± sd" of the finite values (the value alone with one, — with none).</summary>
    public static string SeedCell(IEnumerable<double?> values) => SeedAggregate.Text(values.Select(v => v ?? double.NaN), GrokkingText.F);

    /// <summary>How the findings of a configuration with <paramref name="seeds"/> seeds were judged (empty for one seed).</summary>
    public static string Describe(int seeds) => seeds > 1
        ? $" (mean over {seeds} seeds; every ± and the SE of the gap p_train − p_test are the seed-to-seed standard error of the mean, sd/√{seeds}, so \"clearly below\" is judged against the spread between seeds)"
        : "";
}
