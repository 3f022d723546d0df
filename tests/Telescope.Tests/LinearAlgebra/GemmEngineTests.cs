using Telescope.Autodiff;
using Telescope.LinearAlgebra;
using Telescope.Models;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Telescope.Tests.LinearAlgebra;

/// <summary>
/// The engines that route their products through <see cref="Gemm"/> give, in float32 on either path, the float64
/// answer of the same network (weights rounded to float32 once, then held identical in both precisions) to
/// within float32 rounding: relative error (max |Δ| / max |reference|) ≤ 1e-5, about 20 units of float32's
/// 6e-8 rounding per product times the few products chained through a 24-32-32-3 network.
/// </summary>
public class GemmEngineTests
{
    private const double Tolerance = 1e-5;

    [Theory]
    [InlineData(GemmPath.LibTorch)]
    [InlineData(GemmPath.OpenBlas)]
    public void ForwardModeJvpMatchesFloat64(GemmPath path)
    {
        using var scope = torch.NewDisposeScope();
        var (m32, m64, x32, x64) = Networks();
        var e32 = new ForwardModeJvp(m32);
        var e64 = new ForwardModeJvp(m64);
        using var g = new Generator(11);
        var tangents64 = Enumerable.Range(0, 3)
            .Select(_ => (IReadOnlyList<Tensor>)e64.Parameters.Tensors.Select(p => torch.randn(p.shape, dtype: ScalarType.Float64, generator: g)).ToArray())
            .ToArray();
        var tangents32 = tangents64.Select(t => (IReadOnlyList<Tensor>)t.Select(v => v.to(ScalarType.Float32)).ToArray()).ToArray();
        var tangentsExact = tangents32.Select(t => (IReadOnlyList<Tensor>)t.Select(v => v.to(ScalarType.Float64)).ToArray()).ToArray();
        using var reference = e64.Compute(x64, tangentsExact);
        JvpResult result;
        using (GemmChoice.Scope(path)) result = e32.Compute(x32, tangents32);
        using (result)
        {
            Assert.True(Relative(result.Output, reference.Output) <= Tolerance);
            Assert.True(Relative(result.Jvps, reference.Jvps) <= Tolerance);
        }
    }

    [Theory]
    [InlineData(GemmPath.LibTorch, KernelOutputMode.Full)]
    [InlineData(GemmPath.LibTorch, KernelOutputMode.Trace)]
    [InlineData(GemmPath.OpenBlas, KernelOutputMode.Full)]
    [InlineData(GemmPath.OpenBlas, KernelOutputMode.Trace)]
    public void LayerWiseTangentKernelMatchesFloat64(GemmPath path, KernelOutputMode mode)
    {
        using var scope = torch.NewDisposeScope();
        var (m32, m64, x32, x64) = Networks();
        var reference = new MlpTangentKernel(m64).Compute(x64, x64.narrow(0, 0, 9), mode);
        Tensor kernel;
        using (GemmChoice.Scope(path)) kernel = new MlpTangentKernel(m32).Compute(x32, x32.narrow(0, 0, 9), mode);
        Assert.True(Relative(kernel, reference) <= Tolerance);
    }

    private static (Mlp M32, Mlp M64, Tensor X32, Tensor X64) Networks()
    {
        MlpOptions Options(ScalarType dtype) => new() { InputSize = 24, HiddenWidths = [32, 32], OutputSize = 3, DType = dtype };
        var m32 = new Mlp(Options(ScalarType.Float32), seed: 2);
        var m64 = new Mlp(Options(ScalarType.Float64), seed: 2);
        using (torch.no_grad())
            foreach (var (p32, p64) in m32.parameters().Zip(m64.parameters()))
                p64.copy_(p32.to(ScalarType.Float64));
        using var g = new Generator(12);
        var x32 = torch.randn(40, 24, generator: g);
        return (m32, m64, x32, x32.to(ScalarType.Float64));
    }

    private static double Relative(Tensor actual, Tensor expected)
    {
        Assert.Equal(expected.shape, actual.shape);
        return actual.to(ScalarType.Float64).sub(expected).abs().max().item<double>() / expected.abs().max().item<double>();
    }
}
