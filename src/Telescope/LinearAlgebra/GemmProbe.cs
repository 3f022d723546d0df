using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.LinearAlgebra;

/// <summary>
/// The start-up check behind <see cref="GemmChoice"/> (docs/performance.md §2): whether OpenBLAS's products agree
/// with a float64 reference on odd shapes and transposed operands, in float32 and float64. It guards against an
/// OpenBLAS build whose kernel for this CPU is wrong (older builds mis-detect newer CPUs). Uses its own random
/// generator, so the global LibTorch seed and every later random draw are untouched.
/// </summary>
internal static class GemmProbe
{
    /// <summary>
    /// Largest accepted |OpenBLAS − reference| relative to (|A|·|B|) elementwise: a sum of k products rounds by at
    /// most about k·u·(|A|·|B|) (u = 6e-8 in float32), and k ≤ 64 here, so 1e-5 leaves a margin of 2.6; a wrong
    /// kernel (the failure this guards against) is off by O(1).
    /// </summary>
    internal const double Float32Tolerance = 1e-5, Float64Tolerance = 1e-13;

    /// <summary>Null when OpenBLAS agrees with the float64 reference; otherwise what disagreed.</summary>
    internal static string? CheckAgreement()
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        using var generator = new Generator(20241123);
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.Float64 })
            foreach (var (m, k, n) in new[] { (37, 53, 29), (97, 64, 130), (1, 17, 5) })
                foreach (bool transA in new[] { false, true })
                    foreach (bool transB in new[] { false, true })
                    {
                        var a = transA ? torch.randn(k, m, dtype: dtype, generator: generator).t() : torch.randn(m, k, dtype: dtype, generator: generator);
                        var b = transB ? torch.randn(n, k, dtype: dtype, generator: generator).t() : torch.randn(k, n, dtype: dtype, generator: generator);
                        var reference = a.to(ScalarType.Float64).mm(b.to(ScalarType.Float64));
                        var scale = a.to(ScalarType.Float64).abs().mm(b.to(ScalarType.Float64).abs());
                        var got = Gemm.MatMul(a, b, GemmPath.OpenBlas).to(ScalarType.Float64);
                        double error = got.sub(reference).abs().div(scale).max().item<double>();
                        double tolerance = dtype == ScalarType.Float32 ? Float32Tolerance : Float64Tolerance;
                        if (!(error <= tolerance))
                            return $"{dtype} {m}×{k}·{k}×{n}{(transA ? " (A transposed)" : "")}{(transB ? " (B transposed)" : "")} " +
                                   $"was off by {error:G3} relative to |A|·|B| (tolerance {tolerance:G1})";
                    }
        return null;
    }
}
