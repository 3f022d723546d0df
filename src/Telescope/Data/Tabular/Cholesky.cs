namespace Telescope.Data.Tabular;

/// <summary>
/// Cholesky factorization A = L·Lᵀ of a symmetric positive definite matrix (float64, row-major), with
/// triangular solves. Small and dense: used for the d×d covariance of the irregularity score.
/// </summary>
public sealed class Cholesky
{
    private readonly double[] _l; // row-major d×d, lower triangle

    /// <summary>Matrix order d.</summary>
    public int Order { get; }

    private Cholesky(double[] l, int order)
    {
        _l = l;
        Order = order;
    }

    /// <summary>Factorizes a symmetric positive definite d×d matrix (only the lower triangle is read).</summary>
    public static Cholesky Factor(ReadOnlySpan<double> matrix, int order)
    {
        if (order < 1 || matrix.Length != order * order)
            throw new ArgumentException($"Expected a {order}×{order} matrix ({order * order} values), got {matrix.Length} values.", nameof(matrix));
        var l = new double[order * order];
        for (int j = 0; j < order; j++)
        {
            double diag = matrix[j * order + j];
            for (int k = 0; k < j; k++) diag -= l[j * order + k] * l[j * order + k];
            if (!(diag > 0))
                throw new ArgumentException($"Matrix is not positive definite (pivot {j} is {diag}); add a ridge to the diagonal.", nameof(matrix));
            double ljj = Math.Sqrt(diag);
            l[j * order + j] = ljj;
            for (int i = j + 1; i < order; i++)
            {
                double s = matrix[i * order + j];
                for (int k = 0; k < j; k++) s -= l[i * order + k] * l[j * order + k];
                l[i * order + j] = s / ljj;
            }
        }
        return new Cholesky(l, order);
    }

    /// <summary>The factor L (row-major, zeros above the diagonal).</summary>
    public ReadOnlySpan<double> Lower => _l;

    /// <summary>Solves L·z = b in place (forward substitution).</summary>
    public void SolveLowerInPlace(Span<double> b)
    {
        if (b.Length != Order) throw new ArgumentException($"Right-hand side has length {b.Length}, expected {Order}.", nameof(b));
        for (int i = 0; i < Order; i++)
        {
            double s = b[i];
            for (int k = 0; k < i; k++) s -= _l[i * Order + k] * b[k];
            b[i] = s / _l[i * Order + i];
        }
    }
}
