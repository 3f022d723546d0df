using Telescope.Autodiff;
using Telescope.Connectivity;
using Telescope.Optim;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using static Telescope.Tests.Optim.OptimTestKit;

namespace Telescope.Tests.Optim;

/// <summary>
/// A non-finite gradient is refused before any state changes, with a message that names the parameter, its layer
/// group and the step, and says the forward pass was finite when it was (docs/numerics.md).
/// </summary>
public class NonFiniteGradientTests
{
    public static TheoryData<string> Optimizers => ["sgd-momentum", "adam", "adamw-clipped"];

    private static ExactOptimizer Create(string kind, TrainableParameters parameters) => kind switch
    {
        "sgd-momentum" => ExactOptimizers.Sgd(parameters, 0.05, momentum: 0.9, weightDecay: 1e-3),
        "adam" => ExactOptimizers.Adam(parameters, 1e-2),
        _ => ExactOptimizers.AdamW(parameters, 1e-2, weightDecay: 0.1, maxGradNorm: 0.5),
    };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void NonFiniteGradientChangesNothingAndTrainingGoesOnAsIfItNeverHappened(string kind)
    {
        using var scope = NewDisposeScope();
        var batches = Batches();
        var model = NewMlp();
        var reference = NewMlp();   // same seed: same θ₀; never sees the bad gradient
        var parameters = new TrainableParameters(model);
        var referenceParameters = new TrainableParameters(reference);
        using var optimizer = Create(kind, parameters);
        using var referenceOptimizer = Create(kind, referenceParameters);
        for (int t = 1; t <= 2; t++)
        {
            Backward(model, batches, t); optimizer.Step().Dispose();
            Backward(reference, batches, t); referenceOptimizer.Step().Dispose();
        }

        var before = parameters.Tensors.Select(p => p.detach().clone()).ToArray();
        Backward(model, batches, 3);
        using (no_grad())
        using (var g = parameters.Tensors[1].grad!)
        {
            g.view(-1)[3] = tensor(double.NaN, dtype: g.dtype);
            g.view(-1)[5] = tensor(double.PositiveInfinity, dtype: g.dtype);
        }
        using (no_grad())
        using (var g = parameters.Tensors[4].grad!)
            g.view(-1)[0] = tensor(double.NegativeInfinity, dtype: g.dtype);

        var e = Assert.Throws<NonFiniteGradientException>(() => optimizer.Step());
        string name = optimizer.ParameterNames[1];
        Assert.Equal(3, e.Step);
        Assert.Equal(name, e.Parameter);
        Assert.Equal(NonFiniteGradientException.LayerGroupOf(name), e.LayerGroup);
        Assert.Equal(2, e.NonFiniteCount);
        Assert.Equal(parameters.Tensors[1].numel(), e.Count);
        Assert.Equal([optimizer.ParameterNames[4]], e.AlsoAffected);
        Assert.Contains($"'{name}'", e.Message);
        Assert.Contains("2 of", e.Message);
        Assert.Contains("those after step 2", e.Message);
        Assert.DoesNotContain("lower the learning rate", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(2, optimizer.StepCount);
        Assert.Equal(0.0, MaxAbsDiff(before, parameters.Tensors));

        // The same step with a clean gradient: every later update equals the reference's, bit for bit, so neither θ
        // nor the optimizer's state (momentum, moments, step count) was touched by the refused call.
        for (int t = 3; t <= 5; t++)
        {
            Backward(model, batches, t); optimizer.Step().Dispose();
            Backward(reference, batches, t); referenceOptimizer.Step().Dispose();
        }
        Assert.Equal(0.0, MaxAbsDiff(referenceParameters.Tensors, parameters.Tensors));
    }

    [Fact]
    public void LayerGroupIsTheModulePath()
    {
        Assert.Equal("stage1.block2.conv1", NonFiniteGradientException.LayerGroupOf("stage1.block2.conv1.weight"));
        Assert.Equal("bias", NonFiniteGradientException.LayerGroupOf("bias"));
    }

    /// <summary>
    /// A classifier whose loss is finite but whose backward pass is not (√ at 0 has an infinite derivative): the
    /// run stops with a message that says the loss was finite and names the parameter — not "lower the learning rate".
    /// </summary>
    [Fact]
    public void ClassifierRunSaysTheLossWasFiniteAndNamesTheParameter()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(5, device: CPU);
        using var data = new ImageClassifierData(randn([32, 3, 4, 4], generator: generator), randint(0, 10, [32], generator: generator));
        var model = new SqrtAtZeroClassifier();
        using var run = ClassifierRun.Start(model, data, new ClassifierTrainingOptions { Steps = 10, BatchSize = 8 }, new SpawnSeeds(1, 2), augment: false);
        var e = Assert.Throws<DivergenceException>(() => run.TrainStep("probe"));
        Assert.Contains("sub-run 'probe' at step 1", e.Message);
        Assert.Contains("the loss is finite", e.Message);
        Assert.Contains("'offset'", e.Message);
        Assert.IsType<NonFiniteGradientException>(e.InnerException);
        Assert.Contains("does not help", e.Hint);
        Assert.Equal(0, run.Step);
    }

    [Fact]
    public void FirstStepLossIsNotBlamedOnTheLearningRate()
    {
        var first = new DivergenceException("a", 1, double.NaN);
        Assert.Contains("before any update", first.Message);
        Assert.DoesNotContain("lower it", first.Message);
        var later = new DivergenceException("a", 40, double.PositiveInfinity);
        Assert.Contains("learning rate", later.Message);
    }

    /// <summary>logits = W·flatten(x) + √(offset − offset₀): finite forward (√0 = 0), infinite derivative in offset.</summary>
    private sealed class SqrtAtZeroClassifier : nn.Module<Tensor, Tensor>
    {
        private readonly TorchSharp.Modules.Linear linear = nn.Linear(48, 10);
        private readonly TorchSharp.Modules.Parameter offset = new(zeros(10));

        public SqrtAtZeroClassifier() : base("probe") => RegisterComponents();

        public override Tensor forward(Tensor x) =>
            linear.forward(x.flatten(1)).add(offset.sub(offset.detach()).sqrt(), TorchScalars.One);
    }
}
