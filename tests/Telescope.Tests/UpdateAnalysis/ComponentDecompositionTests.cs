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
/// Float64. The design-choice decomposition is exact: for each of the five optimizers of the recipe the tracked
/// components' cumulative contributions sum to f̃_T − f_θ0 on train and test inputs (1e-10 absolute; f̃ − f_θ0 is
/// O(0.1)), and the per-step increments read by <see cref="ComponentIncrements"/> sum to the step's f̃ change.
/// </summary>
public class ComponentDecompositionTests
{
    private const double Tolerance = 1e-10;

    private static IExactOptimizer Create(string name, TrainableParameters p) => name switch
    {
        "sgd" => ExactOptimizers.Sgd(p, 0.2),
        "sgd_momentum" => ExactOptimizers.Sgd(p, 0.05, momentum: 0.9),
        "sgd_momentum_wd" => ExactOptimizers.Sgd(p, 0.05, momentum: 0.9, weightDecay: 0.01),
        "adam" => ExactOptimizers.Adam(p, 0.01),
        "adamw" => ExactOptimizers.AdamW(p, 0.01, weightDecay: 0.05),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [InlineData("sgd", 1)]
    [InlineData("sgd_momentum", 2)]
    [InlineData("sgd_momentum_wd", 3)]
    [InlineData("adam", 2)]
    [InlineData("adamw", 3)]
    public void ComponentsSumToTheTelescopedChangeOnTrainAndTest(string optimizerName, int expectedComponents)
    {
        var model = Net(21, Activation.ReLU, bias: true);
        var (x, y) = Sample(12, 22);
        var (test, _) = Sample(9, 23);
        var engine = new ForwardModeJvp(model);
        using var optimizer = Create(optimizerName, engine.Parameters);
        using var tracker = new TelescopingTracker(engine, [new TrackedSet("train", x), new TrackedSet("test", test)],
            new TelescopingOptions { TrackComponents = true, TrackLinearized = false });
        using var increments = new ComponentIncrements(tracker, "test");
        double largestStepGap = 0;
        for (int t = 0; t < 15; t++)
        {
            Backward(model, optimizer, x, y);
            tracker.Step(optimizer).Dispose();
            increments.Advance();
            using var stepSum = increments.Components.Select(increments.Step).Aggregate((a, b) => a.add(b, TorchScalars.One));
            largestStepGap = Math.Max(largestStepGap, (stepSum - increments.StepTotal).abs().max().item<double>());
        }
        Assert.Equal(expectedComponents, tracker.Components.Count);
        foreach (var set in new[] { "train", "test" })
        {
            var change = tracker.Telescoped(set) - tracker.Initial(set);
            Assert.True(change.abs().max().item<double>() > 1e-2, "the run must move the function");
            var sum = tracker.Components.Select(c => tracker.ComponentContribution(set, c)).Aggregate((a, b) => a.add(b, TorchScalars.One));
            double gap = (sum - change).abs().max().item<double>();
            Assert.True(gap < Tolerance, $"{optimizerName} {set}: Σ_c contributions − (f̃ − f0) = {gap:G3}");
        }
        Assert.True(largestStepGap < 1e-12, $"per-step increments do not sum to the step: {largestStepGap:G3}");
    }
}
