using Telescope.Autodiff;
using Telescope.UpdateAnalysis;
using Telescope.Models;
using Telescope.Tests.Smoothing;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using static Telescope.Tests.UpdateAnalysis.DesignChoicesFixture;

namespace Telescope.Tests.UpdateAnalysis;

/// <summary>
/// Float64. The preconditioned trace kernel (1/k) tr J(x) T J(x′)ᵀ against explicit autograd Jacobians on small
/// networks: the exact per-layer path to 1e-10 (with and without biases, ReLU and tanh, small unit blocks so the
/// blocking is exercised); T = I equals <see cref="MlpTangentKernel"/>'s trace kernel; and the random-projection
/// estimate is unbiased: pooled over seeds, every entry lies within 4.5 standard errors of the exact value, and
/// its standard errors shrink like 1/√R.
/// </summary>
public class PreconditionedKernelTests
{
    private static Tensor[] RandomPreconditioner(Mlp model, int seed)
    {
        using var g = new Generator((ulong)seed);
        using var three = 3.ToScalar();
        using var offset = 0.05.ToScalar();
        return new TrainableParameters(model).Tensors.Select(p => torch.rand(p.shape, dtype: ScalarType.Float64, generator: g).mul_(three).add_(offset, TorchScalars.One)).ToArray();
    }

    private static Tensor Exact(Mlp model, Tensor x, Tensor y, Tensor[] t)
    {
        var e = new ExplicitJacobian(model);
        var jx = e.Of(x);                                   // [N, k, P]
        var jy = e.Of(y);
        var tau = ExplicitJacobian.Flatten(t);
        using var k = jx.shape[1].ToScalar();
        return torch.einsum("nap,map->nm", jx * tau, jy).div(k);
    }

    [Theory]
    [InlineData("relu", true)]
    [InlineData("relu", false)]
    [InlineData("tanh", true)]
    public void ExactPathMatchesExplicitJacobians(string activation, bool bias)
    {
        var model = Net(51, Activation.Parse(activation), bias, hidden: [7, 6]);
        var (x, _) = Sample(5, 52);
        var (y, _) = Sample(4, 53);
        var t = RandomPreconditioner(model, 54);
        var kernel = new PreconditionedMlpKernel(model) { ElementBudget = 40 };   // blocks of a few units
        var gap = (kernel.Compute(x, y, t) - Exact(model, x, y, t)).abs().max().item<double>();
        Assert.True(gap < 1e-10, $"K^T exact path vs explicit Jacobians: {gap:G3}");

        var identity = kernel.Compute(x, y, null);
        var plain = new MlpTangentKernel(model).Compute(x, y, KernelOutputMode.Trace);
        Assert.True((identity - plain).abs().max().item<double>() < 1e-10);
        Assert.True(KernelAlignment.Compute(kernel.Compute(x, y, t), identity) < 1 - 1e-4, "a non-uniform T changes the kernel's shape");
    }

    [Fact]
    public void RandomProjectionEstimateIsUnbiasedWithinItsStandardError()
    {
        var model = Net(55, Activation.Tanh, bias: true, hidden: [6]);
        var (x, _) = Sample(4, 56);
        var (y, _) = Sample(3, 57);
        var t = RandomPreconditioner(model, 58);
        var exact = Exact(model, x, y, t);
        var engine = new ForwardModeJvp(model);
        const int seeds = 8, directions = 64;
        var sum = torch.zeros_like(exact);
        var variance = torch.zeros_like(exact);
        double meanSe = 0;
        for (int s = 0; s < seeds; s++)
        {
            var (estimate, se) = ProjectedKernelEstimate.Compute(engine, x, y, t, directions, (ulong)(100 + s));
            sum.add_(estimate, TorchScalars.One);
            variance.add_(se.pow(TorchScalars.Two), TorchScalars.One);
            meanSe += se.mean().item<double>() / seeds;
        }
        using var seedCount = seeds.ToScalar();
        var pooled = sum.div(seedCount);
        var pooledSe = variance.sqrt().div(seedCount);
        double worst = ((pooled - exact).abs() / pooledSe).max().item<double>();
        Assert.True(worst < 4.5, $"largest |estimate − exact| / SE over {exact.numel()} entries: {worst:G3}");

        var (_, seFew) = ProjectedKernelEstimate.Compute(engine, x, y, t, directions / 16, 7);
        double ratio = seFew.mean().item<double>() / meanSe;   // expect ≈ √16 = 4
        Assert.InRange(ratio, 2.0, 8.0);
    }
}

/// <summary>Float64: centered alignment ignores a shared constant offset that makes plain alignment look perfect.</summary>
public class KernelAlignmentTests
{
    [Fact]
    public void CenteringRemovesASharedOffset()
    {
        using var g = new Generator(61);
        var a = torch.randn(7, 5, dtype: ScalarType.Float64, generator: g);
        var b = torch.randn(7, 5, dtype: ScalarType.Float64, generator: g);
        using var three = 3.ToScalar();
        using var hundred = 100.ToScalar();
        Assert.Equal(1.0, KernelAlignment.Compute(a.mul(three), a), 12);
        Assert.True(KernelAlignment.Compute(a.add(hundred, TorchScalars.One), b.add(hundred, TorchScalars.One)) > 0.99);
        Assert.Equal(KernelAlignment.Centered(a, b), KernelAlignment.Centered(a.add(hundred, TorchScalars.One), b.add(hundred, TorchScalars.One)), 10);
        Assert.True(Math.Abs(KernelAlignment.Centered(a, b)) < 0.9);
        var rowOffset = torch.randn(7, 1, dtype: ScalarType.Float64, generator: g);
        Assert.Equal(1.0, KernelAlignment.Centered(a.add(rowOffset, TorchScalars.One), a), 10);   // row means are removed too
    }
}
