using Telescope.Autodiff;
using Telescope.Optim;
using Xunit;
using Xunit.Abstractions;
using TorchSharp;
using static TorchSharp.torch;
using static Telescope.Tests.Optim.OptimTestKit;

namespace Telescope.Tests.Optim;

/// <summary>
/// Float64: every component, the total and the exposed state match <see cref="ReferenceUpdates"/> to 1e-12
/// (absolute; updates are O(1e-2)), the components sum to the total to 1e-12, and the returned Δθ equals
/// θ_after − θ_before up to the rounding of the addition (1e-15 · max|θ|).
/// </summary>
public class UpdateComponentTests(ITestOutputHelper output)
{
    private const int Steps = 12;
    private const double Tolerance = 1e-12;

    public static TheoryData<string> SgdCases => ["plain", "decay", "momentum-decay", "nesterov-decay-clip", "momentum-step-schedule"];
    public static TheoryData<string> AdamCases => ["adam", "adam-decay-clip", "adam-beta1-0", "adamw", "adamw-step-schedule"];

    private static SgdOptions SgdCase(string name) => name switch
    {
        "plain" => new() { LearningRate = new ConstantLearningRate(0.05) },
        "decay" => new() { LearningRate = new ConstantLearningRate(0.05), WeightDecay = 0.01 },
        "momentum-decay" => new() { LearningRate = new ConstantLearningRate(0.02), Momentum = 0.9, WeightDecay = 0.005 },
        "nesterov-decay-clip" => new()
        {
            LearningRate = new ConstantLearningRate(0.02), Momentum = 0.8, Nesterov = true, WeightDecay = 0.005, MaxGradNorm = 0.3,
        },
        "momentum-step-schedule" => new() { LearningRate = new StepDecayLearningRate(0.05, [5], 0.5), Momentum = 0.9 },
        _ => throw new ArgumentException(name),
    };

    private static AdamOptions AdamCase(string name) => name switch
    {
        "adam" => new() { LearningRate = new ConstantLearningRate(0.01) },
        "adam-decay-clip" => new() { LearningRate = new ConstantLearningRate(0.01), WeightDecay = 0.01, MaxGradNorm = 0.3 },
        "adam-beta1-0" => new() { LearningRate = new ConstantLearningRate(0.005), Beta1 = 0, Beta2 = 0.99, Epsilon = 1e-6 },
        "adamw" => new() { LearningRate = new ConstantLearningRate(0.01), WeightDecay = 0.1, Decoupled = true },
        "adamw-step-schedule" => new()
        {
            LearningRate = new StepDecayLearningRate(0.01, [4, 8], 0.3), WeightDecay = 0.05, Decoupled = true,
        },
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(SgdCases))]
    public void SgdComponentsMatchTheFormulaAndSumToTheTotal(string name)
    {
        var options = SgdCase(name);
        using var model = NewMlp();
        var batches = Batches();
        var parameters = new TrainableParameters(model);
        using var optimizer = new SgdOptimizer(parameters, options);
        var buffers = new Tensor?[parameters.Tensors.Count];
        var worst = new Worst();
        for (int t = 1; t <= Steps; t++)
        {
            Backward(model, batches, t);
            var theta = parameters.CloneValues();
            var grads = Gradients(parameters);
            using var expected = ReferenceUpdates.Sgd(options, t, theta, grads, buffers);
            using var update = optimizer.ComputeUpdate();
            CheckUpdate(update, expected, t, options.LearningRate.At(t), worst);
            if (options.Momentum > 0) worst.State = Math.Max(worst.State, MaxAbsDiff(optimizer.MomentumBuffers, buffers!));
            else Assert.Empty(optimizer.MomentumBuffers);
            optimizer.Apply(update);
            CheckApplied(parameters, theta, update, worst);
            DisposeAll(theta);
            DisposeAll(grads);
        }
        worst.Report(output, name);
        DisposeAll(buffers.OfType<Tensor>());
    }

    [Theory]
    [MemberData(nameof(AdamCases))]
    public void AdamComponentsMatchTheFormulaAndSumToTheTotal(string name)
    {
        var options = AdamCase(name);
        using var model = NewMlp();
        var batches = Batches();
        var parameters = new TrainableParameters(model);
        using var optimizer = new AdamOptimizer(parameters, options);
        var m = parameters.Zeros();
        var v = parameters.Zeros();
        var preconditioner = new Tensor[parameters.Tensors.Count];
        var worst = new Worst();
        for (int t = 1; t <= Steps; t++)
        {
            Backward(model, batches, t);
            var theta = parameters.CloneValues();
            var grads = Gradients(parameters);
            using var expected = ReferenceUpdates.Adam(options, t, theta, grads, m, v, preconditioner);
            using var update = optimizer.ComputeUpdate();
            CheckUpdate(update, expected, t, options.LearningRate.At(t), worst);

            double relState = Math.Max(
                Math.Max(MaxAbsDiff(optimizer.FirstMoments, m) / MaxAbs(m), MaxAbsDiff(optimizer.SecondMoments, v) / MaxAbs(v)),
                MaxAbsDiff(optimizer.Preconditioners, preconditioner) / MaxAbs(preconditioner));
            worst.State = Math.Max(worst.State, relState);
            Assert.Equal(1 - Math.Pow(options.Beta1, t), optimizer.BiasCorrection1, 15);
            Assert.Equal(1 - Math.Pow(options.Beta2, t), optimizer.BiasCorrection2, 15);
            Assert.Equal(options.LearningRate.At(t) / (1 - Math.Pow(options.Beta1, t)), optimizer.LastStepSize, 15);

            optimizer.Apply(update);
            CheckApplied(parameters, theta, update, worst);
            DisposeAll(theta);
            DisposeAll(grads);
        }
        worst.Report(output, name);
        DisposeAll(m);
        DisposeAll(v);
        DisposeAll(preconditioner);
    }

    [Fact]
    public void WithoutComponentsTheTotalAndStateAreUnchanged()
    {
        using var model = NewMlp();
        using var twin = NewMlp();
        var batches = Batches();
        var options = AdamCase("adam-decay-clip");
        using var split = new AdamOptimizer(new TrainableParameters(model), options);
        using var whole = new AdamOptimizer(new TrainableParameters(twin), options) { IncludeComponents = false };
        for (int t = 1; t <= 5; t++)
        {
            Backward(model, batches, t);
            Backward(twin, batches, t);
            using var a = split.Step();
            using var b = whole.Step();
            Assert.Empty(b.Components);
            Assert.Equal(0, MaxAbsDiff(a.Total, b.Total));
            Assert.Equal(0, MaxAbsDiff(split.FirstMoments, whole.FirstMoments));
        }
    }

    private sealed class Worst
    {
        public double Component, Sum, Total, Applied, State;

        public void Report(ITestOutputHelper output, string name)
        {
            output.WriteLine($"{name}: max |component − formula| = {Component:E2}, |Σ components − total| = {Sum:E2}, " +
                $"|total − formula| = {Total:E2}, |(θ_after − θ_before) − Δθ| / max|θ| = {Applied:E2}, state rel. diff = {State:E2}");
            Assert.True(Component <= Tolerance && Sum <= Tolerance && Total <= Tolerance, $"{name}: exceeds {Tolerance:E0}.");
            Assert.True(Applied <= 1e-15, $"{name}: applied update differs from Δθ by {Applied:E3}·max|θ|.");
            Assert.True(State <= 1e-12, $"{name}: exposed state differs from the formula's by {State:E3} (relative).");
        }
    }

    private static void CheckUpdate(ParameterUpdate update, ExpectedUpdate expected, int step, double rate, Worst worst)
    {
        Assert.Equal(step, update.Step);
        Assert.Equal(rate, update.LearningRate);
        Assert.Equal(expected.Components.Keys.Order(), update.Components.Keys.Order());
        foreach (var (key, parts) in expected.Components)
            worst.Component = Math.Max(worst.Component, MaxAbsDiff(update.Components[key], parts));
        var sum = Sum(update.Components.Values);
        worst.Sum = Math.Max(worst.Sum, MaxAbsDiff(sum, update.Total));
        worst.Total = Math.Max(worst.Total, MaxAbsDiff(update.Total, expected.Total));
        DisposeAll(sum);
    }

    private static void CheckApplied(TrainableParameters parameters, Tensor[] before, ParameterUpdate update, Worst worst)
    {
        var after = parameters.CloneValues();
        var moved = after.Zip(before, (a, b) => a - b).ToArray();
        worst.Applied = Math.Max(worst.Applied, MaxAbsDiff(moved, update.Total) / MaxAbs(before));
        DisposeAll(after);
        DisposeAll(moved);
    }
}
