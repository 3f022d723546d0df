using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.UpdateAnalysis;

/// <summary>
/// Kernel alignment of two kernel blocks of the same shape: <see cref="Compute"/> = ⟨A, B⟩_F / (‖A‖_F ‖B‖_F)
/// (1 = proportional), and <see cref="Centered"/>, the same after double-centering each block (subtract row and
/// column means, add back the grand mean; Cortes et al. 2012) so that a shared constant offset — e.g. the readout
/// layer's all-positive a·a′ + 1 term — cannot make two differently shaped kernels look aligned.
/// </summary>
/// <example>
/// <code>
/// double plain = KernelAlignment.Compute(kT, k);      // ⟨K^T, K⟩ / (‖K^T‖‖K‖)
/// double centered = KernelAlignment.Centered(kT, k);  // after removing row and column means
/// </code>
/// </example>
public static class KernelAlignment
{
    public static double Compute(Tensor a, Tensor b)
    {
        Check(a, b);
        using var scope = torch.NewDisposeScope();
        return Cosine(a.to_type(ScalarType.Float64), b.to_type(ScalarType.Float64));
    }

    /// <summary>Alignment of the double-centered blocks (a 2-D block [N, N′]).</summary>
    public static double Centered(Tensor a, Tensor b)
    {
        Check(a, b);
        if (a.dim() != 2) throw new ArgumentException($"Centered alignment needs 2-D blocks, got {a.dim()}-D.");
        using var scope = torch.NewDisposeScope();
        return Cosine(DoubleCenter(a.to_type(ScalarType.Float64)), DoubleCenter(b.to_type(ScalarType.Float64)));
    }

    private static Tensor DoubleCenter(Tensor k) =>
        (k - k.mean([1], keepdim: true) - k.mean([0], keepdim: true)).add(k.mean(), TorchScalars.One);

    private static double Cosine(Tensor x, Tensor y)
    {
        double denominator = x.norm().item<double>() * y.norm().item<double>();
        return denominator > 0 ? (x * y).sum().item<double>() / denominator : double.NaN;
    }

    private static void Check(Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (!a.shape.SequenceEqual(b.shape))
            throw new ArgumentException($"Kernel blocks have shapes [{string.Join(", ", a.shape)}] and [{string.Join(", ", b.shape)}].");
    }
}
