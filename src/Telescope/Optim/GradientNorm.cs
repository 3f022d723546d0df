using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Optim;

/// <summary>
/// The Euclidean norm of a tensor through LibTorch's <c>linalg_vector_norm</c>, with the order 2 passed as a Scalar this
/// class keeps alive. TorchSharp 0.107's <c>torch.linalg.vector_norm(t)</c> converts its <c>double ord</c> to a temporary
/// Scalar and passes only the handle, so the garbage collector can finalize (free) the Scalar while LibTorch still reads
/// it; under load this surfaced as intermittent "toDouble … Scalar.h:140" errors in resumed runs. Same native call, same
/// bits (see <see cref="TorchScalars"/> for the general rule).
/// </summary>
internal static class GradientNorm
{
    // TorchSharp keeps Scalar.Handle internal; the static Scalar 2 lives for the process, so its handle is read once.
    private static readonly IntPtr Two = (IntPtr)(typeof(Scalar).GetProperty("Handle",
        System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public)?.GetValue(TorchScalars.Two)
        ?? throw new InvalidOperationException("TorchSharp's Scalar has no Handle property: update GradientNorm for this TorchSharp version."));

    [DllImport("LibTorchSharp")]
    private static extern IntPtr THSLinalg_vector_norm(IntPtr tensor, IntPtr ord, IntPtr dim, int dimLength, bool keepdim);

    /// <summary>‖t‖₂ over all elements, a 0-dimensional tensor of t's dtype.</summary>
    public static Tensor Of(Tensor t)
    {
        var result = THSLinalg_vector_norm(t.Handle, Two, IntPtr.Zero, 0, false);
        GC.KeepAlive(t);
        if (result == IntPtr.Zero)
            throw new InvalidOperationException("LibTorch's linalg_vector_norm failed: " + Marshal.PtrToStringAnsi(LastError()));
        return Tensor.UnsafeCreateTensor(result);
    }

    [DllImport("LibTorchSharp", EntryPoint = "THSTorch_get_and_reset_last_err")]
    private static extern IntPtr LastError();
}
