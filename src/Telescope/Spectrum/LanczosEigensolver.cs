using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Spectrum;

/// <summary>Top eigenpairs of a symmetric operator found by <see cref="LanczosEigensolver"/>.</summary>
/// <param name="Values">The largest Ritz values, descending.</param>
/// <param name="Vectors">Their Ritz vectors as columns, [dim, count], orthonormal (float64, CPU).</param>
/// <param name="Residuals">‖A u − θ u‖ for each pair (the Lanczos estimate |β_m s_{m,i}|).</param>
/// <param name="AllRitzValues">Every Ritz value of the run; the whole spectrum when <paramref name="SpansSpace"/>.</param>
/// <param name="SpansSpace">True when the Krylov basis reached the full dimension, so the results are exact up to rounding.</param>
public sealed record LanczosResult(double[] Values, Tensor Vectors, double[] Residuals, double[] AllRitzValues, bool SpansSpace) : IDisposable
{
    public void Dispose() => Vectors.Dispose();
}

/// <summary>
/// The Lanczos method with full reorthogonalization for the top eigenpairs of a symmetric positive semi-definite
/// operator given only as products A·v (docs/method.md §11.2). Full reorthogonalization keeps the basis orthonormal
/// to rounding (no ghost eigenvalues); when the Krylov space becomes invariant (β ≈ 0, e.g. a repeated eigenvalue)
/// it restarts from a fresh random vector orthogonal to the basis, so multiplicities are found too.
/// Costs one product per iteration and O(dim·m) memory for m iterations.
/// </summary>
public static class LanczosEigensolver
{
    /// <summary>β below this fraction of the largest |α| or β seen counts as an invariant subspace.</summary>
    private const double BreakdownTolerance = 1e-12;

    /// <param name="apply">A·V for vectors [D, dim] (float64, CPU) → [D, dim].</param>
    /// <param name="dimension">The side of A.</param>
    /// <param name="count">How many top eigenpairs to return.</param>
    /// <param name="iterations">Krylov dimension m (at most <paramref name="dimension"/>); more iterations, more accurate pairs.</param>
    /// <param name="seed">Seed of the random start (and of restarts).</param>
    public static LanczosResult TopEigenpairs(Func<Tensor, Tensor> apply, long dimension, int count, int iterations, int seed)
    {
        ArgumentNullException.ThrowIfNull(apply);
        if (count < 1 || count > dimension)
            throw new TelescopeException($"Asked for the top {count} eigenpairs of a {dimension}×{dimension} kernel; choose 1 ≤ TopK ≤ {dimension} (n probes × k outputs).");
        int m = (int)Math.Min(dimension, iterations);
        if (m < count)
            throw new TelescopeException($"{iterations} Lanczos iterations cannot give {count} eigenpairs; use at least TopK iterations (2·TopK + 40 is a safe default).");
        using var scope = torch.NewDisposeScope();
        using var generator = new Generator((ulong)seed, device: torch.CPU);
        var basis = torch.zeros(m, dimension, dtype: ScalarType.Float64);
        var alphas = new List<double>();
        var betas = new List<double>();   // betas[j] couples q_j and q_{j+1}; 0 after a restart
        double scale = 0, lastBeta = 0;
        var q = Normalized(torch.randn(dimension, dtype: ScalarType.Float64, generator: generator));
        for (int j = 0; j < m; j++)
        {
            basis[j].copy_(q);
            var w = apply(q.unsqueeze(0))[0];
            double alpha = q.dot(w).item<double>();
            alphas.Add(alpha);
            w = Orthogonalized(w, basis.narrow(0, 0, j + 1));
            double beta = w.norm().item<double>();
            scale = Math.Max(scale, Math.Max(Math.Abs(alpha), beta));
            lastBeta = beta;
            if (j + 1 == m) break;
            if (beta > BreakdownTolerance * scale)
            {
                betas.Add(beta);
                using var norm = beta.ToScalar();
                q = w.div(norm);
                continue;
            }
            // Invariant subspace: every eigenvalue of it is found; continue in the complement.
            var fresh = Orthogonalized(torch.randn(dimension, dtype: ScalarType.Float64, generator: generator), basis.narrow(0, 0, j + 1));
            betas.Add(0);
            lastBeta = 0;
            q = Normalized(fresh);
        }
        int size = alphas.Count;
        var tridiagonal = torch.diag(torch.tensor(alphas.ToArray(), dtype: ScalarType.Float64));
        for (int j = 0; j + 1 < size; j++)
        {
            using var beta = betas[j].ToScalar();
            tridiagonal[j, j + 1].fill_(beta);
            tridiagonal[j + 1, j].fill_(beta);
        }
        var (ritz, small) = torch.linalg.eigh(tridiagonal);                   // ascending
        var order = KernelSpectrumMath.TopIndices(size, count);
        var topSmall = small.index_select(1, order);                           // [m, count], descending
        var vectors = basis.narrow(0, 0, size).t().matmul(topSmall).contiguous();
        var values = ritz.index_select(0, order).data<double>().ToArray();
        var lastRow = topSmall[size - 1].abs().data<double>().ToArray();
        var residuals = lastRow.Select(s => lastBeta * s).ToArray();
        bool spans = size == dimension;
        return new LanczosResult(values, vectors.MoveToOuterDisposeScope(), spans ? new double[count] : residuals,
            ritz.data<double>().ToArray(), spans);
    }

    /// <summary>w minus its projection on the rows of <paramref name="basis"/>, twice ("twice is enough", Kahan–Parlett).</summary>
    private static Tensor Orthogonalized(Tensor w, Tensor basis)
    {
        for (int pass = 0; pass < 2; pass++) w = w.sub(basis.t().matmul(basis.matmul(w)));
        return w;
    }

    private static Tensor Normalized(Tensor v)
    {
        using var norm = v.norm().item<double>().ToScalar();
        return v.div(norm);
    }
}
