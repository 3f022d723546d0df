using Telescope.Autodiff;
using Telescope.Models;
using Telescope.Optim;
using Telescope.Telescoping;
using Telescope.Tests.Connectivity;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using static Telescope.Tests.Autodiff.AutodiffFixtures;

namespace Telescope.Tests.Models;

/// <summary>
/// ResNet-20 for CIFAR with the "any module" tools: the generic JVP engine against central finite differences,
/// VJPs and one telescoping step against explicit autograd Jacobians (float64).
/// </summary>
public class ResNetTests
{
    private static ResNet Small(NormKind norm, int width = 2, int seed = 3) =>
        new(new ResNetOptions { Width = width, Norm = norm, Groups = 2, DType = ScalarType.Float64 }, seed);

    /// <summary>Puts non-trivial running statistics into the BatchNorm layers (two training-mode passes).</summary>
    private static void WarmStatistics(ResNet net, int seed)
    {
        net.train();
        using (torch.no_grad())
        {
            using var shift = 0.3.ToScalar();
            for (int i = 0; i < 2; i++) net.forward(Randn([8, 3, 32, 32], seed + i, scale: 1.5).add(shift, TorchScalars.One)).Dispose();
        }
        net.eval();
    }

    [Fact]
    public void StandardResNet20HasTheKnownShape()
    {
        using var scope = torch.NewDisposeScope();
        var net = new ResNet(new ResNetOptions { Width = 16 }, seed: 0);
        var parameters = new TrainableParameters(net);
        // 0.27 M: the published ResNet-20 count with 1×1 projection shortcuts (option B) is 272 474.
        Assert.Equal(272474, parameters.Count);
        var names = net.LayerGroups.Select(g => g.Name).ToArray();
        Assert.Equal(11, names.Length);
        Assert.Equal("stem", names[0]);
        Assert.Equal("stage3.block3", names[^2]);
        Assert.Equal("classifier", names[^1]);
        // Every trainable tensor belongs to exactly one group.
        var handles = net.LayerGroups.SelectMany(g => g.Module.parameters().Select(p => p.Handle)).ToArray();
        Assert.Equal(parameters.Tensors.Count, handles.Length);
        Assert.Equal(parameters.Tensors.Select(p => p.Handle).Order(), handles.Order());
        using var logits = net.forward(torch.zeros(2, 3, 32, 32));
        Assert.Equal(new long[] { 2, 10 }, logits.shape);
    }

    [Fact]
    public void InitializationFollowsTheSeedOnly()
    {
        using var scope = torch.NewDisposeScope();
        var a = new TrainableParameters(Small(NormKind.BatchNorm, seed: 5));
        torch.manual_seed(123);   // the global generator must not matter
        var b = new TrainableParameters(Small(NormKind.BatchNorm, seed: 5));
        var c = new TrainableParameters(Small(NormKind.BatchNorm, seed: 6));
        Assert.True(a.Tensors.Zip(b.Tensors).All(p => TensorAssert.Same(p.First, p.Second)));
        Assert.False(a.Tensors.Zip(c.Tensors).All(p => TensorAssert.Same(p.First, p.Second)));
    }

    [Theory]
    [InlineData(NormKind.BatchNorm)]
    [InlineData(NormKind.GroupNorm)]
    [InlineData(NormKind.None)]
    public void GenericJvpInEvalModeMatchesFiniteDifferences(NormKind norm)
    {
        using var scope = torch.NewDisposeScope();
        var net = Small(norm);
        WarmStatistics(net, 11);
        if (norm == NormKind.None)
        {
            // Zero-initialized biases make many ReLU inputs exactly 0 (a dead unit's output plus a zero skip), where
            // ReLU is not differentiable and central differences see half the slope: move the biases off zero.
            using var g = new Generator(12, device: torch.CPU);
            using (torch.no_grad())
                foreach (var (name, p) in net.named_parameters().Where(np => np.name.EndsWith("bias")))
                {
                    using var tenth = 0.1.ToScalar();
                    using var noise = torch.randn(p.shape, dtype: p.dtype, generator: g).mul_(tenth);
                    p.add_(noise, TorchScalars.One);
                }
        }
        var engine = new DoubleBackwardJvp(net);
        var inputs = Randn([3, 3, 32, 32], seed: 4);
        var tangent = RandomTangent(engine.Parameters, 5);
        using var r = engine.Compute(inputs, [tangent]);
        var fd = FiniteDifferenceJvp(net, engine.Parameters, inputs, tangent, h: 1e-6);
        double err = RelativeError(r.Jvps[0], fd);
        // Central differences in float64 with h = 1e-6: truncation ~1e-12, rounding ~1e-10 relative.
        Assert.True(err < 1e-6, $"{norm}: relative error {err:E2} against central differences");
    }

    [Fact]
    public void VjpMatchesExplicitJacobian()
    {
        using var scope = torch.NewDisposeScope();
        var net = Small(NormKind.BatchNorm);
        WarmStatistics(net, 21);
        var inputs = Randn([2, 3, 32, 32], seed: 7);
        var cotangent = Randn([2, 10], seed: 8);
        var vjp = new ParameterVjp(net).Compute(inputs, cotangent);
        var jacobian = new Telescope.Tests.Smoothing.ExplicitJacobian(net).Of(inputs);                         // [N, k, P]
        var expected = torch.einsum("nkp,nk->p", jacobian, cotangent);
        double err = RelativeError(Telescope.Tests.Smoothing.ExplicitJacobian.Flatten(vjp), expected);
        Assert.True(err < 1e-10, $"relative error {err:E2}");
    }

    [Fact]
    public void TelescopingTrackerStepMatchesExplicitJacobian()
    {
        using var scope = torch.NewDisposeScope();
        var net = Small(NormKind.GroupNorm);
        var engine = new DoubleBackwardJvp(net);
        var probes = Randn([3, 3, 32, 32], seed: 9);
        var jacobian = new Telescope.Tests.Smoothing.ExplicitJacobian(net).Of(probes);
        using var f0 = net.forward(probes).detach();
        using var optimizer = ExactOptimizers.Sgd(engine.Parameters, 0.05, momentum: 0.9, weightDecay: 1e-4);
        using var tracker = new TelescopingTracker(engine, [new TrackedSet("probe", probes)]);
        var batch = Randn([4, 3, 32, 32], seed: 10);
        using var loss = nn.functional.cross_entropy(net.forward(batch), torch.tensor(new long[] { 0, 1, 2, 3 }));
        loss.backward();
        using var update = tracker.Step(optimizer);
        var expected = f0.add(torch.einsum("nkp,p->nk", jacobian, Telescope.Tests.Smoothing.ExplicitJacobian.Flatten(update.Total)), TorchScalars.One);
        double err = MaxAbs(tracker.Telescoped("probe"), expected);
        Assert.True(err < 1e-10, $"max |f̃_1 − (f_0 + J_0 Δθ)| = {err:E2}");
    }
}
