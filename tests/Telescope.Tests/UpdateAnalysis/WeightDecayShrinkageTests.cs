using Telescope.Autodiff;
using Telescope.UpdateAnalysis;
using Telescope.Models;
using Telescope.Optim;
using Telescope.Telescoping;
using TorchSharp;
using Xunit;
using static Telescope.Tests.UpdateAnalysis.DesignChoicesFixture;

namespace Telescope.Tests.UpdateAnalysis;

/// <summary>
/// Float64. For a bias-free ReLU MLP with L weight layers, J(x)·θ = L·f(x) (Euler) and so the weight-decay
/// component's functional contribution at every step is −s_t·L·f_{θ_{t−1}}(x) with s_t = γλ (coupled SGD with
/// momentum; AdamW decoupled): relative deviation below 1e-10 at every step. With biases or tanh the same
/// prediction misses by more than 1e-3 (so the identity test can fail).
/// </summary>
public class WeightDecayShrinkageTests
{
    [Fact]
    public void JacobianTimesParametersIsDegreeTimesOutputForBiasFreeRelu()
    {
        var model = Net(31, Activation.ReLU, bias: false, hidden: [7, 6, 5]);
        var (x, _) = Sample(10, 32);
        var engine = new ForwardModeJvp(model);
        Assert.Equal(4, WeightDecayShrinkage.HomogeneityDegree(model));
        using var result = engine.Compute(x, [engine.Parameters.Tensors]);
        using var degree = 4.ToScalar();
        double deviation = WeightDecayShrinkage.RelativeDeviation(result.Jvps[0], result.Output.mul(degree));
        Assert.True(deviation < 1e-12, $"J·θ vs L·f: {deviation:G3}");
    }

    [Theory]
    [InlineData("sgd_momentum_wd")]
    [InlineData("adamw")]
    public void WeightDecayContributionIsShrinkageOfTheFunction(string optimizerName)
    {
        Assert.True(MaxStepDeviation(Activation.ReLU, bias: false, optimizerName) < 1e-10);
        Assert.True(MaxStepDeviation(Activation.ReLU, bias: true, optimizerName) > 1e-3);
        Assert.True(MaxStepDeviation(Activation.Tanh, bias: false, optimizerName) > 1e-3);
    }

    [Fact]
    public void CoupledAdamDecayIsNotAScalarShrinkage()
    {
        var model = Net(33, Activation.ReLU, bias: false);
        var engine = new ForwardModeJvp(model);
        using var adam = ExactOptimizers.Adam(engine.Parameters, 0.01, weightDecay: 0.1);
        using var sgd = ExactOptimizers.Sgd(engine.Parameters, 0.01);
        Assert.Null(WeightDecayShrinkage.Coefficient(adam));
        Assert.Null(WeightDecayShrinkage.Coefficient(sgd));
        Assert.Null(WeightDecayShrinkage.HomogeneityDegree(Net(34, Activation.ReLU, bias: true)));
        Assert.Null(WeightDecayShrinkage.HomogeneityDegree(Net(35, Activation.Tanh, bias: false)));
    }

    private static double MaxStepDeviation(Activation activation, bool bias, string optimizerName)
    {
        var model = Net(36, activation, bias);
        var (x, y) = Sample(12, 37);
        var (test, _) = Sample(8, 38);
        var engine = new ForwardModeJvp(model);
        using IExactOptimizer optimizer = optimizerName == "adamw"
            ? ExactOptimizers.AdamW(engine.Parameters, 0.01, weightDecay: 0.1)
            : ExactOptimizers.Sgd(engine.Parameters, 0.05, momentum: 0.9, weightDecay: 0.05);
        using var tracker = new TelescopingTracker(engine, [new TrackedSet("test", test)],
            new TelescopingOptions { TrackComponents = true, TrackLinearized = false });
        using var increments = new ComponentIncrements(tracker, "test");
        double worst = 0;
        for (int t = 0; t < 12; t++)
        {
            using var previous = Forward(model, test);
            Backward(model, optimizer, x, y);
            tracker.Step(optimizer).Dispose();
            increments.Advance();
            double s = WeightDecayShrinkage.Coefficient(optimizer)!.Value;
            Assert.True(s > 0);
            using var measured = increments.Step(UpdateComponent.WeightDecay);
            using var predicted = WeightDecayShrinkage.Predicted(previous, s, 3);
            worst = Math.Max(worst, WeightDecayShrinkage.RelativeDeviation(measured, predicted));
        }
        return worst;
    }
}
