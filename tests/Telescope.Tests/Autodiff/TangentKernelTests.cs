using Xunit;
using Telescope.Autodiff;
using Telescope.Models;
using TorchSharp;
using static TorchSharp.torch;
using static Telescope.Tests.Autodiff.AutodiffFixtures;

namespace Telescope.Tests.Autodiff;

/// <summary>
/// Kernel engines against J(x) J(x')ᵀ from explicit Jacobians (autograd.functional.jacobian of the Mlp written
/// out with matmuls), relative error &lt; 1e-10 in max norm, Full and Trace modes.
/// </summary>
public class TangentKernelTests
{
    public static TheoryData<string, int[], int, bool, double?> Architectures() => new()
    {
        // activation, hidden, outputs k, bias, fixed readout
        { "tanh", new[] { 6, 5 }, 3, true, null },
        { "tanh", new[] { 6, 5 }, 1, false, null },
        { "relu", new[] { 7 }, 3, false, null },
        { "sigmoid", new[] { 5, 4, 6 }, 3, true, null },
        { "poly:0.3", new[] { 8 }, 1, true, 0.3 },
        { "relu", new[] { 6, 5 }, 3, true, 0.5 },
        { "identity", Array.Empty<int>(), 3, true, null },
    };

    private static Tensor ExplicitKernel(Tensor jx, Tensor jy) => torch.einsum("nap,mbp->nmab", jx, jy);

    [Theory]
    [MemberData(nameof(Architectures))]
    public void BothEnginesMatchExplicitJacobianProducts(string activation, int[] hidden, int k, bool bias, double? readout)
    {
        using var scope = torch.NewDisposeScope();
        var model = Mlp(4, hidden, k, Activation.Parse(activation), bias, readout, seed: 9);
        var x = Randn([7, 4], seed: 1);
        var y = Randn([5, 4], seed: 2);
        var parameters = new TrainableParameters(model);
        var expected = ExplicitKernel(ExplicitJacobian(model, parameters, x), ExplicitJacobian(model, parameters, y));
        using var outputs = k.ToScalar();
        var expectedTrace = expected.diagonal(0, 2, 3).sum(-1).div(outputs);

        ITangentKernelEngine[] engines = [new MlpTangentKernel(model), new GenericTangentKernel(model, chunkSize: 3)];
        foreach (var engine in engines)
        {
            var full = engine.Compute(x, y, KernelOutputMode.Full);
            var trace = engine.Compute(x, y, KernelOutputMode.Trace);
            Assert.Equal(new long[] { 7, 5, k, k }, full.shape);
            Assert.Equal(new long[] { 7, 5 }, trace.shape);
            double errFull = RelativeError(full, expected), errTrace = RelativeError(trace, expectedTrace);
            Assert.True(errFull < 1e-10, $"{engine.GetType().Name} full: {errFull:E2}");
            Assert.True(errTrace < 1e-10, $"{engine.GetType().Name} trace: {errTrace:E2}");
        }
    }

    [Fact]
    public void SymmetricBlockChunkingAndSharedInputsAreConsistent()
    {
        using var scope = torch.NewDisposeScope();
        var model = Mlp(3, [6, 4], 2, Activation.Tanh, seed: 4);
        var x = Randn([9, 3], seed: 5);
        var whole = new MlpTangentKernel(model);
        var chunked = new MlpTangentKernel(model, chunkSize: 4);
        foreach (var mode in new[] { KernelOutputMode.Full, KernelOutputMode.Trace })
        {
            var kxx = whole.Compute(x, x, mode);
            Assert.True(MaxAbs(kxx, whole.Compute(x, x.clone(), mode)) < 1e-13);
            Assert.True(MaxAbs(kxx, chunked.Compute(x, x, mode)) < 1e-13);
            // K(x, x') = K(x', x)ᵀ, blocks transposed too.
            var transposed = mode == KernelOutputMode.Full ? kxx.permute(1, 0, 3, 2) : kxx.t();
            Assert.True(MaxAbs(kxx, transposed) < 1e-12);
        }
    }

    [Fact]
    public void GenericKernelMatchesJacobiansFromJvpsOnAConvNet()
    {
        // Independent route: J(x) column by column as JVPs along basis tangents (DoubleBackwardJvp,
        // itself checked against finite differences), versus row-by-row reverse-mode Jacobians.
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(3);
        var module = nn.Sequential(
            ("conv", nn.Conv2d(1, 2, 3, dtype: ScalarType.Float64)),
            ("tanh", nn.Tanh()),
            ("flat", nn.Flatten()),
            ("fc", nn.Linear(2 * 3 * 3, 2, dtype: ScalarType.Float64)));
        var x = Randn([4, 1, 5, 5], seed: 1);
        var y = Randn([3, 1, 5, 5], seed: 2);
        var jvp = new DoubleBackwardJvp(module);
        var p = jvp.Parameters;
        var basis = new List<IReadOnlyList<Tensor>>();
        for (long i = 0; i < p.Count; i++)
        {
            var e = torch.zeros(p.Count, dtype: ScalarType.Float64);
            using (var entry = e[i]) entry.fill_(TorchScalars.One);
            long offset = 0;
            basis.Add(p.Tensors.Select(t => { var s = e.narrow(0, offset, t.numel()).view(t.shape); offset += t.numel(); return s; }).ToArray());
        }
        Tensor JacobianByJvps(Tensor inputs)
        {
            using var r = jvp.Compute(inputs, basis);
            return r.Jvps.permute(1, 2, 0).contiguous(); // [P, N, k] → [N, k, P]
        }
        var expected = ExplicitKernel(JacobianByJvps(x), JacobianByJvps(y));
        var engine = new GenericTangentKernel(module, chunkSize: 3);
        Assert.True(RelativeError(engine.Compute(x, y, KernelOutputMode.Full), expected) < 1e-10);
        Assert.True(RelativeError(engine.Compute(x, y, KernelOutputMode.Trace), expected.diagonal(0, 2, 3).sum(-1).div(TorchScalars.Two)) < 1e-10);
    }

    [Fact]
    public void EmptyInputSetsGiveEmptyBlocks()
    {
        using var scope = torch.NewDisposeScope();
        var model = Mlp(3, [4], 2, Activation.Tanh);
        var x = Randn([3, 3], seed: 1);
        var none = torch.zeros(0, 3, dtype: ScalarType.Float64);
        foreach (ITangentKernelEngine engine in new ITangentKernelEngine[] { new MlpTangentKernel(model), new GenericTangentKernel(model) })
        {
            Assert.Equal(new long[] { 0, 3, 2, 2 }, engine.Compute(none, x, KernelOutputMode.Full).shape);
            Assert.Equal(new long[] { 3, 0 }, engine.Compute(x, none, KernelOutputMode.Trace).shape);
        }
    }
}
