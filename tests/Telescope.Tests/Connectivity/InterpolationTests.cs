using Telescope.Autodiff;
using Telescope.Connectivity;
using Telescope.Models;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using static Telescope.Tests.Autodiff.AutodiffFixtures;
using Explicit = Telescope.Tests.Smoothing.ExplicitJacobian;

namespace Telescope.Tests.Connectivity;

/// <summary>Interpolation, its instability measures, BatchNorm recomputation and the spawn's linearization view.</summary>
public class InterpolationTests
{
    private static InterpolationPoint P(double alpha, double acc, double loss) => new(alpha, acc, loss);

    [Fact]
    public void DropAndBarrierFollowTheirDefinitions()
    {
        var path = new[] { P(0, 0.6, 1.0), P(0.25, 0.5, 1.3), P(0.5, 0.3, 1.8), P(0.75, 0.55, 1.1), P(1, 0.7, 0.9) };
        Assert.Equal((0.6 + 0.7) / 2 - 0.3, ConnectivityMetrics.AccuracyDrop(path), 12);
        Assert.Equal(0.65 - 0.3, ConnectivityMetrics.Barrier(path), 12);                 // largest at α = ½
        Assert.Equal(1.8 - 0.95, ConnectivityMetrics.LossIncrease(path), 12);
        Assert.Equal(1.8 - 0.95, ConnectivityMetrics.LossBarrier(path), 12);
        var convex = new[] { P(0, 0.6, 1), P(0.5, 0.7, 0.8), P(1, 0.6, 1) };
        Assert.Equal(0.0, ConnectivityMetrics.Barrier(convex), 12);                        // the end points bound it below by 0
        Assert.Equal(-0.1, ConnectivityMetrics.AccuracyDrop(convex), 12);                  // the drop may be negative
    }

    [Theory]
    [InlineData(new[] { 0.0, 0.5 })]
    [InlineData(new[] { 0.1, 0.5, 1.0 })]
    [InlineData(new[] { 0.0, 0.7, 0.5, 1.0 })]
    public void GridsWithoutBothEndsAreRejected(double[] alphas) =>
        Assert.Throws<TelescopeException>(() => InterpolationPath.ValidateGrid(alphas));

    [Fact]
    public void RecomputedStatisticsAreTheMeanOfThePerBatchStatistics()
    {
        using var scope = torch.NewDisposeScope();
        var bn = nn.BatchNorm2d(3, dtype: ScalarType.Float64);
        var module = nn.Sequential(("bn", bn));
        var images = Randn([40, 3, 4, 4], seed: 1, scale: 2).add(TorchScalars.One, TorchScalars.One);
        BatchNormStatistics.Recompute(module, images, batchSize: 10, batches: 3);
        var batches = Enumerable.Range(0, 3).Select(b => images.narrow(0, b * 10, 10)).ToArray();
        var mean = torch.stack(batches.Select(x => x.mean([0L, 2L, 3L])).ToArray()).mean([0L]);
        var variance = torch.stack(batches.Select(x => x.transpose(0, 1).reshape(3, -1).var(1)).ToArray()).mean([0L]);   // unbiased
        Assert.True(MaxAbs(bn.running_mean!, mean) < 1e-12);
        Assert.True(MaxAbs(bn.running_var!, variance) < 1e-12);
        Assert.False(bn.training);
    }

    [Fact]
    public void EndPointsOfAnInterpolatedPathAreTheChildren()
    {
        using var scope = torch.NewDisposeScope();
        ResNet Build(int seed) => new(new ResNetOptions { Width = 2, DType = ScalarType.Float64 }, seed);
        var net = Build(1);
        var parameters = new TrainableParameters(net);
        var one = new NetworkState(parameters.CloneValues(), ModuleTensors.CloneBuffers(net));
        var other = Build(2);
        var two = new NetworkState(new TrainableParameters(other).CloneValues(), ModuleTensors.CloneBuffers(other));
        var test = new ImageClassifierData(Randn([30, 3, 32, 32], seed: 3), torch.randint(0, 10, [30]));
        var path = new InterpolationPath(net, test.Images, BatchNormMode.Interpolate, 10, 1);
        var points = path.Evaluate(one, two, [0, 0.5, 1], test);
        Assert.Equal(ClassifierEvaluation.Evaluate(other, test).Loss, points[0].Loss, 12);
        ModuleTensors.Load(parameters, net, one.Parameters, one.Buffers);
        Assert.Equal(ClassifierEvaluation.Evaluate(net, test).Loss, points[2].Loss, 12);
    }

    [Fact]
    public void LinearizationViewMatchesExplicitJacobian()
    {
        using var scope = torch.NewDisposeScope();
        var net = GradientChangeTests.ConvNet(4);
        var parameters = new TrainableParameters(net);
        var probes = Randn([5, 2, 6, 6], seed: 5);
        NetworkState Shifted(int seed) => new(parameters.Tensors.Select((p, i) => p.detach().add(Randn(p.shape, seed + i, scale: 0.3), TorchScalars.One)).ToArray(), []);
        var spawn = new NetworkState(parameters.CloneValues(), []);
        var c1 = Shifted(10);
        var c2 = Shifted(20);
        var jacobian = new Explicit(net).Of(probes);
        Tensor F(NetworkState s) { ModuleTensors.Load(parameters, net, s.Parameters, []); using var _ = torch.no_grad(); return net.forward(probes); }
        var mid = new NetworkState(WeightInterpolation.Interpolate(c1.Parameters, c2.Parameters, 0.5), []);
        var f0 = F(spawn);
        var fMid = F(mid);
        var f1 = F(c1);
        var f2 = F(c2);
        Tensor Lin(NetworkState s) => f0.add(torch.einsum("nkp,p->nk", jacobian,
            Explicit.Flatten(s.Parameters.Select((t, i) => t - spawn.Parameters[i]).ToArray())), TorchScalars.One);
        var result = SpawnLinearization.Measure(net, spawn, c1, c2, fMid, probes);
        Assert.Equal((fMid - f1.add(f2, TorchScalars.One).div(TorchScalars.Two)).abs().mean().item<double>(), result.PathNonlinearity, 10);
        Assert.Equal((fMid - Lin(mid)).abs().mean().item<double>(), result.LinearizationGap, 10);
        Assert.Equal((f1 - Lin(c1)).abs().mean().item<double>(), result.ChildGap1, 10);
        Assert.Equal((f2 - Lin(c2)).abs().mean().item<double>(), result.ChildGap2, 10);
        Assert.True(result.LinearizationGap > 1e-3, "tanh makes the gap non-zero: otherwise the comparison is vacuous");
    }
}
