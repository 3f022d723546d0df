using System.Text.Json.Serialization;

namespace Telescope.Recipes.Grokking;

/// <summary>Tensors shared by every configuration: training images with one-hot and class labels, test images likewise.</summary>
internal sealed record MnistGrokkingData(Tensor TrainInputs, Tensor TrainTargets, Tensor TrainClasses,
    Tensor TestInputs, Tensor TestTargets, Tensor TestClasses, int TestProbes)
{
    public Tensor Probes => TestInputs.narrow(0, 0, TestProbes);
}

/// <summary>What grokking-mnist's outputs need from the data (JSON: shard files carry it to <c>telescope merge</c>).</summary>
internal sealed record GrokkingMnistFacts(string Data, bool Synthetic, int InputSize);

/// <summary>One configuration at one seed: its measurements, with the time spent training, in the smoother and in the members (JSON-serializable).</summary>
internal sealed class GrokkingMnistRun : GrokkingRun
{
    /// <summary>The configuration as given in <c>configs</c>, e.g. "relu:8".</summary>
    public string Spec { get; init; } = "";
    [JsonIgnore]
    public MnistConfiguration Config => MnistConfiguration.Parse(Spec);
    /// <summary>Wall time of the optimizer steps (forward, backward, AdamW), summed over steps.</summary>
    public TimeSpan TrainingTime { get; set; }
    /// <summary>Wall time of the label-tangent propagation, summed over steps.</summary>
    public TimeSpan SmootherTime { get; set; }
    /// <summary>Wall time of the logged measurements (errors, MSE, p).</summary>
    public TimeSpan MeasureTime { get; set; }
    /// <summary>Wall time of the power iterations for λ_t (docs/method.md §5.3).</summary>
    public TimeSpan StabilityTime { get; set; }
    /// <summary>CPU time of the whole process during this configuration (all threads; includes any spin-waiting).</summary>
    public TimeSpan ProcessorTime { get; set; }
    /// <inheritdoc/>
    public override void AddPairCost(GrokkingRun pair)
    {
        base.AddPairCost(pair);
        ProcessorTime += ((GrokkingMnistRun)pair).ProcessorTime;
    }
    /// <summary>First logged step with zero training error, or null.</summary>
    [JsonIgnore]
    public int? StepTrainPerfect => Points.FirstOrDefault(p => p.Train == 0)?.Step;
    /// <summary>Mean |f̂_T − f_θT| over the test probes and outputs (the surrogate run against the network).</summary>
    public double SurrogateGapTest { get; set; } = double.NaN;
    /// <summary>The same on the training images.</summary>
    public double SurrogateGapTrain { get; set; } = double.NaN;
}

/// <summary>
/// Trains one configuration at one seed with AdamW on (c/2)·mean ||f − y||² over seeded minibatches, propagating D
/// Hutchinson label tangents (docs/method.md §4.3) and the surrogate run itself on the training images and the test probes, with
/// the retraining members (docs/method.md §5.2) in lockstep. Each logged row goes to metrics.csv as soon as it is measured; before
/// every step it offers a checkpoint: the model, AdamW's state, the smoother's tangents, every member's model and
/// optimizer, the position t (batches are a pure function of the seed and t) and the points so far.
/// </summary>
/// <param name="data">The images every configuration shares.</param>
/// <param name="seed">The repetition's seed: it draws the data order, the unscaled initialization and (+ 1) the label directions.</param>
internal sealed class GrokkingMnistTrainer(GrokkingMnistSettings s, MnistGrokkingData data, long seed)
{
    private readonly BatchSchedule _batches = new(s.TrainSize, s.BatchSize, (ulong)seed);
    private readonly int _modelSeed = GrokkingMnistSettings.ModelSeed(seed);

    public GrokkingMnistRun Run(GrokkingMnistRun run, SweepSubRun sub)
    {
        var cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
        var config = run.Config;
        using var scope = torch.NewDisposeScope();
        // The members: the same MLP from the same seed (θ_0), the same AdamW, the same batches; labels Y ± σV_d.
        using var batchCache = new BatchIndexCache(_batches, data.TrainInputs.device);
        RetrainingRunFactory members = labels => new SquaredLossRetrainingRun(new Mlp(ModelOptions(config), _modelSeed),
            m => ExactOptimizers.AdamW(new TrainableParameters(m), s.LearningRate, weightDecay: s.WeightDecay),
            data.TrainInputs, labels, s.LossScale, batchCache.At,
            new Dictionary<string, Tensor> { [RecipeSensitivity.Train] = data.TrainInputs, [RecipeSensitivity.Test] = data.Probes });
        if (run.Pair is not null)
        {
            run = GrokkingSubRuns.RunPair(run, s, data.TrainTargets, members, sub);
            run.ProcessorTime += Process.GetCurrentProcess().TotalProcessorTime - cpuStart;
            return run;
        }
        var state = sub.State();
        var network = new Mlp(ModelOptions(config), _modelSeed);
        var jvp = new ForwardModeJvp(network);
        var vjp = new ParameterVjp(network);
        using var optimizer = ExactOptimizers.AdamW(jvp.Parameters, s.LearningRate, weightDecay: s.WeightDecay);
        optimizer.IncludeComponents = false;

        Tensor f0Train, f0Probes;
        using (torch.no_grad()) (f0Train, f0Probes) = (network.forward(data.TrainInputs), network.forward(data.Probes));
        using var smoother = s.UseSmoother
            ? new LabelTangentSmoother(jvp.Parameters, data.TrainInputs, new LabelTangentOptions
            {
                OutputCount = (int)data.TrainTargets.shape[1],
                LossScale = s.LossScale,
                Directions = LabelDirections.Hutchinson,
                DirectionCount = s.Directions,
                Seed = _modelSeed + 1,
                SurrogateLabels = data.TrainTargets,
                Preconditioner = s.PreconditionerKind,
            }, f0Train)
            : null;
        smoother?.Track("test", data.Probes, f0Probes);
        using var spectrum = GrokkingSpectrum.Create(s, network, (data.TrainInputs, data.TrainTargets), (data.TestInputs, data.TestTargets), _modelSeed);
        using var sensitivity = new RecipeSensitivity(s.SensitivityOptions(seed), s.Sensitivity.StabilityIterations, s.LossScale, data.TrainTargets, members,
            s.Sensitivity.SeparatePairs);

        var (trainClock, smootherClock, measureClock) = (new Stopwatch(), new Stopwatch(), new Stopwatch());
        var before = GrokkingSubRuns.Stored<GrokkingMnistRun>(sub);
        void Totals()
        {
            run.WallTime = state.Clock.Wall;
            run.TrainingTime = before.TrainingTime + trainClock.Elapsed;
            run.SmootherTime = before.SmootherTime + smootherClock.Elapsed;
            run.MeasureTime = before.MeasureTime + measureClock.Elapsed;
            run.RetrainingTime = before.RetrainingTime + sensitivity.RetrainingTime;
            run.RetrainingMeasureTime = before.RetrainingMeasureTime + sensitivity.RetrainingMeasureTime;
            run.StabilityTime = before.StabilityTime + sensitivity.StabilityTime;
            run.ProcessorTime = TimeSpan.FromSeconds(state.Clock.CpuSeconds);
        }
        run.Members = sensitivity.MemberCount;
        state.AddRun(sub, () => run, r => run = r, Totals).Add("model", network).Add("optimizer", optimizer)
            .Add("smoother", smoother).Add("spectrum", spectrum).Add("sensitivity", sensitivity);
        var batchIndex = torch.empty(s.BatchSize, dtype: ScalarType.Int64, device: data.TrainInputs.device);
        GrokkingSubRuns.Train(sub, state, s, (t, logged) =>
        {
            using var stepScope = torch.NewDisposeScope();
            trainClock.Start();
            batchIndex.copy_(torch.tensor(_batches.Batch(t).ToArray(), dtype: ScalarType.Int64));
            optimizer.ZeroGrad();
            GrokkingSubRuns.HalfSquaredLoss(network, data.TrainInputs.index_select(0, batchIndex), data.TrainTargets.index_select(0, batchIndex), s.LossScale)
                .backward();
            var update = optimizer.ComputeUpdate();
            trainClock.Stop();
            // The tangents and λ_t read θ_{t-1} and Adam's realized preconditioner of step t: between ComputeUpdate and Apply.
            if (logged && sensitivity.HasStability)
                sensitivity.MeasureSharpness(jvp, vjp, data.TrainInputs.index_select(0, batchIndex), TangentStepRule.FromOptimizer(optimizer, update));
            if (smoother is not null)
            {
                smootherClock.Start();
                smoother.Step(jvp, vjp, batchIndex, optimizer, update);
                smootherClock.Stop();
            }
            trainClock.Start();
            optimizer.Apply(update);
            update.Dispose();
            trainClock.Stop();
            sensitivity.Step(t);
        }, t =>
        {
            measureClock.Start();
            var point = Measure(network, smoother, t);
            measureClock.Stop();
            if (t > 0) DivergenceException.ThrowIfNotFinite(point.TrainMse ?? double.NaN, run.Label, t);
            var net = sensitivity.Record(t, smoother, network, data.TrainInputs, data.Probes);
            run.Log(point, net, spectrum);   // the spectrum's own clock (SpectrumTime) times its log, outside the measurements'
            GrokkingMnistOutput.WriteRow(s, sub.Metrics, run, point, net);
            if (t > 0) sub.Progress.SetStatus(StatusLine(run.Label, point, net));
        });

        if (smoother is not null)
        using (torch.no_grad())
        using (var gapScope = torch.NewDisposeScope())
        {
            run.SurrogateGapTrain = (smoother.Predict(SmootherSets.Training) - network.forward(data.TrainInputs).to(smoother.DType)).abs().mean().to_type(ScalarType.Float64).item<double>();
            run.SurrogateGapTest = (smoother.Predict("test") - network.forward(data.Probes).to(smoother.DType)).abs().mean().to_type(ScalarType.Float64).item<double>();
        }
        Totals();
        return run;
    }

    /// <summary>
    /// The progress line of a logged step: errors, the smoother's p only when it ran (never "NaN±NaN"), p_net and λ_t
    /// only when measured.
    /// </summary>
    private static string StatusLine(string label, GrokkingPoint point, SensitivityPoint net) =>
        FormattableString.Invariant($"{label}  train err {point.Train:F3}  test err {point.Test:F3}") +
        (double.IsNaN(point.PTrain) ? "" : FormattableString.Invariant($"  p_train {point.PTrain:F0}±{point.PTrainSe:F0}  p_test {point.PTest:F0}±{point.PTestSe:F0}")) +
        (net.Train is null ? "" : FormattableString.Invariant($"  p_net {net.Train.Value:F0}/{net.Test?.Value:F0}")) +
        (net.Sharpness is double lambda ? FormattableString.Invariant($"  λ {lambda:G3}") : "");

    private MlpOptions ModelOptions(MnistConfiguration config) => new()
    {
        InputSize = (int)data.TrainInputs.shape[1],
        HiddenWidths = s.Hidden,
        OutputSize = (int)data.TrainTargets.shape[1],
        Activation = config.Activation,
        InitScale = config.Alpha,
        DType = s.Compute.DType,
        Device = s.Compute.DeviceName,
    };

    private GrokkingPoint Measure(Mlp network, LabelTangentSmoother? smoother, int step)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        (double Error, double Mse) Evaluate(Tensor x, Tensor targets, Tensor classes)
        {
            var f = network.forward(x);
            double error = f.argmax(1).ne(classes).to_type(ScalarType.Float64).mean().item<double>();
            double mse = (f - targets).pow(TorchScalars.Two).mean().to_type(ScalarType.Float64).item<double>();
            return (error, mse);
        }
        var train = Evaluate(data.TrainInputs, data.TrainTargets, data.TrainClasses);
        var test = Evaluate(data.TestInputs, data.TestTargets, data.TestClasses);
        if (smoother is null)
            return new GrokkingPoint(step, train.Error, test.Error, double.NaN, double.NaN, double.NaN, double.NaN, train.Mse, test.Mse);
        var (pTrain, pTest) = (EffectiveParameters.Compute(smoother, SmootherSets.Training), EffectiveParameters.Compute(smoother, "test"));
        return new GrokkingPoint(step, train.Error, test.Error, pTrain.Value, pTrain.StandardError, pTest.Value, pTest.StandardError,
            train.Mse, test.Mse, GapStandardError(smoother));
    }

    /// <summary>
    /// sd/sqrt(D) of the per-direction differences p_train,d − p_test,d (each direction gives an unbiased p for
    /// both sets, as in <see cref="EffectiveParameters.Compute"/>).
    /// </summary>
    private static double GapStandardError(LabelTangentSmoother smoother)
    {
        using var scope = torch.NewDisposeScope();
        Tensor PerDirection(string set)
        {
            var samples = smoother.SquaredNormSamples(set).to_type(ScalarType.Float64);   // [D, N]
            using var factor = ((double)smoother.TrainingCount / (samples.shape[1] * smoother.OutputCount)).ToScalar();
            return samples.sum(1).mul(factor);
        }
        var gap = PerDirection(SmootherSets.Training) - PerDirection("test");
        return gap.shape[0] < 2 ? 0 : gap.std(unbiased: true).item<double>() / Math.Sqrt(gap.shape[0]);
    }
}
