using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Models;

/// <summary>
/// The random draws the models initialize from, in PyTorch's arithmetic order (so a seed gives the same weights as
/// before), with every temporary and Scalar held until LibTorch returns (see <see cref="TorchScalars"/>).
/// </summary>
internal static class InitialWeights
{
    /// <summary>U(−bound, bound), formed as rand·(2·bound) − bound.</summary>
    public static Tensor Uniform(long[] shape, double bound, ScalarType dtype, Generator generator)
    {
        using var width = (2 * bound).ToScalar();
        using var shift = bound.ToScalar();
        using var unit = torch.rand(shape, dtype: dtype, generator: generator);
        using var scaled = unit.mul(width);
        return scaled.sub(shift);
    }

    /// <summary>N(0, std²), formed as randn·std.</summary>
    public static Tensor Normal(long[] shape, double std, ScalarType dtype, Generator generator)
    {
        using var scale = std.ToScalar();
        using var unit = torch.randn(shape, dtype: dtype, generator: generator);
        return unit.mul(scale);
    }
}
