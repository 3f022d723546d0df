using Telescope.Optim;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Telescope.Tests.Optim;

/// <summary>
/// Each schedule's γ_t equals the rate TorchSharp's lr_scheduler gives the optimizer for step t when the
/// scheduler is stepped once after every optimizer step (relative 1e-12; TorchSharp updates most rates
/// recursively, so bit equality is not expected).
/// </summary>
public class LearningRateScheduleTests
{
    private const double RelativeTolerance = 1e-12;

    private static void AssertSameRates(ILearningRateSchedule ours, double initialRate,
        Func<optim.Optimizer, optim.lr_scheduler.LRScheduler> scheduler, int steps)
    {
        using var p = new TorchSharp.Modules.Parameter(torch.zeros(1, dtype: ScalarType.Float64));
        using var builtin = optim.SGD([p], initialRate);
        var s = scheduler(builtin);
        for (int t = 1; t <= steps; t++)
        {
            double theirs = builtin.ParamGroups.First().LearningRate;
            double mine = ours.At(t);
            Assert.True(Math.Abs(mine - theirs) <= RelativeTolerance * Math.Max(Math.Abs(theirs), 1e-300),
                $"{ours} at step {t}: {mine} vs TorchSharp {theirs}.");
            s.step();
        }
    }

    [Fact]
    public void ConstantIsConstant()
    {
        var c = new ConstantLearningRate(0.3);
        Assert.All(Enumerable.Range(1, 50), t => Assert.Equal(0.3, c.At(t)));
    }

    [Fact]
    public void MilestonesMatchMultiStepLR() =>
        AssertSameRates(new StepDecayLearningRate(0.1, [3, 7, 12], 0.3), 0.1,
            o => optim.lr_scheduler.MultiStepLR(o, [3, 7, 12], 0.3), 20);

    [Fact]
    public void PeriodicMatchesStepLR() =>
        AssertSameRates(StepDecayLearningRate.Periodic(0.1, 5, 0.5), 0.1, o => optim.lr_scheduler.StepLR(o, 5, 0.5), 23);

    [Fact]
    public void CosineMatchesCosineAnnealingLR()
    {
        var cosine = new CosineLearningRate(0.1, 10, 0.01);
        AssertSameRates(cosine, 0.1, o => optim.lr_scheduler.CosineAnnealingLR(o, 10, 0.01), 11);
        Assert.Equal(0.1, cosine.At(1), 15);
        Assert.Equal(0.055, cosine.At(6), 15);   // halfway: the mean of the two ends
        Assert.Equal(0.01, cosine.At(11), 15);
        Assert.Equal(0.01, cosine.At(500), 15);  // holds at the minimum after the decay
    }

    [Fact]
    public void WarmupMatchesLinearLR()
    {
        const int warmup = 8;
        AssertSameRates(new LinearWarmupLearningRate(new ConstantLearningRate(0.2), warmup), 0.2,
            o => optim.lr_scheduler.LinearLR(o, 1.0 / warmup, 1.0, warmup - 1), 20);
    }

    [Fact]
    public void WarmupScalesTheInnerSchedule()
    {
        var inner = new CosineLearningRate(0.1, 100);
        var warm = new LinearWarmupLearningRate(inner, 4);
        Assert.Equal(inner.At(1) / 4, warm.At(1), 15);
        Assert.Equal(inner.At(3) * 3 / 4, warm.At(3), 15);
        Assert.Equal(inner.At(4), warm.At(4), 15);
        Assert.Equal(inner.At(50), warm.At(50), 15);
    }
}
