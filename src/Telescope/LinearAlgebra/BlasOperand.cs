using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.LinearAlgebra;

/// <summary>
/// A 2-D CPU tensor as a row-major BLAS operand: its data pointer, whether BLAS must read it transposed, and its
/// leading dimension. A transposed view (<c>w.t()</c>) is passed as is with the transpose flag, as LibTorch does;
/// any other stride pattern is copied to a contiguous tensor first.
/// </summary>
/// <param name="Data">The first element.</param>
/// <param name="Transposed">Whether BLAS reads it transposed.</param>
/// <param name="Leading">BLAS's leading dimension.</param>
/// <param name="Copy">The contiguous copy the pointer points into, when one was needed (disposed with the operand).</param>
internal readonly record struct BlasOperand(IntPtr Data, bool Transposed, int Leading, Tensor? Copy) : IDisposable
{

    /// <summary>The operand for <paramref name="t"/> (rows × columns as LibTorch sees it); null when a stride does not fit in an int.</summary>
    internal static BlasOperand? Of(Tensor t)
    {
        if (Layout(t) is (bool transposed, int leading)) return new BlasOperand(DataPointer(t), transposed, leading, null);
        var copy = t.contiguous();
        if (Layout(copy) is (bool t2, int l2)) return new BlasOperand(DataPointer(copy), t2, l2, copy);
        copy.Dispose();
        return null;
    }

    /// <summary>
    /// (transposed, leading dimension) when BLAS can read <paramref name="t"/> in place. Strides of a dimension of
    /// size 1 are arbitrary in LibTorch, so such a dimension accepts any stride and the leading dimension is taken
    /// from the other one (BLAS requires ld ≥ max(1, row length) even when it never steps along it).
    /// </summary>
    internal static (bool Transposed, int Leading)? Layout(Tensor t)
    {
        long rows = t.shape[0], cols = t.shape[1], s0 = t.stride(0), s1 = t.stride(1);
        if ((cols == 1 || s1 == 1) && (rows == 1 || s0 >= Math.Max(1, cols)))
            return Fit(rows == 1 ? Math.Max(1, cols) : s0, transposed: false);
        if ((rows == 1 || s0 == 1) && (cols == 1 || s1 >= Math.Max(1, rows)))
            return Fit(cols == 1 ? Math.Max(1, rows) : s1, transposed: true);
        return null;
    }

    private static (bool, int)? Fit(long leading, bool transposed) => leading <= int.MaxValue ? (transposed, (int)leading) : null;

    internal static IntPtr DataPointer(Tensor t)
    {
        var data = THSTensor_data(t.Handle);
        if (data == IntPtr.Zero) throw new InvalidOperationException("LibTorch returned no data pointer for a CPU tensor.");
        return data;
    }

    public void Dispose() => Copy?.Dispose();

    // TorchSharp's own binding of at::Tensor::data_ptr() (which includes the storage offset); TorchSharp exposes it
    // only through contiguous-only accessors, and a transposed view must be passed without a copy.
    [DllImport("LibTorchSharp")]
    private static extern IntPtr THSTensor_data(IntPtr handle);
}
