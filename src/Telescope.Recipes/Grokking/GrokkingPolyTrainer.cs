using Telescope.Telescoping;

namespace Telescope.Recipes.Grokking;

/// <summary>One ε of the sweep at one seed, with the GD stability number γ·c·λ_max(K)/n at the start and the end (JSON-serializable).</summary>
internal sealed class GrokkingPolyRun : GrokkingRun
{
    public double Epsilon { get; init; }
    /// <summary>γ·c·λ_max(K_0(X_train, X_train))/n: the largest per-step contraction factor of the residual; GD ≈ gradient flow when ≪ 2.</summary>
    public double InitialSharpness { get; set; }
    public double FinalSharpness { get; set; }

    /// <summary>The label of an ε, e.g. "eps=0.02".</summary>
    public static string ConfigurationOf(double epsilon) => string.Create(CultureInfo.InvariantCulture, $"eps={epsilon:G6}");
}

/// <summary>
/// Trains the polynomial-task network for one ε at one seed by full-batch gradient descent on (c/2)·mean (f − y)²,
/// while the kernel smoother (docs/method.md §4.2, exact for plain GD) and the telescoping model follow it on the training set and
/// the test probes. Each logged row goes to metrics.csv as soon as it is measured; before every step it offers a
/// checkpoint (model, optimizer, smoother, telescoping tracker, retraining members, position and points so far).
/// </summary>
/// <param name="task">The task every ε and seed shares.</param>
/// <param name="seed">The repetition's seed: the initial w come from seed S + 1, the label directions of p_net from S + 2.</param>
internal sealed class GrokkingPolyTrainer(GrokkingPolySettings s, PolynomialTask task, long seed)
{
    private readonly int _modelSeed = GrokkingPolySettings.ModelSeed(seed);

    public GrokkingPolyRun Run(GrokkingPolyRun run, SweepSubRun sub)
    {
        using var scope = torch.NewDisposeScope();
        var probes = task.TestInputs.narrow(0, 0, s.TestProbes);
        // The members: the same network from the same seed (θ_0), full-batch GD at the same rate; labels Y ± σV_d.
        RetrainingRunFactory members = labels => new SquaredLossRetrainingRun(new Mlp(Model(run.Epsilon), _modelSeed),
            m => ExactOptimizers.Sgd(new TrainableParameters(m), s.LearningRate), task.TrainInputs, labels, s.LossScale, null,
            new Dictionary<string, Tensor> { [RecipeSensitivity.Train] = task.TrainInputs, [RecipeSensitivity.Test] = probes });
        if (run.Pair is not null)
            return GrokkingSubRuns.RunPair(run, s, task.TrainLabels, members, sub);
        var state = sub.State();
        var network = new Mlp(Model(run.Epsilon), _modelSeed);
        var kernel = new MlpTangentKernel(network);
        var jvp = new ForwardModeJvp(network);
        var vjp = new ParameterVjp(network);
        using var optimizer = ExactOptimizers.Sgd(jvp.Parameters, s.LearningRate);
        optimizer.IncludeComponents = false;   // plain GD has one component; the total is all the smoother needs

        Tensor f0Train, f0Probes;
        using (torch.no_grad()) (f0Train, f0Probes) = (network.forward(task.TrainInputs), network.forward(probes));
        using var smoother = s.UseSmoother ? new KernelSmoother(task.TrainInputs, f0Train, new KernelSmootherOptions { LossScale = s.LossScale }) : null;
        smoother?.Track("test", probes, f0Probes);
        using var sensitivity = new RecipeSensitivity(s.SensitivityOptions(seed), s.Sensitivity.StabilityIterations, s.LossScale, task.TrainLabels, members,
            s.Sensitivity.SeparatePairs);
        using var tracker = new TelescopingTracker(jvp, [new TrackedSet("train", task.TrainInputs), new TrackedSet("test", probes)],
            new TelescopingOptions { TrackLinearized = false });
        using var spectrum = GrokkingSpectrum.Create(s, network, (task.TrainInputs, task.TrainLabels), (task.TestInputs, task.TestLabels), _modelSeed);

        if (sub.Resume is null) run.InitialSharpness = Sharpness(kernel);
        var before = GrokkingSubRuns.Stored<GrokkingPolyRun>(sub);
        void Totals()
        {
            run.WallTime = state.Clock.Wall;
            run.RetrainingTime = before.RetrainingTime + sensitivity.RetrainingTime;
            run.RetrainingMeasureTime = before.RetrainingMeasureTime + sensitivity.RetrainingMeasureTime;
        }
        run.Members = sensitivity.MemberCount;
        state.AddRun(sub, () => run, r => run = r, Totals).Add("model", network).Add("optimizer", optimizer)
            .Add("smoother", smoother).Add("tracker", tracker).Add("spectrum", spectrum).Add("sensitivity", sensitivity);
        using var trainingCount = task.TrainInputs.shape[0].ToScalar();
        var batch = torch.arange(trainingCount, dtype: ScalarType.Int64, device: task.TrainInputs.device);
        GrokkingSubRuns.Train(sub, state, s, (t, logged) =>
        {
            using (var stepScope = torch.NewDisposeScope())
            {
                optimizer.ZeroGrad();
                GrokkingSubRuns.HalfSquaredLoss(network, task.TrainInputs, task.TrainLabels, s.LossScale).backward();
                // The smoother, λ_t and the telescoping model all read the model at θ_{t-1}: before the update is applied.
                smoother?.Step(kernel, batch, s.LearningRate);
                if (logged)
                    sensitivity.MeasureSharpness(jvp, vjp, task.TrainInputs, new TangentStepRule { Kind = TangentOptimizerKind.Sgd, Step = t, LearningRate = s.LearningRate });
                tracker.Step(optimizer).Dispose();
            }
            sensitivity.Step(t);
        }, t =>
        {
            var point = Measure(network, smoother, t);
            if (t > 0) DivergenceException.ThrowIfNotFinite(point.Train, run.Label, t);
            var net = sensitivity.Record(t, smoother, null);
            run.Log(point, net, spectrum);
            GrokkingPolyOutput.WriteRow(s, sub.Metrics, run, point, net);
            if (t > 0) sub.Progress.SetStatus(StatusLine(run.Label, point));
        });

        run.FinalSharpness = Sharpness(kernel);
        if (smoother is not null)
        using (torch.no_grad())
        {
            run.TrainFidelity = smoother.Fidelity("train", task.TrainLabels, tracker.Telescoped("train"), network.forward(task.TrainInputs));
            run.TestFidelity = smoother.Fidelity("test", task.TrainLabels, tracker.Telescoped("test"), network.forward(probes));
        }
        Totals();
        return run;
    }

    /// <summary>The progress line of a logged step: the MSEs, and p only when the smoother ran.</summary>
    private static string StatusLine(string label, GrokkingPoint point) => FormattableString.Invariant($"{label}  train {point.Train:G3}  test {point.Test:G3}") +
        (double.IsNaN(point.PTrain) ? "" : FormattableString.Invariant($"  p_train {point.PTrain:F1}  p_test {point.PTest:F1}"));

    private MlpOptions Model(double epsilon) => new()
    {
        InputSize = (int)task.TrainInputs.shape[1],
        HiddenWidths = [s.Width],
        OutputSize = 1,
        Activation = Activation.Polynomial(epsilon),
        Bias = false,
        HiddenWeightStd = 1.0,
        FixedReadout = s.Alpha / s.Width,
        DType = s.Compute.DType,
        Device = s.Compute.DeviceName,
    };

    private GrokkingPoint Measure(Mlp network, KernelSmoother? smoother, int step)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        double Mse(Tensor x, Tensor y) => (network.forward(x) - y).pow(TorchScalars.Two).mean().to_type(ScalarType.Float64).item<double>();
        double train = Mse(task.TrainInputs, task.TrainLabels), test = Mse(task.TestInputs, task.TestLabels);
        if (smoother is null) return new GrokkingPoint(step, train, test, double.NaN, 0, double.NaN, 0);
        var (pTrain, pTest) = (EffectiveParameters.Compute(smoother, SmootherSets.Training), EffectiveParameters.Compute(smoother, "test"));
        return new GrokkingPoint(step, train, test, pTrain.Value, pTrain.StandardError, pTest.Value, pTest.StandardError);
    }

    private double Sharpness(MlpTangentKernel kernel)
    {
        using var scope = torch.NewDisposeScope();
        var k = kernel.Compute(task.TrainInputs, task.TrainInputs, KernelOutputMode.Trace).to_type(ScalarType.Float64);
        double top = torch.linalg.eigvalsh(k).max().item<double>();
        return s.LearningRate * s.LossScale * top / k.shape[0];
    }
}
