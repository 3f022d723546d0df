using Telescope.Telescoping;

namespace Telescope.Recipes.DoubleDescent;

/// <summary>
/// Trains one d-h-1 ReLU network with squared loss on ±1 targets until the <see cref="ConvergenceRule"/> stops it
/// and, alongside it, the telescoping model f̃ (docs/method.md §2), the smoother of the optimizer actually used (docs/method.md §4) and
/// the p_net members (docs/method.md §5.2), logging train/test MSE and p_train/p_test (docs/method.md §5.1); at the end it measures the
/// smoother's fidelity gap. The members step in lockstep right after the network's step t and stop when it stops,
/// so they train exactly the network's T steps: T is decided by the network's own training MSE alone (the members'
/// losses are never consulted), and the labels are the only difference between them.
/// Before every step it offers a checkpoint: model, optimizer, tracker, smoother and members' state, the points so
/// far (the convergence rule's whole state: it is a function of the logged training MSEs) and the elapsed time.
/// </summary>
internal sealed class DoubleDescentTrainer(DoubleDescentSettings settings)
{
    // The test probes' set: the same name in the tracker, the smoother and p_net, so the agreement compares the same inputs.
    private const string Test = RecipeSensitivity.Test;

    /// <param name="run">The sub-run (empty; filled with its points).</param>
    /// <param name="trainTargets">The sub-run's training targets (its seed's label-noise flips).</param>
    /// <param name="log">Called with every logged point as soon as it is measured (metrics.csv rows).</param>
    public WidthRun Run(WidthRun run, DoubleDescentTensors data, Tensor trainTargets, string label, Action<WidthRun, int> log, SweepSubRun sub)
    {
        var state = sub.State();
        using var scope = torch.NewDisposeScope();
        using var batches = new StepBatches(settings, run, data);
        var network = new Mlp(ModelOptions(run, data), batches.Seed);
        var jvp = new ForwardModeJvp(network);
        var vjp = new ParameterVjp(network);
        using var optimizer = CreateOptimizer(jvp.Parameters);
        using var tracker = new TelescopingTracker(jvp,
            [new TrackedSet(SmootherSets.Training, data.TrainInputs), new TrackedSet(Test, data.TestProbes)],
            new TelescopingOptions { TrackLinearized = false });
        using var smoother = settings.HasSmoother ? new RunSmoother(settings, batches.Seed, network, jvp, data, trainTargets, tracker) : null;
        // The members: the same network from the same seed (θ_0), the same optimizer and batches; labels Y ± σV_d.
        // V_d are the Hutchinson smoother's first D directions (the same seed): a paired comparison.
        using var sensitivity = new RecipeSensitivity(SensitivityOptions(batches.Seed), settings.Sensitivity.StabilityIterations, settings.LossScale, trainTargets,
            Members(run, data, batches), settings.Sensitivity.SeparatePairs);
        run.Members = sensitivity.MemberCount;
        double retrainingBefore = 0, stabilityBefore = 0;
        state.Add("points", run.Points).Add("sensitivity", run.Sensitivity).Add("model", network).Add("optimizer", optimizer)
            .Add("tracker", tracker).Add("smoother", smoother)
            .Add(s => SweepSubRun.Save(s, "members", sensitivity), s => sensitivity.LoadState(s, SweepSubRun.Key("members/"), sub.NextStep - 1))
            .Add("retraining_seconds", RetrainingSeconds, v => retrainingBefore = v).Add("stability_seconds", StabilitySeconds, v => stabilityBefore = v);
        if (sub.Resume is null) Record(0);
        Loop(run, state, sub, judge: true, step: t =>
        {
            using var stepScope = torch.NewDisposeScope();
            using (var update = ComputeUpdate(t, network, optimizer, batches, data, trainTargets, label, out var batch, out var x))
            {
                // Everything below evaluates J at θ_{t-1}: the update is applied last.
                tracker.Record(update);
                smoother?.Step(batch, optimizer, update);
                if (IsLogged(t) && sensitivity.HasStability) sensitivity.MeasureSharpness(jvp, vjp, x, TangentStepRule.FromOptimizer(optimizer, update));
                optimizer.Apply(update);
            }
            sensitivity.Step(t);
            if (!IsLogged(t)) return;
            Record(t);
            sub.Progress.SetStatus($"{label}  train {run.Points[^1].TrainMse:G3}  test {run.Points[^1].TestMse:G3}  p_train {run.Points[^1].PTrain.Value:G3}");
        });
        if (run.Points is [.., var before, var after])
            run.LastTrainMseChange = before.TrainMse > 0 ? (after.TrainMse - before.TrainMse) / before.TrainMse : 0;
        if (smoother is not null) (run.TrainFidelity, run.TestFidelity) = smoother.Fidelity(network, data);
        run.RetrainingSeconds = RetrainingSeconds();
        run.StabilitySeconds = StabilitySeconds();
        (run.WallSeconds, run.CpuSeconds) = (state.Clock.Wall.TotalSeconds, state.Clock.CpuSeconds);
        return run;

        void Record(int t)
        {
            run.Points.Add(Measure(network, data, trainTargets, smoother?.Smoother, t));
            run.Sensitivity.Add(sensitivity.Record(t, smoother?.Smoother, network, data.TrainInputs, data.TestProbes));
            log(run, run.Points.Count - 1);
        }
        double RetrainingSeconds() => retrainingBefore + (sensitivity.RetrainingTime + sensitivity.RetrainingMeasureTime).TotalSeconds;
        double StabilitySeconds() => stabilityBefore + sensitivity.StabilityTime.TotalSeconds;
    }

    /// <summary>
    /// Trains the pair sub-run <paramref name="run"/> of <paramref name="pair"/> (<c>sensitivity_members=separate</c>):
    /// the pair's two members on Y ± σ·V_d exactly as the lockstep members are made and, unless the step count is fixed
    /// (converge_window = 0), a replay of the network itself — the same seed, optimizer, batches and arithmetic, without
    /// tracker, smoother or λ_t, which only read it — whose training MSE the convergence rule judges, so the pair stops at
    /// the network's own step T as lockstep members do. Records the pair's responses at step 0 and every logged step;
    /// offers a checkpoint before every step. Writes no metrics rows (the network's rows get p_net once combined).
    /// </summary>
    public WidthRun RunPair(WidthRun run, SensitivityPair pair, DoubleDescentTensors data, Tensor trainTargets, string label, SweepSubRun sub)
    {
        var state = sub.State();
        using var scope = torch.NewDisposeScope();
        using var batches = new StepBatches(settings, run, data);
        var network = settings.Convergence.Window > 0 ? new Mlp(ModelOptions(run, data), batches.Seed) : null;
        using var optimizer = network is null ? null : CreateOptimizer(new TrainableParameters(network));
        using var members = new RetrainingSensitivity(trainTargets, SensitivityOptions(batches.Seed)!, Members(run, data, batches),
            [RecipeSensitivity.Train, RecipeSensitivity.Test], pairs: [pair]);
        state.Add("points", run.Points).Add("responses", run.PairResponses).Add("model", network).Add("optimizer", optimizer).Add("members", members);
        if (sub.Resume is null) Record(0);
        Loop(run, state, sub, judge: network is not null, step: t =>
        {
            if (network is not null)
                using (var stepScope = torch.NewDisposeScope())
                using (var update = ComputeUpdate(t, network, optimizer!, batches, data, trainTargets, label, out _, out _))
                    optimizer!.Apply(update);
            members.Step(t);
            if (!IsLogged(t)) return;
            Record(t);
            sub.Progress.SetStatus(FormattableString.Invariant($"{label} pair {pair.Key}  p_d test {run.PairResponses[^1].Value:G3}"));
        });
        run.RetrainingSeconds = (members.TrainingTime + members.PredictionTime).TotalSeconds;
        (run.WallSeconds, run.CpuSeconds) = (state.Clock.Wall.TotalSeconds, state.Clock.CpuSeconds);
        return run;

        void Record(int t)
        {
            if (network is not null) run.Points.Add(Measure(network, data, trainTargets, null, t));
            run.PairResponses.AddRange(members.Responses(t));
        }
    }

    /// <summary>
    /// The steps of a sub-run from the one after its checkpoint (or 1), each taken by <paramref name="step"/> (which also
    /// records at logged steps) after a checkpoint is offered; when <paramref name="judge"/>, the convergence rule judges the
    /// training MSEs at every logged step and may stop the run before the cap (the rest of the cap's progress is advanced at once).
    /// </summary>
    private void Loop(WidthRun run, SubRunState state, SweepSubRun sub, bool judge, Action<int> step)
    {
        run.Stop = StopReason.Capped;
        for (int t = state.Restore(); t <= settings.MaxSteps; t++)
        {
            state.SaveIfDue(t);
            sub.Cancel.ThrowIfCancellationRequested();
            step(t);
            sub.Progress.Advance();
            if (judge && IsLogged(t) && settings.Convergence.Decide(run.Points.Select(p => (p.Step, p.TrainMse)).ToList()) is { } stop)
            {
                run.Stop = stop;
                sub.Progress.Advance(settings.MaxSteps - t);   // the cap was the budget; the rule stopped it early
                break;
            }
        }
    }

    /// <summary>p_net's options with this network's directions (the Hutchinson smoother's seed), or null.</summary>
    private RetrainingSensitivityOptions? SensitivityOptions(int seed) => settings.Retraining is { } o ? o with { Seed = seed } : null;

    private MlpOptions ModelOptions(WidthRun run, DoubleDescentTensors data) => new()
    {
        InputSize = checked((int)data.TrainInputs.shape[1]),
        HiddenWidths = [run.Width],
        OutputSize = 1,
        Activation = Activation.ReLU,
        DType = settings.Compute.DType,
        Device = settings.Compute.DeviceName,
    };

    /// <summary>The p_net members: the same network from the same seed (θ_0), the same optimizer and batches; labels Y ± σV_d.</summary>
    private RetrainingRunFactory Members(WidthRun run, DoubleDescentTensors data, StepBatches batches) =>
        labels => new SquaredLossRetrainingRun(new Mlp(ModelOptions(run, data), batches.Seed), m => CreateOptimizer(new TrainableParameters(m)),
            data.TrainInputs, labels, settings.LossScale, settings.FullBatch ? null : batches.At,
            new Dictionary<string, Tensor> { [RecipeSensitivity.Train] = data.TrainInputs, [RecipeSensitivity.Test] = data.TestProbes });

    private bool IsLogged(int t) => t % settings.LogEvery == 0 || t == settings.MaxSteps;

    /// <summary>
    /// Step t up to its update: B_t, (c/2)·||f − y||² per example averaged over the batch (docs/method.md §1), backward, and the
    /// optimizer's update at θ_{t−1}, which the caller applies (after whatever must still read θ_{t−1}).
    /// </summary>
    private ParameterUpdate ComputeUpdate(int t, Mlp network, ExactOptimizer optimizer, StepBatches batches, DoubleDescentTensors data,
        Tensor trainTargets, string label, out Tensor batch, out Tensor x)
    {
        batch = batches.At(t);
        x = settings.FullBatch ? data.TrainInputs : data.TrainInputs.index_select(0, batch);
        var y = settings.FullBatch ? trainTargets : trainTargets.index_select(0, batch);
        optimizer.ZeroGrad();
        using var halfLossScale = (settings.LossScale / 2).ToScalar();
        var loss = (network.forward(x) - y).pow(TorchScalars.Two).mean().mul(halfLossScale);
        double lossValue = loss.to_type(ScalarType.Float64).item<double>();
        DivergenceException.ThrowIfNotFinite(lossValue, label, t);
        loss.backward();
        return optimizer.ComputeUpdate();
    }

    /// <summary>
    /// The sub-run's seed and B_t as int64 indices: every example with full batches, else the schedule's batch, built once
    /// per step and shared by the network and the members (<see cref="BatchIndexCache"/>), so all see exactly the same batches.
    /// </summary>
    private sealed class StepBatches(DoubleDescentSettings settings, WidthRun run, DoubleDescentTensors data) : IDisposable
    {
        private readonly BatchIndexCache _cache = new(new BatchSchedule(settings.TrainSize, settings.Batch, (ulong)run.Seed), data.TrainInputs.device);
        private readonly Tensor? _all = settings.FullBatch ? AllRows(data.TrainInputs) : null;

        public int Seed { get; } = (int)(run.Seed & int.MaxValue);
        public Tensor At(int t) => _all ?? _cache.At(t);
        public void Dispose() => _cache.Dispose();

        private static Tensor AllRows(Tensor inputs)
        {
            using var count = inputs.shape[0].ToScalar();
            return torch.arange(count, dtype: ScalarType.Int64, device: inputs.device);
        }
    }

    /// <summary>The optimizer (without its components: only its updates are read).</summary>
    private ExactOptimizer CreateOptimizer(TrainableParameters parameters)
    {
        // optimizer is adam or gd (the schema's choices).
        ExactOptimizer optimizer = settings.Optimizer == "adam"
            ? ExactOptimizers.Adam(parameters, settings.LearningRate) : ExactOptimizers.Sgd(parameters, settings.LearningRate);
        optimizer.IncludeComponents = false;
        return optimizer;
    }

    private static DoubleDescentPoint Measure(Mlp network, DoubleDescentTensors data, Tensor trainTargets, ISmoother? smoother, int step)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var fTrain = network.forward(data.TrainInputs).to_type(ScalarType.Float64);
        var fTest = network.forward(data.TestInputs).to_type(ScalarType.Float64);
        var yTrain = trainTargets.to_type(ScalarType.Float64);
        var yTest = data.TestTargets.to_type(ScalarType.Float64);
        double trainMse = (fTrain - yTrain).pow(TorchScalars.Two).mean().item<double>();
        double testMse = (fTest - yTest).pow(TorchScalars.Two).mean().item<double>();
        // sign(f) ≠ y ⇔ f·y ≤ 0 for ±1 targets (f = 0 counts as an error).
        double testError = (fTest * yTest).le(TorchScalars.Zero).to_type(ScalarType.Float64).mean().item<double>();
        EffectiveParameterEstimate P(string set) =>
            smoother is null ? new(set, step, double.NaN, double.NaN, 0, false) : EffectiveParameters.Compute(smoother, set);
        return new DoubleDescentPoint(step, trainMse, testMse, testError, P(SmootherSets.Training), P(Test));
    }
}
