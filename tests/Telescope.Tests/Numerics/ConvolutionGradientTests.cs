using Telescope.Autodiff;
using Telescope.Models;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Telescope.Tests.Numerics;

/// <summary>
/// Float32 convolution gradients on this CPU against independent computations (docs/numerics.md). On AVX-512 CPUs,
/// LibTorch 2.10's oneDNN convolutions return wrong or non-finite gradients when the channel count is not a multiple
/// of 16, non-deterministically (on one AMD EPYC even with oneDNN capped at AVX2); these tests fail there unless the
/// process uses LibTorch's native convolutions (<see cref="TorchRuntime.Convolutions"/>, chosen by the test assembly's
/// initializer), and pass on every CPU with the backend Telescope chooses. Each case runs several times because the
/// fault does not show on every call.
/// </summary>
public class ConvolutionGradientTests(ITestOutputHelper output)
{
    private const int Repetitions = 5;

    /// <summary>
    /// Two stacked 3×3 convolutions 3 → c → c (stride 1, padding 1, no bias) with a random loss weight: the input and
    /// both weight gradients against the same network written as unfold + matrix product in float64 (col2im and a
    /// float64 GEMM in the backward pass, no oneDNN kernel). Tolerance: max|g₃₂ − g₆₄| ≤ 1e-4·max|g₆₄| per tensor
    /// (float32 rounding over ≤ 108-term sums is ≈ 1e-6).
    /// </summary>
    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    [InlineData(12)]
    public void StackedConvolutionGradientsMatchFloat64Unfold(int channels)
    {
        using var generator = new Generator((ulong)(100 + channels), device: CPU);
        double worst = 0;
        for (int r = 0; r < Repetitions; r++)
        {
            using var scope = NewDisposeScope();
            var x = randn([16, 3, 10, 10], generator: generator);
            var w1 = randn([channels, 3, 3, 3], generator: generator);
            var w2 = randn([channels, channels, 3, 3], generator: generator);
            var lossWeight = randn([16, channels, 10, 10], generator: generator);
            var fast = Gradients([x, w1, w2], lossWeight, (a, k) => nn.functional.conv2d(a, k, padding: [1, 1]));
            var exact = Gradients([x.to(ScalarType.Float64), w1.to(ScalarType.Float64), w2.to(ScalarType.Float64)],
                lossWeight.to(ScalarType.Float64), Im2ColConvolution);
            for (int i = 0; i < 3; i++) worst = Math.Max(worst, RelativeError(fast[i], exact[i]));
        }
        output.WriteLine($"c = {channels}: worst relative error {worst:E2} over {Repetitions} repetitions ({TorchRuntime.Convolutions.Describe()})");
        Assert.True(worst <= 1e-4, $"c = {channels}: float32 convolution gradients deviate from float64 by {worst:E2} (NaN: not finite)");
    }

    /// <summary>
    /// ResNet-20 (BatchNorm, training mode, batch 16) at the widths that showed the fault: every parameter's gradient
    /// in float32 against the same network, same weights and inputs, in float64 (whose convolutions take LibTorch's
    /// im2col path: oneDNN has no float64 kernels). Tolerance: max|g₃₂ − g₆₄| ≤ 1e-3·max|g₆₄| per tensor — batch-norm
    /// divides by per-batch standard deviations, which amplifies float32 rounding beyond a plain convolution's.
    /// </summary>
    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void ResNet20GradientsMatchFloat64(int width)
    {
        using var scope = NewDisposeScope();
        var net32 = new ResNet(new ResNetOptions { Width = width }, seed: width);
        var net64 = new ResNet(new ResNetOptions { Width = width, DType = ScalarType.Float64 }, seed: width);
        var p32 = new TrainableParameters(net32).Tensors.ToArray();
        var p64 = new TrainableParameters(net64).Tensors.ToArray();
        using (no_grad()) for (int i = 0; i < p32.Length; i++) p64[i].copy_(p32[i]);
        net32.train();
        net64.train();
        using var generator = new Generator((ulong)(200 + width), device: CPU);
        var x = randn([16, 3, 32, 32], generator: generator);
        var y = randint(0, 10, [16], generator: generator);
        var exact = autograd.grad([nn.functional.cross_entropy(net64.forward(x.to(ScalarType.Float64)), y)], p64).ToArray();
        double worst = 0;
        string worstName = "";
        var names = net32.named_parameters().Select(np => np.name).ToArray();
        for (int r = 0; r < Repetitions; r++)
        {
            var fast = autograd.grad([nn.functional.cross_entropy(net32.forward(x), y)], p32).ToArray();
            for (int i = 0; i < fast.Length; i++)
            {
                double error = RelativeError(fast[i], exact[i]);
                if (double.IsNaN(error) || error > worst) { worst = error; worstName = names[i]; }
                if (double.IsNaN(worst)) break;
            }
        }
        output.WriteLine($"w = {width}: worst relative error {worst:E2} ({worstName}) over {Repetitions} backward passes");
        Assert.True(worst <= 1e-3, $"w = {width}: the float32 gradient of '{worstName}' deviates from float64 by {worst:E2} (NaN: not finite)");
    }

    /// <summary>The start-up check every convolutional training run relies on passes here, and says so.</summary>
    [Fact]
    public void StartupCheckPassesWithTheChosenPath()
    {
        var result = ConvolutionGradientCheck.Run(repetitions: 3);
        output.WriteLine($"{result.Describe()} in {result.Milliseconds:F0} ms; {TorchRuntime.Convolutions.Describe()}; {CpuFacts.Describe()}");
        Assert.True(result.Passed, result.Describe());
        Assert.Equal(3 * 5 * 3, result.Cases);
        Assert.StartsWith("passed", result.Describe());
        ConvolutionGradientCheck.EnsurePassed();
    }

    private static Tensor[] Gradients(Tensor[] leaves, Tensor lossWeight, Func<Tensor, Tensor, Tensor> convolve)
    {
        var inputs = leaves.Select(t => t.detach().requires_grad_(true)).ToArray();
        var loss = convolve(convolve(inputs[0], inputs[1]), inputs[2]).mul(lossWeight).sum();
        return autograd.grad([loss], inputs).ToArray();
    }

    /// <summary>out[n, o, p] = Σ_k W[o, k]·cols[n, k, p] with cols the 3×3 patches (padding 1) of the input.</summary>
    private static Tensor Im2ColConvolution(Tensor input, Tensor kernel)
    {
        long n = input.shape[0], height = input.shape[2], width = input.shape[3], outChannels = kernel.shape[0];
        var patches = nn.functional.unfold(input, kernel_size: 3, padding: 1);
        return einsum("ok,nkp->nop", kernel.reshape(outChannels, -1), patches).reshape(n, outChannels, height, width);
    }

    private static double RelativeError(Tensor fast, Tensor exact)
    {
        double deviation = fast.to(ScalarType.Float64).sub(exact).abs().max().ToDouble();
        double scale = exact.abs().max().ToDouble();
        return double.IsFinite(deviation) ? deviation / Math.Max(scale, double.Epsilon) : double.NaN;
    }
}
