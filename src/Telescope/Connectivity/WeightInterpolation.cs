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
        for (int i = 0; i < a.Count; i++)
        {
            if (!a[i].shape.SequenceEqual(b[i].shape))
                throw new ArgumentException($"Tensor {i}: [{string.Join(", ", a[i].shape)}] against [{string.Join(", ", b[i].shape)}].");
            result[i] = (a[i].is_floating_point() ? a[i] * alpha + b[i] * (1 - alpha) : a[i].clone()).DetachFromDisposeScope();
        }
        return result;
    }
}
