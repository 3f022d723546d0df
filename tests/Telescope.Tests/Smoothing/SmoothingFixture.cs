using Telescope.Autodiff;
using Telescope.Models;
using Telescope.Optim;
using Telescope.Smoothing;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Tests.Smoothing;

/// <summary>
/// A small float64 regression problem and a training loop that drives the smoothers the way a caller
/// must: kernel recursion before the step, label tangents between ComputeUpdate and Apply. Records the
/// realized Jacobians (by autograd, <see cref="ExplicitJacobian"/>) and Adam's T_t so a test can rerun the
/// surrogate independently.
/// </summary>
internal sealed class SmoothingFixture
{
    public SmoothingFixture(int n, int inputs, int outputs, int testCount, int seed)
    {
        using var gen = new Generator((ulong)seed);
        X = torch.randn([n, inputs], dtype: ScalarType.Float64, generator: gen);
        Y = torch.randn([n, outputs], dtype: ScalarType.Float64, generator: gen);
        XTest = torch.randn([testCount, inputs], dtype: ScalarType.Float64, generator: gen);
        N = n;
        K = outputs;
    }

    public Tensor X { get; }
    public Tensor Y { get; }
    public Tensor XTest { get; }
    public int N { get; }
    public int K { get; }
    /// <summary>Training then test inputs, the order the recorded Jacobians use.</summary>
    public Tensor XAll => torch.cat([X, XTest], 0);

    public Mlp Network(int hidden, int seed, bool bias = true) => new(new MlpOptions
    {
        Bias = bias,
        InputSize = (int)X.shape[1],
        HiddenWidths = hidden > 0 ? [hidden] : [],
        OutputSize = K,
        Activation = Activation.Tanh,
        DType = ScalarType.Float64,
    }, seed);

    public static Tensor Predict(Mlp model, Tensor x)
    {
        using (torch.no_grad()) return model.forward(x).detach();
    }

    /// <summary>What one realized run looked like, for an independent replay of the surrogate.</summary>
    public sealed record Recording(Tensor InitialPredictions, Tensor InitialTheta, List<Tensor> Jacobians,
        List<Tensor> Batches, List<double> Rates, List<Tensor?> Preconditioners, List<double> GradientScales);

    /// <summary>
    /// Trains <paramref name="model"/> for <paramref name="steps"/> minibatch steps with squared loss (c/2)·||f − y||²
    /// (batch mean), feeding the smoothers given. Batches come from <paramref name="batchSeed"/>.
    /// </summary>
    public Recording Train(Mlp model, IExactOptimizer optimizer, int steps, int batchSize, double c, int batchSeed,
        KernelSmoother? kernelSmoother = null, ITangentKernelEngine? kernel = null,
        LabelTangentSmoother? tangentSmoother = null, bool record = false)
    {
        using var gen = new Generator((ulong)batchSeed);
        var jvp = new ForwardModeJvp(model);
        var vjp = new ParameterVjp(model);
        var explicitJacobian = record ? new ExplicitJacobian(model) : null;
        var xAll = XAll;
        var recording = new Recording(Predict(model, xAll), ExplicitJacobian.Flatten(optimizer.Parameters.CloneValues()),
            [], [], [], [], []);
        using var halfScale = (c / 2).ToScalar();
        for (int t = 0; t < steps; t++)
        {
            var batch = torch.randperm(N, generator: gen)[..batchSize];
            if (record)
            {
                recording.Jacobians.Add(explicitJacobian!.Of(xAll));
                recording.Batches.Add(batch);
            }
            kernelSmoother?.Step(kernel!, batch, optimizer is SgdOptimizer sgd ? sgd.Options.LearningRate.At(t + 1) : double.NaN);

            optimizer.ZeroGrad();
            using (var scope = NewDisposeScope())
            {
                var loss = (model.forward(X.index_select(0, batch)) - Y.index_select(0, batch)).pow(TorchScalars.Two).sum(1).mean().mul(halfScale);
                loss.backward();
            }
            using var update = optimizer.ComputeUpdate();
            tangentSmoother?.Step(jvp, vjp, batch, optimizer, update);
            if (record)
            {
                recording.Rates.Add(update.LearningRate);
                recording.GradientScales.Add(((ExactOptimizer)optimizer).LastGradientScale);
                recording.Preconditioners.Add(optimizer is AdamOptimizer adam
                    ? ExplicitJacobian.Flatten(adam.Preconditioners.Select(p => p.clone()).ToArray())
                    : null);
            }
            optimizer.Apply(update);
        }
        return recording;
    }
}
