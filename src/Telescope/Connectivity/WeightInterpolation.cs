using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Connectivity;

/// <summary>θ(α) = α θ¹ + (1−α) θ² for lists of tensors (parameters, or floating-point buffers).</summary>
public static class WeightInterpolation
{
    /// <summary>
    /// Elementwise α·a + (1−α)·b per tensor; integer tensors (e.g. BatchNorm's batch counter) are copied from
    /// <paramref name="a"/>. The caller owns the result.
    /// </summary>
    public static Tensor[] Interpolate(IReadOnlyList<Tensor> a, IReadOnlyList<Tensor> b, double alpha)
    {
        if (a.Count != b.Count) throw new ArgumentException($"{a.Count} tensors against {b.Count}.");
        using var _ = torch.no_grad();
        var result = new Tensor[a.Count];
        using var weightA = alpha.ToScalar();
        using var weightB = (1 - alpha).ToScalar();
        for (int i = 0; i < a.Count; i++)
        {
            if (!a[i].shape.SequenceEqual(b[i].shape))
                throw new ArgumentException($"Tensor {i}: [{string.Join(", ", a[i].shape)}] against [{string.Join(", ", b[i].shape)}].");
            if (!a[i].is_floating_point())
            {
                result[i] = a[i].clone().DetachFromDisposeScope();
                continue;
            }
            using var fromB = b[i].mul(weightB);
            result[i] = a[i].mul(weightA).add_(fromB, TorchScalars.One).DetachFromDisposeScope();
        }
        return result;
    }
}
