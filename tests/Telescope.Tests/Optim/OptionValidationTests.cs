using Telescope.Autodiff;
using Telescope.Optim;
using Xunit;
using static Telescope.Tests.Optim.OptimTestKit;

namespace Telescope.Tests.Optim;

/// <summary>Bad settings and misuse fail early with messages that name the problem and the fix.</summary>
public class OptionValidationTests
{
    private static ConstantLearningRate Rate => new(0.1);

    [Theory]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void NegativeOrNonFiniteLearningRateIsRejected(double rate)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new ConstantLearningRate(rate));
        Assert.Contains("learning rate", e.Message);
        Assert.Contains("≥ 0", e.Message);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    public void SgdMomentumOutsideUnitIntervalIsRejected(double beta)
    {
        var e = Assert.Throws<ArgumentException>(() => new SgdOptions { LearningRate = Rate, Momentum = beta }.Validate());
        Assert.Contains("Momentum", e.Message);
        Assert.Contains("[0, 1)", e.Message);
    }

    [Theory]
    [InlineData(1.0, 0.999, "Beta1")]
    [InlineData(-0.5, 0.999, "Beta1")]
    [InlineData(0.9, 1.0, "Beta2")]
    [InlineData(0.9, -1e-3, "Beta2")]
    public void AdamBetasOutsideUnitIntervalAreRejected(double beta1, double beta2, string name)
    {
        var e = Assert.Throws<ArgumentException>(() => new AdamOptions { LearningRate = Rate, Beta1 = beta1, Beta2 = beta2 }.Validate());
        Assert.Contains(name, e.Message);
        Assert.Contains("[0, 1)", e.Message);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1e-8)]
    public void NonPositiveEpsilonIsRejected(double eps)
    {
        var e = Assert.Throws<ArgumentException>(() => new AdamOptions { LearningRate = Rate, Epsilon = eps }.Validate());
        Assert.Contains("Epsilon", e.Message);
        Assert.Contains("> 0", e.Message);
    }

    [Fact]
    public void OtherBadSettingsAreRejected()
    {
        Assert.Contains("WeightDecay", Assert.Throws<ArgumentException>(
            () => new SgdOptions { LearningRate = Rate, WeightDecay = -1e-4 }.Validate()).Message);
        Assert.Contains("WeightDecay", Assert.Throws<ArgumentException>(
            () => new AdamOptions { LearningRate = Rate, WeightDecay = -1e-4 }.Validate()).Message);
        Assert.Contains("MaxGradNorm", Assert.Throws<ArgumentException>(
            () => new SgdOptions { LearningRate = Rate, MaxGradNorm = 0 }.Validate()).Message);
        Assert.Contains("Nesterov", Assert.Throws<ArgumentException>(
            () => new SgdOptions { LearningRate = Rate, Nesterov = true }.Validate()).Message);
        Assert.Contains("increasing", Assert.Throws<ArgumentException>(
            () => new StepDecayLearningRate(0.1, [5, 5], 0.1)).Message);
        Assert.Contains("count from 1", Assert.Throws<ArgumentOutOfRangeException>(() => Rate.At(0)).Message);
    }

    [Fact]
    public void ConstructorsValidateOptions()
    {
        using var model = NewMlp();
        var parameters = new TrainableParameters(model);
        Assert.Throws<ArgumentException>(() => ExactOptimizers.Adam(parameters, beta2: 1.0));
        Assert.Throws<ArgumentException>(() => ExactOptimizers.Sgd(parameters, 0.1, momentum: 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExactOptimizers.Sgd(parameters, -0.1));
    }

    [Fact]
    public void MissingGradientNamesTheParameterAndSaysToCallBackward()
    {
        using var model = NewMlp();
        var parameters = new TrainableParameters(model);
        using var optimizer = ExactOptimizers.Adam(parameters);
        var e = Assert.Throws<InvalidOperationException>(() => optimizer.ComputeUpdate());
        Assert.Contains($"'{optimizer.ParameterNames[0]}'", e.Message);
        Assert.Contains("weight", optimizer.ParameterNames[0]);
        Assert.Contains("backward()", e.Message);
        Assert.Equal(0, optimizer.StepCount);
    }

    private sealed class BrokenSchedule : ILearningRateSchedule
    {
        public double At(int step) => step < 3 ? 0.1 : -0.1;
        public override string ToString() => "broken";
    }

    [Fact]
    public void NegativeRateFromAScheduleFailsAtThatStepWithoutAdvancingState()
    {
        using var model = NewMlp();
        var batches = Batches();
        var parameters = new TrainableParameters(model);
        using var optimizer = ExactOptimizers.Sgd(parameters, new BrokenSchedule(), momentum: 0.9);
        for (int t = 1; t <= 2; t++)
        {
            Backward(model, batches, t);
            using (optimizer.Step()) { }
        }
        var buffers = optimizer.MomentumBuffers.Select(b => b.clone()).ToArray();
        Backward(model, batches, 3);
        var e = Assert.Throws<InvalidOperationException>(() => optimizer.ComputeUpdate());
        Assert.Contains("step 3", e.Message);
        Assert.Contains("-0.1", e.Message);
        Assert.Equal(2, optimizer.StepCount);
        Assert.Equal(0, MaxAbsDiff(buffers, optimizer.MomentumBuffers));
        DisposeAll(buffers);
    }

    [Fact]
    public void ApplyTakesOnlyTheLatestUpdateOnce()
    {
        using var model = NewMlp();
        var batches = Batches();
        var parameters = new TrainableParameters(model);
        using var optimizer = ExactOptimizers.Sgd(parameters, 0.1);
        Backward(model, batches, 1);
        using var first = optimizer.ComputeUpdate();
        optimizer.Apply(first);
        Assert.Contains("once", Assert.Throws<InvalidOperationException>(() => optimizer.Apply(first)).Message);
        Backward(model, batches, 2);
        using var second = optimizer.ComputeUpdate();
        Assert.Throws<InvalidOperationException>(() => optimizer.Apply(first));
        optimizer.Apply(second);
    }

    [Fact]
    public void StateSurvivesTheDisposeScopeTheOptimizerWasBuiltIn()
    {
        using var model = NewMlp();
        var batches = Batches();
        var parameters = new TrainableParameters(model);
        AdamOptimizer optimizer;
        using (TorchSharp.torch.NewDisposeScope())
            optimizer = ExactOptimizers.Adam(parameters, maxGradNorm: 1.0, weightDecay: 1e-3);
        using (optimizer)
        {
            Backward(model, batches, 1);
            using var update = optimizer.Step();
            Assert.True(MaxAbs(optimizer.FirstMoments) > 0);
        }
    }

    [Fact]
    public void ZeroGradKeepsGradientTensorsAndZeroesThem()
    {
        using var model = NewMlp();
        var batches = Batches();
        var parameters = new TrainableParameters(model);
        using var optimizer = ExactOptimizers.Sgd(parameters, 0.1);
        Backward(model, batches, 1);
        optimizer.ZeroGrad();
        var grads = Gradients(parameters);
        Assert.Equal(0, MaxAbs(grads));
        DisposeAll(grads);
    }
}
