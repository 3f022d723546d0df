using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Telescope.LinearAlgebra;

/// <summary>
/// The dense matrix products of Telescope's own engines (layer-wise JVPs, tangent kernels, smoother products),
/// computed on the path <see cref="GemmChoice.ActivePath"/> (normally <see cref="GemmChoice.Current"/>'s): LibTorch's <c>mm</c>/<c>addmm</c>/<c>linear</c>,
/// or OpenBLAS on the same tensor memory (docs/performance.md §2). Each method returns what its LibTorch
/// counterpart returns, equal within float rounding. OpenBLAS is used only where it is safe to bypass LibTorch:
/// 2-D CPU float32/float64 operands of one dtype, nothing that autograd must record, no empty dimension;
/// anything else goes to LibTorch whatever the path. On the OpenBLAS path, products of fewer than
/// <see cref="OpenBlasMinimumWork"/> multiply-adds stay on LibTorch too (docs/performance.md §2).
/// </summary>
public static class Gemm
{
    /// <summary>
    /// The smallest product (m·n·k multiply-adds, 2²² ≈ 161³) that the OpenBLAS path hands to OpenBLAS. OpenBLAS
    /// spends about 20 µs on every call whatever its size, so below this LibTorch is faster on the machine where the
    /// OpenBLAS path is chosen (docs/performance.md §5: square float32 products on 1 thread, n = 32 at 2.9 against
    /// 31.9 GFLOP/s; on 2 threads OpenBLAS leads from n = 160 on). A size rule, not a timing, so a run and its resumption
    /// take the same path for every product.
    /// </summary>
    public const long OpenBlasMinimumWork = 1L << 22;

    /// <summary>a·b for a [m, k] and b [k, n] (either may be a transposed view), like <c>a.mm(b)</c>.</summary>
    public static Tensor MatMul(Tensor a, Tensor b) => MatMul(a, b, PathFor(a, b, weightRows: false));

    /// <summary><see cref="MatMul(Tensor, Tensor)"/> on a given path (the benchmark and the tests compare paths).</summary>
    public static Tensor MatMul(Tensor a, Tensor b, GemmPath path)
    {
        if (path != GemmPath.OpenBlas || !Eligible(a, b, null) || a.shape[1] != b.shape[0] || a.shape[1] == 0)
            return a.mm(b);
        var c = torch.empty(a.shape[0], b.shape[1], dtype: a.dtype, device: a.device);
        if (!TryProduct(c, a, b, accumulate: false)) { c.Dispose(); return a.mm(b); }
        return c;
    }

    /// <summary>x·wᵀ + bias for x [n, d], w [h, d], bias [h] or null, like <c>F.linear(x, w, bias)</c>.</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias) =>
        Linear(x, weight, bias, PathFor(x, weight, weightRows: true));

    /// <summary><see cref="Linear(Tensor, Tensor, Tensor?)"/> on a given path.</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias, GemmPath path)
    {
        if (path != GemmPath.OpenBlas || !Eligible(x, weight, bias) || x.shape[1] != weight.shape[1] || x.shape[1] == 0
            || bias is not null && (bias.dim() != 1 || bias.shape[0] != weight.shape[0]))
            return F.linear(x, weight, bias);
        long n = x.shape[0], h = weight.shape[0];
        // The bias is written first and the product accumulated onto it (β = 1), as LibTorch's addmm does.
        var c = torch.empty(n, h, dtype: x.dtype, device: x.device);
        if (bias is not null)
        {
            using var row = bias.unsqueeze(0);
            using var rows = row.expand(n, h);
            c.copy_(rows);
        }
        using var wt = weight.t();
        if (!TryProduct(c, x, wt, accumulate: bias is not null)) { c.Dispose(); return F.linear(x, weight, bias); }
        return c;
    }

    /// <summary>c += a·b in place for a contiguous c [m, n], like <c>c.addmm_(a, b)</c>; returns c.</summary>
    public static Tensor AddMatMul_(Tensor c, Tensor a, Tensor b) => AddMatMul_(c, a, b, PathFor(a, b, weightRows: false));

    /// <summary><see cref="AddMatMul_(Tensor, Tensor, Tensor)"/> on a given path.</summary>
    public static Tensor AddMatMul_(Tensor c, Tensor a, Tensor b, GemmPath path)
    {
        if (path != GemmPath.OpenBlas || !Eligible(a, b, c) || c.dim() != 2 || !c.is_contiguous() || c.requires_grad
            || a.shape[1] != b.shape[0] || c.shape[0] != a.shape[0] || c.shape[1] != b.shape[1] || a.shape[1] == 0
            || !TryProduct(c, a, b, accumulate: true))
            return c.addmm_(a, b);
        return c;
    }

    /// <summary>
    /// The active path for a·b (or a·bᵀ when <paramref name="weightRows"/>: b is a weight [n, k]), except LibTorch for a
    /// product under <see cref="OpenBlasMinimumWork"/>. The path is read first, so the LibTorch path reads no shapes.
    /// </summary>
    private static GemmPath PathFor(Tensor a, Tensor b, bool weightRows)
    {
        if (GemmChoice.ActivePath != GemmPath.OpenBlas || a.dim() != 2 || b.dim() != 2) return GemmPath.LibTorch;
        long n = b.shape[weightRows ? 0 : 1];
        return (double)a.shape[0] * n * a.shape[1] >= OpenBlasMinimumWork ? GemmPath.OpenBlas : GemmPath.LibTorch;
    }

    /// <summary>Both operands are 2-D CPU tensors, and they and the third (bias or output, when given) are of one float dtype that autograd need not see.</summary>
    private static bool Eligible(Tensor a, Tensor b, Tensor? third)
    {
        if (a.dim() != 2 || b.dim() != 2) return false;
        var dtype = a.dtype;
        if (dtype != ScalarType.Float32 && dtype != ScalarType.Float64) return false;
        if (b.dtype != dtype || third is not null && third.dtype != dtype) return false;
        if (a.device_type != DeviceType.CPU || b.device_type != DeviceType.CPU || third is not null && third.device_type != DeviceType.CPU)
            return false;
        if (torch.is_grad_enabled() && (a.requires_grad || b.requires_grad || third is not null && third.requires_grad)) return false;
        long m = a.shape[0], n = b.shape[1], k = a.shape[1];
        return m > 0 && n > 0 && m <= int.MaxValue && n <= int.MaxValue && k <= int.MaxValue;
    }

    /// <summary>c = a·b (or c += a·b) through OpenBLAS; false when the library is not there or an operand does not fit.</summary>
    private static unsafe bool TryProduct(Tensor c, Tensor a, Tensor b, bool accumulate)
    {
        var blas = OpenBlasLibrary.TryGet(out _);
        if (blas is null) return false;
        if (BlasOperand.Of(a) is not BlasOperand left) return false;
        using var leftOwner = left;
        if (BlasOperand.Of(b) is not BlasOperand right) return false;
        using var rightOwner = right;
        if (BlasOperand.Layout(c) is not (false, int ldc)) return false;
        int m = (int)a.shape[0], n = (int)b.shape[1], k = (int)a.shape[1];
        blas.UseThreads(torch.get_num_threads());
        var output = BlasOperand.DataPointer(c);
        if (c.dtype == ScalarType.Float32)
            blas.Sgemm(left.Transposed, right.Transposed, m, n, k, 1f, (float*)left.Data, left.Leading,
                (float*)right.Data, right.Leading, accumulate ? 1f : 0f, (float*)output, ldc);
        else
            blas.Dgemm(left.Transposed, right.Transposed, m, n, k, 1.0, (double*)left.Data, left.Leading,
                (double*)right.Data, right.Leading, accumulate ? 1.0 : 0.0, (double*)output, ldc);
        GC.KeepAlive(a);
        GC.KeepAlive(b);
        GC.KeepAlive(c);
        return true;
    }
}
