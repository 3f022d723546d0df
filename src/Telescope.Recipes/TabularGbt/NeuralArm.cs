using System.Text.Json.Serialization;
using Telescope.Data.Tabular;
using Telescope.Telescoping;

namespace Telescope.Recipes.TabularGbt;

/// <summary>One logged point of the network's training curve.</summary>
internal sealed record NeuralPoint(int Step, double? BatchMse, double TrainMse, double TrackedMse,
    SmootherFidelity Fidelity, double PTrain, double PTracked);

/// <summary>What the network arm measured on one data set.</summary>
internal sealed record NeuralResult(
    double[] TrackedPredictions,
    double[] TrackedWeightNorms,
    IReadOnlyList<NeuralPoint> Curve,
    double MeanAbsPrediction,
    IReadOnlyDictionary<string, SmootherFidelity> FinalFidelity,
    TimeSpan WallTime)
{
    [JsonIgnore]
    public NeuralPoint Final => Curve[^1];
}

/// <summary>
/// An MLP trained on the squared loss ℓ = ½(f − y)² (c = 1, batch mean) with plain SGD, so the kernel recursion
/// of docs/method.md §4.2 is exact: the <see cref="KernelSmoother"/> tracks the training inputs and the tracked pool rows
/// and yields w(x) = ‖S_T(x)‖₂ (or, as an option, the final tangent-kernel row's norm); a <see cref="TelescopingTracker"/> on the tracked rows provides f̃ for the
/// fidelity check (f̂ vs f̃ vs network).
/// </summary>
internal static class NeuralArm
{
    /// <summary>Name of the tracked pool rows inside the smoother and the tracker.</summary>
    public const string TrackedSet = "tracked";

    /// <summary>Trains the network, handing each curve point to <paramref name="logPoint"/> (metrics.csv) as it is measured.</summary>
    /// <param name="state">The data set's other state (the GBT arm's result), to which the network's is added: offered as a
    /// checkpoint before every SGD step.</param>
    public static NeuralResult Run(TabularGbtData data, TabularGbtSettings settings, Activation activation, int seed,
        Action<NeuralPoint> logPoint, SweepSubRun sub, SubRunState state)
    {
        using var scope = torch.NewDisposeScope();
        var device = torch.device(settings.Compute.DeviceName);
        var (xTrain, yTrain, xTracked, yTracked) = data.Tensors(settings.Compute.DType, device);
        var yTrain64 = yTrain.to_type(ScalarType.Float64);
        var network = data.Network(settings.Hidden, activation, settings.Compute, seed);
        var jvp = new ForwardModeJvp(network);
        var kernel = new MlpTangentKernel(network);
        using var optimizer = ExactOptimizers.Sgd(jvp.Parameters, settings.LearningRate);
        // The smoother accumulates in float64 whatever the model's dtype (its dtype is the initial predictions').
        using var smoother = new KernelSmoother(xTrain, Predict(network, xTrain), new KernelSmootherOptions { LossScale = 1.0 });
        smoother.Track(TrackedSet, xTracked, Predict(network, xTracked));
        using var tracker = new TelescopingTracker(jvp, [new TrackedSet(TrackedSet, xTracked), new TrackedSet(SmootherSets.Training, xTrain)],
            new TelescopingOptions { TrackLinearized = false });

        var batches = new BatchSchedule(data.Train.Rows, settings.BatchSize, (ulong)seed);
        var curve = new List<NeuralPoint>();
        var index = torch.empty(settings.BatchSize, dtype: ScalarType.Int64, device: device);
        var losses = new LossWindow();
        state.Add("losses", losses).Add("curve", curve).Add("model", network).Add("optimizer", optimizer)
            .Add("smoother", smoother).Add("tracker", tracker);
        if (sub.Resume is null) Log(Measure(0, null));
        for (int t = state.Restore(); t <= settings.Steps; t++)
        {
            state.SaveIfDue(t);
            sub.Cancel.ThrowIfCancellationRequested();
            using var stepScope = torch.NewDisposeScope();
            index.copy_(torch.tensor(batches.Batch(t).ToArray(), dtype: ScalarType.Int64));
            smoother.Step(kernel, index, settings.LearningRate);          // kernel at θ_{t-1}
            optimizer.ZeroGrad();
            var residual = network.forward(xTrain.index_select(0, index)) - yTrain.index_select(0, index);
            using var half = 0.5.ToScalar();
            var loss = residual.pow(TorchScalars.Two).mean().mul(half);
            double batchMse = 2 * loss.to_type(ScalarType.Float64).item<double>();
            DivergenceException.ThrowIfNotFinite(batchMse, data.Train.Name, t);
            loss.backward();
            tracker.Step(optimizer).Dispose();
            losses.Add(batchMse);
            if (t % settings.LogEvery == 0 || t == settings.Steps)
            {
                Log(Measure(t, losses.TakeMean()));
                sub.Progress.SetStatus($"{data.Train.Name}: NN step {t}, train MSE {curve[^1].TrainMse:G3}");
            }
            sub.Progress.Advance();
        }

        var final = Predict(network, xTracked);
        // The tangent-kernel row is one [tracked, n] block at θ_T; k = 1, so the trace block is K itself.
        var norms = settings.WeightNorm == TabularGbtSettings.TangentKernel
            ? kernel.Compute(xTracked, xTrain, KernelOutputMode.Trace).to_type(ScalarType.Float64).pow(TorchScalars.Two).sum(1L).sqrt()
            : smoother.RowNorms(TrackedSet);
        return new NeuralResult(final.data<double>().ToArray(), norms.to_type(ScalarType.Float64).data<double>().ToArray(),
            curve, final.abs().mean().item<double>(), FinalFidelity(), state.Clock.Wall);

        void Log(NeuralPoint point)
        {
            curve.Add(point);
            logPoint(point);
        }

        // The fidelity gaps on the training rows and on the regular and irregular tracked rows separately:
        // first-order telescoping errors concentrate where inputs (and so Jacobians) are large.
        Dictionary<string, SmootherFidelity> FinalFidelity()
        {
            using var s = torch.NewDisposeScope();
            var result = new Dictionary<string, SmootherFidelity>
            {
                ["train"] = SmootherFidelity.Compute(smoother.Predict(SmootherSets.Training, yTrain64),
                    tracker.Telescoped(SmootherSets.Training), Predict(network, xTrain)),
            };
            var surrogate = smoother.Predict(TrackedSet, yTrain64);
            var telescoped = tracker.Telescoped(TrackedSet);
            var output = Predict(network, xTracked);
            foreach (bool irregular in new[] { false, true })
            {
                var rows = Enumerable.Range(0, data.Tracked.Rows).Where(i => data.TrackedIsIrregular[i] == irregular).Select(i => (long)i).ToArray();
                if (rows.Length == 0) continue;
                var index = torch.tensor(rows, dtype: ScalarType.Int64, device: device);
                result[irregular ? "irregular" : "regular"] = SmootherFidelity.Compute(surrogate.index_select(0, index),
                    telescoped.index_select(0, index), output.index_select(0, index));
            }
            return result;
        }

        NeuralPoint Measure(int step, double? batchMse)
        {
            using var s = torch.NewDisposeScope();
            var fTrain = Predict(network, xTrain);
            var fTracked = Predict(network, xTracked);
            var fidelity = smoother.Fidelity(TrackedSet, yTrain64, tracker.Telescoped(TrackedSet), fTracked);
            return new NeuralPoint(step, batchMse,
                (fTrain - yTrain64).pow(TorchScalars.Two).mean().item<double>(),
                (fTracked - yTracked).pow(TorchScalars.Two).mean().item<double>(),
                fidelity,
                EffectiveParameters.Compute(smoother, SmootherSets.Training).Value,
                EffectiveParameters.Compute(smoother, TrackedSet).Value);
        }
    }

    /// <summary>f_θ(x) [N, 1] in float64, without a graph.</summary>
    internal static Tensor Predict(Mlp network, Tensor x)
    {
        using var noGrad = torch.no_grad();
        return network.forward(x).to_type(ScalarType.Float64);
    }
}
