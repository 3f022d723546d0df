using Telescope.Autodiff;
using Telescope.Models;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Telescope.Tests.Numerics;

/// <summary>
/// The other CPU-dependent native paths the recipes use (docs/numerics.md): MKL's float32 matrix products, which pick
/// kernels by instruction set and by operand shape, and the float32 JVP and tangent-kernel engines built on them,
/// each against float64. Shapes include sizes that are not multiples of any vector width (the case that broke
/// oneDNN's convolutions). LightGBM's native trainer is checked against an independent computation elsewhere: the tree
/// smoother rebuilt from leaf indices reproduces its raw scores (<c>GbtSmootherTests</c>).
/// </summary>
public class NativePathAuditTests(ITestOutputHelper output)
{
    /// <summary>
    /// C = A·B in float32 through mm, matmul (batched), F.linear and addmm, against float64: elementwise
    /// |C₃₂ − C₆₄| ≤ k·u·(|A|·|B|) with u = 2⁻²⁴ (the worst-case bound of any summation order, with or without FMA),
    /// plus the rounding of the float32 inputs themselves, which are exact here (the float64 side uses the same values).
    /// </summary>
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 17, 5)]
    [InlineData(33, 257, 15)]
    [InlineData(127, 784, 200)]
    [InlineData(512, 512, 512)]
    [InlineData(1000, 129, 10)]
    public void Float32MatrixProductsStayWithinTheRoundingBound(int m, int k, int n)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)(m * 7 + k * 3 + n), device: CPU);
        var a = randn([m, k], generator: generator);
        var b = randn([k, n], generator: generator);
        var bias = randn([n], generator: generator);
        var a64 = a.to(ScalarType.Float64);
        var b64 = b.to(ScalarType.Float64);
        var exact = a64.mm(b64);
        using var unitRoundoff = Math.Pow(2, -24).ToScalar();
        using var kUnitRoundoff = (k * Math.Pow(2, -24)).ToScalar();
        var bound = a64.abs().mm(b64.abs()).mul(kUnitRoundoff);
        var products = new (string Name, Tensor Value, Tensor Exact)[]
        {
            ("mm", a.mm(b), exact),
            ("matmul batched", a.unsqueeze(0).expand(3, m, k).matmul(b)[2], exact),
            ("linear", nn.functional.linear(a, b.t().contiguous(), bias), exact.add(bias.to(ScalarType.Float64), TorchScalars.One)),
            ("addmm", torch.addmm(bias.expand(m, n), a, b, beta: 1, alpha: 1), exact.add(bias.to(ScalarType.Float64), TorchScalars.One)),
        };
        foreach (var (name, value, reference) in products)
        {
            // The bias adds one more rounding of at most u·|C| to linear/addmm.
            var allowed = bound.add(reference.abs().mul(unitRoundoff), TorchScalars.One);
            var excess = value.to(ScalarType.Float64).sub(reference).abs().sub(allowed);
            double worst = excess.max().ToDouble();
            Assert.True(double.IsFinite(worst) && worst <= 0, $"{name} {m}×{k}×{n}: float32 result outside the rounding bound by {worst:E2}");
        }
    }

    /// <summary>
    /// The forward-mode JVP engine and the layer-wise tangent kernel in float32 against the same network in float64:
    /// relative max error ≤ 1e-4 (float32 rounding through three layers of 100–300-term sums is ≈ 1e-6).
    /// </summary>
    [Fact]
    public void Float32JvpAndTangentKernelAgreeWithFloat64()
    {
        using var scope = NewDisposeScope();
        var options = new MlpOptions { InputSize = 37, HiddenWidths = [129, 65], OutputSize = 10, DType = ScalarType.Float32 };
        var net32 = new Mlp(options, seed: 4);
        var net64 = new Mlp(options with { DType = ScalarType.Float64 }, seed: 4);
        var jvp32 = new ForwardModeJvp(net32);
        var jvp64 = new ForwardModeJvp(net64);
        using (no_grad())
            for (int i = 0; i < jvp32.Parameters.Tensors.Count; i++) jvp64.Parameters.Tensors[i].copy_(jvp32.Parameters.Tensors[i]);
        using var generator = new Generator(9, device: CPU);
        var inputs = randn([301, 37], generator: generator);
        var tangent = jvp32.Parameters.Tensors.Select(p => randn(p.shape, generator: generator)).ToArray();
        using var fast = jvp32.Compute(inputs, [tangent]);
        using var exact = jvp64.Compute(inputs.to(ScalarType.Float64), [tangent.Select(t => t.to(ScalarType.Float64)).ToArray()]);
        double jvpError = RelativeError(fast.Jvps, exact.Jvps);

        var other = randn([17, 37], generator: generator);
        var kernel32 = new MlpTangentKernel(net32).Compute(inputs, other, KernelOutputMode.Full);
        var kernel64 = new MlpTangentKernel(net64).Compute(inputs.to(ScalarType.Float64), other.to(ScalarType.Float64), KernelOutputMode.Full);
        double kernelError = RelativeError(kernel32, kernel64);
        output.WriteLine($"JVP {jvpError:E2}, tangent kernel {kernelError:E2} ({CpuFacts.Describe()})");
        Assert.True(jvpError <= 1e-4, $"float32 JVP deviates from float64 by {jvpError:E2}");
        Assert.True(kernelError <= 1e-4, $"float32 tangent kernel deviates from float64 by {kernelError:E2}");
    }

    private static double RelativeError(Tensor fast, Tensor exact)
    {
        double deviation = fast.to(ScalarType.Float64).sub(exact).abs().max().ToDouble();
        return double.IsFinite(deviation) ? deviation / Math.Max(exact.abs().max().ToDouble(), double.Epsilon) : double.NaN;
    }
}
