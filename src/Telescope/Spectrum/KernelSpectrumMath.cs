using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Spectrum;

/// <summary>
/// The spectrum tracker's measurements as plain functions of vectors (float64), so each can be checked against
/// a hand computation (docs/method.md §11.3–11.5).
/// </summary>
public static class KernelSpectrumMath
{
    /// <summary>The explicit kernel as an (n·k)×(n·k) matrix, example-major, from a [n, n, k, k] block (float64).</summary>
    public static Tensor ExampleMajor(Tensor block)
    {
        ArgumentNullException.ThrowIfNull(block);
        long n = block.shape[0], k = block.shape[2];
        return block.permute(0, 2, 1, 3).reshape(n * k, n * k).to_type(ScalarType.Float64);
    }

    /// <summary>Indices size − 1, size − 2, …, size − count: the top entries of an ascending spectrum, largest first.</summary>
    internal static Tensor TopIndices(long size, int count) =>
        torch.tensor(Enumerable.Range(0, count).Select(i => size - 1 - i).ToArray(), dtype: ScalarType.Int64);

    /// <summary>Kernel-target alignment A(K, y) = yᵀKy / (‖K‖_F ‖y‖²), in [0, 1] for a PSD K (§11.3).</summary>
    public static double Alignment(double quadraticForm, double frobeniusNorm, double targetNormSquared)
    {
        if (!(frobeniusNorm > 0) || !(targetNormSquared > 0))
            throw new TelescopeException(
                $"Kernel-target alignment is undefined for ‖K‖_F = {frobeniusNorm} and ‖y‖² = {targetNormSquared}; use non-zero targets on probes the model depends on.");
        return quadraticForm / (frobeniusNorm * targetNormSquared);
    }

    /// <summary>
    /// P applied to each row of <paramref name="rows"/> [D, n·k] (example-major): every probe's k entries minus their
    /// mean, i.e. P = I_n ⊗ (I_k − 11ᵀ/k), the projection that removes shifts of all outputs of a probe (§11.3).
    /// </summary>
    public static Tensor CenterOutputs(Tensor rows, long outputs)
    {
        ArgumentNullException.ThrowIfNull(rows);
        long d = rows.shape[0], width = rows.shape[1];
        var blocks = rows.reshape(d, width / outputs, outputs);
        return blocks.sub(blocks.mean([2L], keepdim: true)).reshape(d, width);
    }

    /// <summary>‖Uᵀy‖² / ‖y‖²: the share of the target's energy in the span of U's orthonormal columns (§11.4).</summary>
    public static double EnergyShare(Tensor eigenvectors, Tensor target)
    {
        ArgumentNullException.ThrowIfNull(eigenvectors);
        ArgumentNullException.ThrowIfNull(target);
        using var scope = torch.NewDisposeScope();
        var y = target.reshape(-1).to_type(ScalarType.Float64);
        double total = y.pow(TorchScalars.Two).sum().item<double>();
        if (!(total > 0)) throw new TelescopeException("The target is zero, so its energy share is undefined; give non-zero targets.");
        return eigenvectors.t().matmul(y).pow(TorchScalars.Two).sum().item<double>() / total;
    }

    /// <summary>‖UᵀV‖_F² / k for orthonormal U, V [dim, k]: 1 for the same subspace, 0 for orthogonal ones (§11.5).</summary>
    public static double SubspaceOverlap(Tensor current, Tensor previous)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(previous);
        if (!current.shape.SequenceEqual(previous.shape))
            throw new ArgumentException($"Eigenvector blocks differ in shape: [{string.Join(", ", current.shape)}] vs [{string.Join(", ", previous.shape)}].");
        using var scope = torch.NewDisposeScope();
        return current.t().matmul(previous).pow(TorchScalars.Two).sum().item<double>() / current.shape[1];
    }

    /// <summary>
    /// Hutchinson's estimate of ‖K‖_F = √tr(K²) from S Rademacher vectors z: tr(K²) = E‖Kz‖², averaged over the
    /// S products (one batched call of <paramref name="apply"/>). Unbiased for ‖K‖_F², with variance
    /// 2(‖K²‖_F² − Σ_i (K²)_ii²)/S (§11.3).
    /// </summary>
    public static double HutchinsonFrobeniusNorm(Func<Tensor, Tensor> apply, long dimension, int probes, int seed)
    {
        ArgumentNullException.ThrowIfNull(apply);
        if (probes < 1) throw new TelescopeException($"The Frobenius-norm estimate needs at least 1 probe, got {probes}.");
        using var scope = torch.NewDisposeScope();
        using var generator = new Generator((ulong)seed, device: torch.CPU);
        var signs = torch.randint(0, 2, [probes, dimension], dtype: ScalarType.Float64, generator: generator)
            .mul(TorchScalars.Two).sub(TorchScalars.One);
        return Math.Sqrt(apply(signs).pow(TorchScalars.Two).sum().item<double>() / probes);
    }
}
