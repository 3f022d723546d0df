using Telescope.Data;
using Telescope.Data.Tabular;

namespace Telescope.Tests.Boosting;

/// <summary>Small seeded regression problems for the boosting tests (standardized-scale targets).</summary>
internal static class SyntheticRegression
{
    /// <summary>Row-major features (rows × columns) and a nonlinear target with noise, roughly unit scale.</summary>
    internal static (double[] X, double[] Y) Make(int rows, int columns, ulong seed, double shift = 0)
    {
        var rng = new SplitMix64(seed);
        var x = new double[rows * columns];
        var y = new double[rows];
        for (int i = 0; i < rows; i++)
        {
            for (int c = 0; c < columns; c++) x[i * columns + c] = rng.NextGaussian() + shift;
            double x0 = x[i * columns], x1 = x[i * columns + 1 % columns], x2 = x[i * columns + 2 % columns];
            y[i] = Math.Sin(2 * x0) + 0.5 * x1 * x2 + 0.3 + 0.2 * rng.NextGaussian();
        }
        return (x, y);
    }
}
