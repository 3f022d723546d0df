using System.Diagnostics;
using System.Globalization;
using Telescope.Autodiff;
using Telescope.Experiments.Sensitivity;
using Telescope.Models;
using Telescope.Optim;
using Telescope.Smoothing;
using Telescope.Telescoping;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Experiments.Grokking;

/// <summary>The resolved settings every ε of a grokking-poly sweep shares.</summary>
internal sealed record GrokkingPolyConfig(int Width, double Alpha, double LearningRate, double LossScale, int Steps,
    int TestProbes, IReadOnlyList<int> LogSteps, int ModelSeed, ScalarType DType, string Device)
{
    /// <summary>Whether the kernel smoother (SPEC §2a) runs.</summary>
    public bool UseSmoother { get; init; } = true;
    /// <summary>The retraining estimate p_net (SPEC §3b), or null.</summary>
    public RetrainingSensitivityOptions? Sensitivity { get; init; }
    /// <summary>Power iterations for λ_t at logged steps (SPEC §3c); 0 = off.</summary>
    public int StabilityIterations { get; init; }
}

/// <summary>One ε of the sweep, with the GD stability number γ·c·λ_max(K)/n at the start and the end.</summary>
internal sealed class GrokkingPolyRun(double epsilon) : GrokkingRun(string.Create(CultureInfo.InvariantCulture, $"eps={epsilon:G6}"))
{
    public double Epsilon { get; } = epsilon;
    /// <summary>γ·c·λ_max(K_0(X_train, X_train))/n: the largest per-step contraction factor of the residual; GD ≈ gradient flow when ≪ 2.</summary>
    public double InitialSharpness { get; set; }
    public double FinalSharpness { get; set; }
    /// <summary>p_net, its paired comparison with p and λ_t at every logged step (aligned with <see cref="GrokkingRun.Points"/>).</summary>
    public List<SensitivityPoint> Sensitivity { get; } = [];
    /// <summary>Wall time of the retraining members (steps and evaluations).</summary>
    public TimeSpan RetrainingTime { get; set; }
    /// <summary>Number of retraining members.</summary>
    public int Members { get; set; }
}

/// <summary>
/// Trains the polynomial-task network for one ε by full-batch gradient descent on (c/2)·mean (f − y)², while the
/// kernel smoother (SPEC §2a, exact for plain GD) and the telescoping model follow it on the training set and
/// the test probes.
/// </summary>
internal sealed class GrokkingPolyTrainer(GrokkingPolyConfig config, PolynomialTask task)
{
    public GrokkingPolyRun Run(double epsilon, IProgressTask progress, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        var run = new GrokkingPolyRun(epsilon);
        using var scope = torch.NewDisposeScope();
        var network = new Mlp(Model(epsilon), config.ModelSeed);
        var kernel = new MlpTangentKernel(network);
        var jvp = new ForwardModeJvp(network);
        var vjp = new ParameterVjp(network);
        using var optimizer = ExactOptimizers.Sgd(jvp.Parameters, config.LearningRate);
        optimizer.IncludeComponents = false;   // plain GD has one component; the total is all the smoother needs

        var probes = task.TestInputs.narrow(0, 0, config.TestProbes);
        Tensor f0Train, f0Probes;
        using (torch.no_grad())
        {
            f0Train = network.forward(task.TrainInputs);
            f0Probes = network.forward(probes);
        }
        using var smoother = config.UseSmoother ? new KernelSmoother(task.TrainInputs, f0Train, new KernelSmootherOptions { LossScale = config.LossScale }) : null;
        smoother?.Track("test", probes, f0Probes);
        // The members: the same network from the same seed (θ_0), full-batch GD at the same rate; labels Y ± σV_d.
        using var sensitivity = new RecipeSensitivity(config.Sensitivity, config.StabilityIterations, config.LossScale, task.TrainLabels,
            labels => new SquaredLossRetrainingRun(new Mlp(Model(epsilon), config.ModelSeed), m => ExactOptimizers.Sgd(new TrainableParameters(m), config.LearningRate),
                task.TrainInputs, labels, config.LossScale, null,
                new Dictionary<string, Tensor> { [RecipeSensitivity.Train] = task.TrainInputs, [RecipeSensitivity.Test] = probes }));
        run.Members = sensitivity.MemberCount;
        using var tracker = new TelescopingTracker(jvp, [new TrackedSet("train", task.TrainInputs), new TrackedSet("test", probes)],
            new TelescopingOptions { TrackLinearized = false });
        run.InitialSharpness = Sharpness(kernel);

        int n = (int)task.TrainInputs.shape[0];
        var batch = torch.arange(n, dtype: ScalarType.Int64, device: task.TrainInputs.device);
        var logSteps = new HashSet<int>(config.LogSteps);
        run.Points.Add(Measure(network, smoother, 0));
        run.Sensitivity.Add(sensitivity.Record(0, smoother, null));
        for (int t = 1; t <= config.Steps; t++)
        {
            cancel.ThrowIfCancellationRequested();
            using (var stepScope = torch.NewDisposeScope())
            {
                optimizer.ZeroGrad();
                var residual = network.forward(task.TrainInputs) - task.TrainLabels;
                var loss = residual.square().sum(1).mean().mul(0.5 * config.LossScale);
                loss.backward();
                // The smoother, λ_t and the telescoping model all read the model at θ_{t-1}: before the update is applied.
                smoother?.Step(kernel, batch, config.LearningRate);
                if (logSteps.Contains(t))
                    sensitivity.MeasureSharpness(jvp, vjp, task.TrainInputs, new TangentStepRule { Kind = TangentOptimizerKind.Sgd, Step = t, LearningRate = config.LearningRate });
                tracker.Step(optimizer).Dispose();
            }
            sensitivity.Step(t);
            if (logSteps.Contains(t))
            {
                var point = Measure(network, smoother, t);
                DivergenceException.ThrowIfNotFinite(point.Train, run.Label, t);
                run.Points.Add(point);
                run.Sensitivity.Add(sensitivity.Record(t, smoother, null));
                progress.SetStatus(FormattableString.Invariant($"{run.Label}  train {point.Train:G3}  test {point.Test:G3}  p_train {point.PTrain:F1}  p_test {point.PTest:F1}"));
            }
            progress.Advance();
        }

        run.FinalSharpness = Sharpness(kernel);
        run.RetrainingTime = sensitivity.RetrainingTime + sensitivity.RetrainingMeasureTime;
        if (smoother is not null)
        using (torch.no_grad())
        {
            run.TrainFidelity = smoother.Fidelity("train", task.TrainLabels, tracker.Telescoped("train"), network.forward(task.TrainInputs));
            run.TestFidelity = smoother.Fidelity("test", task.TrainLabels, tracker.Telescoped("test"), network.forward(probes));
        }
        run.WallTime = clock.Elapsed;
        return run;
    }

    private MlpOptions Model(double epsilon) => new()
    {
        InputSize = (int)task.TrainInputs.shape[1],
        HiddenWidths = [config.Width],
        OutputSize = 1,
        Activation = Activation.Polynomial(epsilon),
        Bias = false,
        HiddenWeightStd = 1.0,
        FixedReadout = config.Alpha / config.Width,
        DType = config.DType,
        Device = config.Device,
    };

    private GrokkingPoint Measure(Mlp network, KernelSmoother? smoother, int step)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        double Mse(Tensor x, Tensor y) => (network.forward(x) - y).square().mean().to_type(ScalarType.Float64).item<double>();
        if (smoother is null)
            return new GrokkingPoint(step, Mse(task.TrainInputs, task.TrainLabels), Mse(task.TestInputs, task.TestLabels), double.NaN, 0, double.NaN, 0);
        var pTrain = EffectiveParameters.Compute(smoother, SmootherSets.Training);
        var pTest = EffectiveParameters.Compute(smoother, "test");
        return new GrokkingPoint(step, Mse(task.TrainInputs, task.TrainLabels), Mse(task.TestInputs, task.TestLabels),
            pTrain.Value, pTrain.StandardError, pTest.Value, pTest.StandardError);
    }

    private double Sharpness(MlpTangentKernel kernel)
    {
        using var scope = torch.NewDisposeScope();
        var k = kernel.Compute(task.TrainInputs, task.TrainInputs, KernelOutputMode.Trace).to_type(ScalarType.Float64);
        double top = torch.linalg.eigvalsh(k).max().item<double>();
        return config.LearningRate * config.LossScale * top / k.shape[0];
    }
}
