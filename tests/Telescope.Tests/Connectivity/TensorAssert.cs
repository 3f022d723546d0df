using static TorchSharp.torch;

namespace Telescope.Tests.Connectivity;

internal static class TensorAssert
{
    /// <summary>Same shape and bit-identical values (no tolerance).</summary>
    public static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.dtype == b.dtype && a.eq(b).all().item<bool>();
}
