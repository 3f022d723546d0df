namespace Telescope.Verdicts;

/// <summary>
/// A measured series over a grid (widths, steps, π, …) with one value per seed at each grid point — what every
/// verdict is computed from. Non-finite values (a diverged seed) are dropped from a point's samples.
/// </summary>
/// <example>
/// <code>
/// var mse = SeededSeries.FromSeeds([1, 2, 4, 8], [[0.5, 0.6], [0.9, 1.1], [0.7, 0.6], [0.4, 0.5]]);
/// var peak = PeakCheck.Find(mse, VerdictCriteria.Default, expectPeak: true);
/// </code>
/// </example>
public sealed class SeededSeries
{
    private SeededSeries(double[] x, double[][] samples)
    {
        X = x;
        Samples = samples;
        Means = samples.Select(s => s.Length == 0 ? double.NaN : s.Average()).ToArray();
        Sds = samples.Select(StandardDeviation).ToArray();
    }

    /// <summary>Grid coordinates, increasing.</summary>
    public IReadOnlyList<double> X { get; }
    /// <summary>The finite values at each grid point, one per seed.</summary>
    public IReadOnlyList<double[]> Samples { get; }
    /// <summary>Mean over seeds per grid point (NaN where no seed gave a finite value).</summary>
    public IReadOnlyList<double> Means { get; }
    /// <summary>Sample standard deviation over seeds per grid point (NaN with fewer than two seeds).</summary>
    public IReadOnlyList<double> Sds { get; }
    /// <summary>Number of grid points.</summary>
    public int Count => X.Count;
    /// <summary>The smallest number of finite seeds at any grid point.</summary>
    public int SeedCount => Samples.Count == 0 ? 0 : Samples.Min(s => s.Length);

    /// <summary>One seed: a value per grid point.</summary>
    public static SeededSeries FromSingle(IReadOnlyList<double> x, IReadOnlyList<double> values)
    {
        if (x.Count != values.Count) throw new ArgumentException($"One value per grid point is needed; got {x.Count} points and {values.Count} values.");
        return FromSeeds(x, values.Select(v => new[] { v }).ToArray());
    }

    /// <summary>Several seeds: <paramref name="samples"/>[i] holds the values of every seed at grid point i.</summary>
    public static SeededSeries FromSeeds(IReadOnlyList<double> x, IReadOnlyList<IReadOnlyList<double>> samples)
    {
        if (x.Count != samples.Count) throw new ArgumentException($"One sample list per grid point is needed; got {x.Count} points and {samples.Count} lists.");
        for (int i = 1; i < x.Count; i++)
            if (!(x[i] > x[i - 1])) throw new ArgumentException($"Grid coordinates must increase; {x[i]} follows {x[i - 1]}.");
        return new SeededSeries(x.ToArray(), samples.Select(s => s.Where(double.IsFinite).ToArray()).ToArray());
    }

    private static double StandardDeviation(double[] s)
    {
        if (s.Length < 2) return double.NaN;
        double mean = s.Average();
        return Math.Sqrt(s.Sum(v => (v - mean) * (v - mean)) / (s.Length - 1));
    }
}
