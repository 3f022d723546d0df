using Telescope.Autodiff;
using Telescope.Models;
using Telescope.Optim;
using Telescope.Telescoping;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Telescope.Tests.Telescoping;

/// <summary>
/// The tracker against independent computations: explicit Jacobians built row by row with autograd in the
/// test (not the library's engines), summed against the optimizer's recorded updates. Float64 throughout.
/// </summary>
public class TelescopingTrackerTests
{
    private const double Tolerance = 1e-10;

    private static Mlp SmallMlp(int seed, Activation? activation = null, int[]? hidden = null) => new(new MlpOptions
    {
        InputSize = 4,
        HiddenWidths = hidden ?? [6, 5],
        OutputSize = 3,
        Activation = activation ?? Activation.Tanh,
        DType = ScalarType.Float64,
    }, seed);

    /// <summary>J(x) for every input: [N, k, P], from one autograd.grad call per (input, output).</summary>
    private static Tensor ExplicitJacobian(Mlp model, Tensor inputs)
    {
        var parameters = model.parameters().Where(p => p.requires_grad).ToArray();
        long n = inputs.shape[0];
        var rows = new List<Tensor>();
        for (long i = 0; i < n; i++)
        {
            var output = model.forward(inputs.narrow(0, i, 1))[0];
            var perOutput = new List<Tensor>();
            for (long j = 0; j < output.shape[0]; j++)
            {
                var grads = torch.autograd.grad([output[j]], parameters, retain_graph: true);
                perOutput.Add(torch.cat(grads.Select(g => g.flatten()).ToArray()));
            }
            rows.Add(torch.stack(perOutput));
        }
        return torch.stack(rows);
    }

    private static Tensor Flatten(IReadOnlyList<Tensor> tensors) => torch.cat(tensors.Select(t => t.flatten()).ToArray());

    private static (Tensor X, Tensor Y) Data(int n, int seed)
    {
        using var g = new Generator((ulong)seed);
        var x = torch.randn(n, 4, dtype: ScalarType.Float64, generator: g);
        var y = torch.randint(0, 3, [n], generator: g);
        return (x, y);
    }

    private static void TrainStep(Mlp model, IExactOptimizer optimizer, Tensor x, Tensor y)
    {
        optimizer.ZeroGrad();
        using var loss = nn.functional.cross_entropy(model.forward(x), y);
        loss.backward();
    }

    [Fact]
    public void TelescopedModelEqualsSumOfExplicitJacobianUpdates_InAUserTrainingLoop()
    {
        var model = SmallMlp(1);
        var (x, y) = Data(16, 2);
        var (probe, probeLabels) = Data(7, 3);
        var engine = new ForwardModeJvp(model);
        using var optimizer = ExactOptimizers.Sgd(engine.Parameters, learningRate: 0.3, momentum: 0.9, weightDecay: 0.01);
        using var tracker = new TelescopingTracker(engine, [new TrackedSet("probe", probe, probeLabels)]);

        using var expected = model.forward(probe).detach().clone();
        for (int t = 0; t < 12; t++)
        {
            TrainStep(model, optimizer, x.narrow(0, (t % 4) * 4, 4), y.narrow(0, (t % 4) * 4, 4));
            var update = optimizer.ComputeUpdate();
            // Independent: the explicit Jacobian at θ_{t-1} times the recorded Δθ_t.
            using (var jac = ExplicitJacobian(model, probe))
            using (torch.no_grad())
                expected.add_(torch.einsum("nkp,p->nk", jac, Flatten(update.Total)), TorchScalars.One);
            tracker.Record(update);
            optimizer.Apply(update);
            update.Dispose();
        }

        var telescoped = tracker.Telescoped("probe");
        Assert.True(telescoped.allclose(expected, rtol: 0, atol: Tolerance), "f̃ differs from Σ J_{t-1}Δθ_t");
        var m = Assert.Single(tracker.Measure());
        Assert.Equal(12, m.Step);
        using var network = model.forward(probe).detach();
        Assert.Equal((network - expected).abs().mean().item<double>(), m.ErrAbsTelescoping, 12);
        Assert.True(m.ErrAbsTelescoping > 0, "a nonlinear network must differ from its first-order model");
        Assert.NotNull(m.AccNetwork);
    }

    [Fact]
    public void LinearizedModelEqualsInitialJacobianTimesDisplacement()
    {
        var model = SmallMlp(4);
        var (x, y) = Data(8, 5);
        var (probe, _) = Data(5, 6);
        var engine = new DoubleBackwardJvp(model);
        using var optimizer = ExactOptimizers.Adam(engine.Parameters, learningRate: 0.05);
        using var tracker = new TelescopingTracker(engine, [new TrackedSet("probe", probe)]);
        using var jac0 = ExplicitJacobian(model, probe);
        using var f0 = model.forward(probe).detach();
        using var theta0 = Flatten(engine.Parameters.CloneValues());
        for (int t = 0; t < 10; t++)
        {
            TrainStep(model, optimizer, x, y);
            tracker.Step(optimizer).Dispose();
        }
        using var theta = Flatten(engine.Parameters.CloneValues());
        using var expectedLinear = f0.add(torch.einsum("nkp,p->nk", jac0, theta - theta0), TorchScalars.One);
        using var network = model.forward(probe).detach();
        var m = Assert.Single(tracker.Measure());
        Assert.Equal((network - expectedLinear).abs().mean().item<double>(), m.ErrAbsLinear!.Value, 10);
        Assert.Equal((network - f0).abs().mean().item<double>(), m.MeanFunctionChange, 12);
        Assert.Equal(m.ErrAbsLinear.Value / m.MeanFunctionChange, m.ErrRelLinear!.Value, 12);
        Assert.Null(m.AccNetwork);
    }

    [Fact]
    public void StrideLinearizesOncePerWindowAtTheWindowStart()
    {
        var model = SmallMlp(7);
        var (x, y) = Data(8, 8);
        var (probe, _) = Data(5, 9);
        var engine = new ForwardModeJvp(model);
        using var optimizer = ExactOptimizers.Sgd(engine.Parameters, learningRate: 0.5);
        using var tracker = new TelescopingTracker(engine, [new TrackedSet("probe", probe)], new TelescopingOptions { Stride = 3 });
        using var expected = model.forward(probe).detach().clone();
        Tensor? jacobianAtWindowStart = null;
        Tensor? windowSum = null;
        for (int t = 0; t < 7; t++)   // windows: steps 1-3, 4-6, and the open window {7} closed by Measure
        {
            TrainStep(model, optimizer, x, y);
            if (t % 3 == 0) { jacobianAtWindowStart = ExplicitJacobian(model, probe); windowSum = null; }
            var update = optimizer.ComputeUpdate();
            windowSum = windowSum is null ? Flatten(update.Total) : windowSum.add(Flatten(update.Total), TorchScalars.One);
            tracker.Record(update);
            optimizer.Apply(update);
            if (t % 3 == 2 || t == 6)
                using (torch.no_grad()) expected.add_(torch.einsum("nkp,p->nk", jacobianAtWindowStart!, windowSum), TorchScalars.One);
        }
        tracker.Measure();
        Assert.True(tracker.Telescoped("probe").allclose(expected, rtol: 0, atol: Tolerance));
    }

    [Fact]
    public void StrideOneIsMoreAccurateThanALargeStride()
    {
        double Error(int stride)
        {
            var model = SmallMlp(10);
            var (x, y) = Data(8, 11);
            var (probe, _) = Data(20, 12);
            var engine = new ForwardModeJvp(model);
            using var optimizer = ExactOptimizers.Sgd(engine.Parameters, learningRate: 0.5);
            using var tracker = new TelescopingTracker(engine, [new TrackedSet("probe", probe)], new TelescopingOptions { Stride = stride, TrackLinearized = false });
            for (int t = 0; t < 20; t++) { TrainStep(model, optimizer, x, y); tracker.Step(optimizer).Dispose(); }
            return tracker.Measure()[0].ErrAbsTelescoping;
        }
        Assert.True(Error(1) < Error(10));
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("adam")]
    [InlineData("adamw")]
    public void ComponentContributionsSumToTheTelescopedChange(string optimizerName)
    {
        var model = SmallMlp(13);
        var (x, y) = Data(8, 14);
        var (probe, _) = Data(6, 15);
        var engine = new ForwardModeJvp(model);
        using IExactOptimizer optimizer = optimizerName switch
        {
            "sgd" => ExactOptimizers.Sgd(engine.Parameters, learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.05),
            "adam" => ExactOptimizers.Adam(engine.Parameters, learningRate: 0.01, weightDecay: 0.05),
            _ => ExactOptimizers.AdamW(engine.Parameters, learningRate: 0.01, weightDecay: 0.05),
        };
        foreach (var stride in new[] { 1, 4 })
        {
            using var tracker = new TelescopingTracker(engine, [new TrackedSet("probe", probe)],
                new TelescopingOptions { Stride = stride, TrackComponents = true });
            for (int t = 0; t < 10; t++) { TrainStep(model, optimizer, x, y); tracker.Step(optimizer).Dispose(); }
            tracker.Measure();
            var change = tracker.Telescoped("probe") - tracker.Initial("probe");
            Assert.Equal(3, tracker.Components.Count);
            var sum = tracker.Components.Select(c => tracker.ComponentContribution("probe", c)).Aggregate((a, b) => a.add(b, TorchScalars.One));
            Assert.True(sum.allclose(change, rtol: 0, atol: Tolerance), $"components do not sum to f̃ − f0 (stride {stride})");
        }
    }

    [Fact]
    public void LinearModelIsItsOwnTelescopingAndLinearizedModel()
    {
        var model = new Mlp(new MlpOptions { InputSize = 4, HiddenWidths = [], OutputSize = 3, DType = ScalarType.Float64 }, 3);
        var (x, y) = Data(8, 16);
        var engine = new ForwardModeJvp(model);
        using var optimizer = ExactOptimizers.Sgd(engine.Parameters, learningRate: 0.5, momentum: 0.5);
        using var tracker = new TelescopingTracker(engine, [new TrackedSet("train", x, y)]);
        for (int t = 0; t < 25; t++) { TrainStep(model, optimizer, x, y); tracker.Step(optimizer).Dispose(); }
        var m = tracker.Measure()[0];
        Assert.True(m.MeanFunctionChange > 0.1);
        Assert.True(m.ErrAbsTelescoping < 1e-12, $"err {m.ErrAbsTelescoping}");
        Assert.True(m.ErrAbsLinear < 1e-12, $"err {m.ErrAbsLinear}");
        Assert.Equal(m.AccNetwork, m.AccTelescoping);
        Assert.Equal(1.0, m.ArgmaxAgreement);
    }

    [Fact]
    public void ScalarOutputAccuracyUsesTheSign()
    {
        var model = new Mlp(new MlpOptions { InputSize = 2, HiddenWidths = [3], OutputSize = 1, DType = ScalarType.Float64 }, 0);
        var inputs = torch.tensor(new double[] { 1, 0, 0, 1, -1, 0, 0, -1 }, [4, 2], ScalarType.Float64);
        using var outputs = model.forward(inputs).detach();
        using var plusOne = torch.tensor(1.0);
        using var minusOne = torch.tensor(-1.0);
        var labels = torch.where(outputs[.., 0].ge(TorchScalars.Zero), plusOne, minusOne);
        labels[0] = -labels[0];
        using var tracker = new TelescopingTracker(new ForwardModeJvp(model), [new TrackedSet("s", inputs, labels)]);
        var m = tracker.Measure()[0];
        Assert.Equal(0.75, m.AccNetwork);
        Assert.Equal(0, m.ErrAbsTelescoping);
        Assert.Equal(0, m.ErrRelTelescoping);
    }

    [Fact]
    public void BadArgumentsAreRejectedWithClearMessages()
    {
        var model = SmallMlp(0);
        var engine = new ForwardModeJvp(model);
        var (x, y) = Data(4, 0);
        var ex = Assert.Throws<ArgumentException>(() => new TelescopingTracker(engine, [new TrackedSet("a", x, y.narrow(0, 0, 3))]));
        Assert.Contains("4 inputs but 3 labels", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => new TelescopingTracker(engine, [new TrackedSet("a", x), new TrackedSet("a", x)]));
        Assert.Contains("used twice", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => new TelescopingTracker(engine, [new TrackedSet("a", x)], new TelescopingOptions { Stride = 0 }));
        Assert.Contains("Stride", ex.Message);
        using var tracker = new TelescopingTracker(engine, [new TrackedSet("a", x)]);
        ex = Assert.Throws<ArgumentException>(() => tracker.Telescoped("b"));
        Assert.Contains("No tracked set named 'b'", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => tracker.ComponentContribution("a", "momentum"));
        Assert.Contains("TrackComponents", ex.Message);
    }
}

/// <summary>The README's library example, verbatim in shape: a user's own loop with three added lines.</summary>
public class ReadmeExampleTests
{
    [Fact]
    public void ReadmeTrainingLoopRunsAndTheTelescopingModelFollowsTheNetwork()
    {
        using var g = new Generator(7);
        var testInputs = torch.rand(64, 784, generator: g);
        var testLabels = torch.randint(0, 10, [64], generator: g);
        var batches = Enumerable.Range(0, 20).Select(_ => (torch.rand(32, 784, generator: g), torch.randint(0, 10, [32], generator: g))).ToList();

        // --- README example ---
        var model = new Mlp(new MlpOptions { InputSize = 784, HiddenWidths = [128, 128], OutputSize = 10 }, seed: 0);
        var engine = new ForwardModeJvp(model);                        // DoubleBackwardJvp works for any module
        using var optimizer = torch.optim.AdamW(model.parameters(), 1e-3, weight_decay: 0.01);   // any optimizer
        var scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 10, 0.5);
        using var tracker = new TelescopingTracker(engine, [new TrackedSet("test", testInputs, testLabels)]);

        foreach (var (x, y) in batches)
        {
            optimizer.zero_grad();
            using var loss = torch.nn.functional.cross_entropy(model.forward(x), y);
            loss.backward();
            tracker.Step(() => optimizer.step());                      // your step; J_{t-1}·(θ_t − θ_{t-1}) recorded
            scheduler.step();
        }
        var m = tracker.Measure().Single();
        // --- end ---

        Assert.Equal(20, m.Step);
        Assert.True(m.MeanFunctionChange > 0);
        Assert.True(m.ErrAbsTelescoping < 0.2 * m.ErrAbsLinear!.Value,
            $"small steps: f̃ should be far closer to f than f_lin ({m.ErrAbsTelescoping} vs {m.ErrAbsLinear})");
    }
}
