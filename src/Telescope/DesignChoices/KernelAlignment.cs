using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.DesignChoices;

/// <summary>Kernel alignment ⟨A, B⟩_F / (‖A‖_F ‖B‖_F) of two kernel blocks of the same shape (1 = proportional).</summary>
public static class KernelAlignment
{
    public static double Compute(Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (!a.shape.SequenceEqual(b.shape))
            throw new ArgumentException($"Kernel blocks have shapes [{string.Join(", ", a.shape)}] and [{string.Join(", ", b.shape)}].");
        using var scope = torch.NewDisposeScope();
        var x = a.to_type(ScalarType.Float64);
        var y = b.to_type(ScalarType.Float64);
        double denominator = x.norm().item<double>() * y.norm().item<double>();
        return denominator > 0 ? (x * y).sum().item<double>() / denominator : double.NaN;
    }
}
