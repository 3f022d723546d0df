using System.Diagnostics;
using Telescope.Autodiff;
using Telescope.Experiments.Sensitivity;
using Telescope.Models;
using Telescope.Optim;
using Telescope.Smoothing;
using Telescope.Telescoping;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Experiments.DoubleDescent;

/// <summary>Which smoother measures the effective parameters (SPEC §2).</summary>
internal static class SmootherChoice
{
    /// <summary>SPEC §2b with D Rademacher directions (unbiased, with standard errors); any optimizer.</summary>
    public const string Hutchinson = "hutchinson";
    /// <summary>SPEC §2b with the n basis directions (exact S; cost ≈ n backward passes per step).</summary>
    public const string Exact = "exact";
    /// <summary>SPEC §2a kernel recursion (exact and cheap, plain GD/SGD only).</summary>
    public const string Kernel = "kernel";
    /// <summary>No surrogate smoother (p from retraining only, sensitivity = retraining).</summary>
    public const string None = "none";
    public static readonly string[] All = [Hutchinson, Exact, Kernel, None];
}

/// <summary>Everything that is the same for every network of the sweep.</summary>
internal sealed record DoubleDescentConfig(
    string Optimizer, double LearningRate, int Steps, int LogEvery, string Smoother, int Directions,
    double LossScale, int Seed, ScalarType DType, string Device, BatchSchedule Batches, bool FullBatch,
    TangentPreconditioner Preconditioner = TangentPreconditioner.Frozen)
{
    /// <summary>The retraining estimate p_net (SPEC §3b), or null.</summary>
    public RetrainingSensitivityOptions? Sensitivity { get; init; }
    /// <summary>Power iterations for λ_t at logged steps (SPEC §3c); 0 = off.</summary>
    public int StabilityIterations { get; init; }
    public bool HasSmoother => Smoother != SmootherChoice.None;
}

/// <summary>Tensors shared by every network of the sweep (built once, on the run's device and dtype).</summary>
internal sealed record DoubleDescentTensors(Tensor TrainInputs, Tensor TestInputs, Tensor TestTargets, Tensor TestProbes);

/// <summary>
/// Trains one d-h-1 ReLU network with squared loss on ±1 targets and, alongside it, the telescoping model
/// f̃ (SPEC §1) and the smoother of the optimizer actually used (SPEC §2), logging train/test MSE and
/// p_train/p_test (SPEC §3); at the end it measures the smoother's fidelity gap.
/// </summary>
internal sealed class DoubleDescentTrainer(DoubleDescentConfig config)
{
    private const string Test = "test";

    public void Run(WidthRun run, DoubleDescentTensors data, Tensor trainTargets, IProgressTask progress, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        var cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
        using var scope = torch.NewDisposeScope();
        int inputs = checked((int)data.TrainInputs.shape[1]);
        var modelOptions = new MlpOptions
        {
            InputSize = inputs,
            HiddenWidths = [run.Width],
            OutputSize = 1,
            Activation = Activation.ReLU,
            DType = config.DType,
            Device = config.Device,
        };
        var network = new Mlp(modelOptions, config.Seed);
        var jvp = new ForwardModeJvp(network);
        var vjp = new ParameterVjp(network);
        using var optimizer = CreateOptimizer(jvp.Parameters);
        optimizer.IncludeComponents = false;
        using var tracker = new TelescopingTracker(jvp,
            [new TrackedSet(SmootherSets.Training, data.TrainInputs), new TrackedSet(Test, data.TestProbes)],
            new TelescopingOptions { TrackLinearized = false });
        using var smoother = config.HasSmoother ? new RunSmoother(config, network, jvp, data, trainTargets, tracker) : null;
        // The members: the same network from the same seed (θ_0), the same optimizer and batches; labels Y ± σV_d.
        using var batchCache = new BatchIndexCache(config.Batches, data.TrainInputs.device);
        using var sensitivity = new RecipeSensitivity(config.Sensitivity, config.StabilityIterations, config.LossScale, trainTargets,
            labels => new SquaredLossRetrainingRun(new Mlp(modelOptions, config.Seed), m => CreateOptimizer(new TrainableParameters(m)),
                data.TrainInputs, labels, config.LossScale, config.FullBatch ? null : batchCache.At,
                new Dictionary<string, Tensor> { [RecipeSensitivity.Train] = data.TrainInputs, [RecipeSensitivity.Test] = data.TestProbes }));
        run.Members = sensitivity.MemberCount;

        run.Points.Add(Measure(network, data, trainTargets, smoother?.Smoother, 0));
        run.Sensitivity.Add(sensitivity.Record(0, smoother?.Smoother, network, data.TrainInputs, data.TestProbes));
        var index = torch.empty(config.Batches.Batch(1).Length, dtype: ScalarType.Int64, device: data.TrainInputs.device);
        var trainAll = config.FullBatch ? torch.arange(data.TrainInputs.shape[0], dtype: ScalarType.Int64, device: data.TrainInputs.device) : null;
        for (int t = 1; t <= config.Steps; t++)
        {
            cancel.ThrowIfCancellationRequested();
            using var stepScope = torch.NewDisposeScope();
            Tensor batch;
            if (trainAll is not null) batch = trainAll;
            else
            {
                index.copy_(torch.tensor(config.Batches.Batch(t).ToArray(), dtype: ScalarType.Int64));
                batch = index;
            }
            var x = trainAll is null ? data.TrainInputs.index_select(0, batch) : data.TrainInputs;
            var y = trainAll is null ? trainTargets.index_select(0, batch) : trainTargets;
            optimizer.ZeroGrad();
            // (c/2)·||f − y||² per example, mean over the batch (SPEC §0).
            var loss = (network.forward(x) - y).square().mean().mul(config.LossScale / 2);
            double lossValue = loss.to_type(ScalarType.Float64).item<double>();
            DivergenceException.ThrowIfNotFinite(lossValue, run.Label, t);
            loss.backward();
            bool logged = t % config.LogEvery == 0 || t == config.Steps;
            using (var update = optimizer.ComputeUpdate())
            {
                // Everything below evaluates J at θ_{t-1}: the update is applied last.
                tracker.Record(update);
                smoother?.Step(batch, optimizer, update);
                if (logged && sensitivity.HasStability) sensitivity.MeasureSharpness(jvp, vjp, x, TangentStepRule.FromOptimizer(optimizer, update));
                optimizer.Apply(update);
            }
            sensitivity.Step(t);
            if (logged)
            {
                run.Points.Add(Measure(network, data, trainTargets, smoother?.Smoother, t));
                run.Sensitivity.Add(sensitivity.Record(t, smoother?.Smoother, network, data.TrainInputs, data.TestProbes));
                progress.SetStatus($"{run.Label}  train {run.Points[^1].TrainMse:G3}  test {run.Points[^1].TestMse:G3}  p_train {run.Points[^1].PTrain.Value:G3}");
            }
            progress.Advance();
        }
        if (run.Points.Count >= 2)
        {
            double before = run.Points[^2].TrainMse, after = run.Points[^1].TrainMse;
            run.LastTrainMseChange = before > 0 ? (after - before) / before : 0;
        }
        if (smoother is not null) (run.TrainFidelity, run.TestFidelity) = smoother.Fidelity(network, data);
        run.RetrainingTime = sensitivity.RetrainingTime + sensitivity.RetrainingMeasureTime;
        run.StabilityTime = sensitivity.StabilityTime;
        run.WallTime = clock.Elapsed;
        run.CpuTime = Process.GetCurrentProcess().TotalProcessorTime - cpuStart;
    }

    private ExactOptimizer CreateOptimizer(TrainableParameters parameters) => config.Optimizer switch
    {
        "adam" => ExactOptimizers.Adam(parameters, config.LearningRate),
        "gd" => ExactOptimizers.Sgd(parameters, config.LearningRate),
        _ => throw new TelescopeException($"Unknown optimizer '{config.Optimizer}'.") { Hint = "Use --set optimizer=adam or gd." },
    };

    private static DoubleDescentPoint Measure(Mlp network, DoubleDescentTensors data, Tensor trainTargets, ISmoother? smoother, int step)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var fTrain = network.forward(data.TrainInputs).to_type(ScalarType.Float64);
        var fTest = network.forward(data.TestInputs).to_type(ScalarType.Float64);
        var yTrain = trainTargets.to_type(ScalarType.Float64);
        var yTest = data.TestTargets.to_type(ScalarType.Float64);
        double trainMse = (fTrain - yTrain).square().mean().item<double>();
        double testMse = (fTest - yTest).square().mean().item<double>();
        // sign(f) ≠ y ⇔ f·y ≤ 0 for ±1 targets (f = 0 counts as an error).
        double testError = (fTest * yTest).le(0).to_type(ScalarType.Float64).mean().item<double>();
        var none = new EffectiveParameterEstimate("", step, double.NaN, double.NaN, 0, false);
        return new DoubleDescentPoint(step, trainMse, testMse, testError,
            smoother is null ? none with { Set = SmootherSets.Training } : EffectiveParameters.Compute(smoother, SmootherSets.Training),
            smoother is null ? none with { Set = Test } : EffectiveParameters.Compute(smoother, Test));
    }

    /// <summary>The smoother of the run's optimizer, behind one Step/Fidelity interface.</summary>
    private sealed class RunSmoother : IDisposable
    {
        private readonly DoubleDescentConfig _config;
        private readonly TelescopingTracker _tracker;
        private readonly Tensor _trainTargets;
        private readonly KernelSmoother? _kernel;
        private readonly MlpTangentKernel? _kernelEngine;
        private readonly LabelTangentSmoother? _tangent;
        private readonly IJvpEngine _jvp;
        private readonly ParameterVjp? _vjp;

        public RunSmoother(DoubleDescentConfig config, Mlp network, IJvpEngine jvp, DoubleDescentTensors data, Tensor trainTargets,
            TelescopingTracker tracker)
        {
            _config = config;
            _tracker = tracker;
            _trainTargets = trainTargets;
            _jvp = jvp;
            using var scope = torch.NewDisposeScope();
            Tensor f0Train, f0Test;
            using (torch.no_grad())
            {
                // Accumulate S in float64 whatever the model's dtype (sums over thousands of steps).
                f0Train = network.forward(data.TrainInputs).to_type(ScalarType.Float64);
                f0Test = network.forward(data.TestProbes).to_type(ScalarType.Float64);
            }
            if (config.Smoother == SmootherChoice.Kernel)
            {
                _kernelEngine = new MlpTangentKernel(network);
                _kernel = new KernelSmoother(data.TrainInputs, f0Train, new KernelSmootherOptions { LossScale = config.LossScale });
                _kernel.Track(Test, data.TestProbes, f0Test);
            }
            else
            {
                _vjp = new ParameterVjp(network);
                _tangent = new LabelTangentSmoother(jvp.Parameters, data.TrainInputs, new LabelTangentOptions
                {
                    OutputCount = 1,
                    LossScale = config.LossScale,
                    Directions = config.Smoother == SmootherChoice.Exact ? LabelDirections.ExactBasis : LabelDirections.Hutchinson,
                    DirectionCount = config.Directions,
                    Seed = config.Seed,
                    SurrogateLabels = trainTargets,
                    Preconditioner = config.Preconditioner,
                }, f0Train);
                _tangent.Track(Test, data.TestProbes, f0Test);
            }
        }

        public ISmoother Smoother => (ISmoother?)_kernel ?? _tangent!;

        /// <summary>Propagates step t; the network must still be at θ_{t-1}.</summary>
        public void Step(Tensor batch, ExactOptimizer optimizer, ParameterUpdate update)
        {
            if (_kernel is not null) _kernel.Step(_kernelEngine!, batch, update.LearningRate);
            else _tangent!.Step(_jvp, _vjp!, batch, optimizer, update);
        }

        /// <summary>Gaps between the surrogate f̂_T, the telescoping model f̃_T and the network f_θT, on train and test probes.</summary>
        public (SmootherFidelity Train, SmootherFidelity Test) Fidelity(Mlp network, DoubleDescentTensors data)
        {
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            SmootherFidelity One(string set, Tensor inputs)
            {
                var network = Network(inputs);
                var telescoped = _tracker.Telescoped(set);
                var surrogate = _kernel is not null ? _kernel.Predict(set, _trainTargets) : _tangent!.Predict(set);
                return SmootherFidelity.Compute(surrogate, telescoped, network);
            }
            Tensor Network(Tensor inputs) => network.forward(inputs).to_type(ScalarType.Float64);
            return (One(SmootherSets.Training, data.TrainInputs), One(Test, data.TestProbes));
        }

        public void Dispose()
        {
            _kernel?.Dispose();
            _tangent?.Dispose();
        }
    }
}
