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
    internal const string Test = "test";
    /// <summary>Key prefix of the in-flight sub-run inside a checkpoint.</summary>
    private const string Current = SweepSubRun.Prefix;

    /// <param name="run">The sub-run (empty; filled with its points).</param>
    /// <param name="data">Tensors shared by the sweep.</param>
    /// <param name="trainTargets">The sub-run's training targets (its seed's label-noise flips).</param>
    /// <param name="label">The sub-run's name in metrics.csv and messages.</param>
    /// <param name="log">Called with every logged point as soon as it is measured (metrics.csv rows).</param>
    /// <param name="sub">Its place in the sweep: progress (advanced once per step, the rest of the cap when the rule stops
    /// it early), a checkpoint offered before every step, and the checkpoint to continue it from (null to start it).</param>
    public WidthRun Run(WidthRun run, DoubleDescentTensors data, Tensor trainTargets, string label, Action<WidthRun, int> log, SweepSubRun sub)
    {
        var (progress, resume, cancel) = (sub.Progress, sub.Resume, sub.Cancel);
        var clock = Stopwatch.StartNew();
        var cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
        double wallBefore = 0, cpuBefore = 0, retrainingBefore = 0, stabilityBefore = 0;
        int seed = (int)(run.Seed & int.MaxValue);
        using var scope = torch.NewDisposeScope();
        var modelOptions = ModelOptions(run, data);
        var batches = new BatchSchedule(settings.TrainSize, settings.Batch, (ulong)run.Seed);
        var network = new Mlp(modelOptions, seed);
        var jvp = new ForwardModeJvp(network);
        var vjp = new ParameterVjp(network);
        using var optimizer = CreateOptimizer(jvp.Parameters);
        optimizer.IncludeComponents = false;
        using var tracker = new TelescopingTracker(jvp,
            [new TrackedSet(SmootherSets.Training, data.TrainInputs), new TrackedSet(Test, data.TestProbes)],
            new TelescopingOptions { TrackLinearized = false });
        using var smoother = settings.HasSmoother ? new RunSmoother(settings, seed, network, jvp, data, trainTargets, tracker) : null;
        // The members: the same network from the same seed (θ_0), the same optimizer and batches; labels Y ± σV_d.
        // V_d are the Hutchinson smoother's first D directions (the same seed): a paired comparison.
        using var batchCache = new BatchIndexCache(batches, data.TrainInputs.device);
        using var sensitivity = new RecipeSensitivity(SensitivityOptions(seed), settings.Sensitivity.StabilityIterations, settings.LossScale, trainTargets,
            Members(modelOptions, seed, data, batchCache), settings.Sensitivity.SeparatePairs);
        run.Members = sensitivity.MemberCount;

        int first = 1;
        if (resume is null)
        {
            run.Points.Add(Measure(network, data, trainTargets, smoother?.Smoother, 0));
            run.Sensitivity.Add(sensitivity.Record(0, smoother?.Smoother, network, data.TrainInputs, data.TestProbes));
            log(run, 0);
        }
        else
        {
            (first, wallBefore, cpuBefore) = LoadHeader(sub, run);
            retrainingBefore = resume.GetDouble(Current + "retraining_seconds");
            stabilityBefore = resume.GetDouble(Current + "stability_seconds");
            run.Sensitivity.AddRange(SubRunResults.Deserialize<List<SensitivityPoint>>(resume.GetString(Current + "sensitivity"), RunCheckpoints.FileName));
            ModuleState.Load(network, resume, Current + "model/");
            optimizer.LoadState(resume, Current + "optimizer/");
            tracker.LoadState(resume, Current + "tracker/");
            smoother?.LoadState(resume, Current + "smoother/");
            sensitivity.LoadState(resume, Current + "members/", first - 1);
            progress.Advance(first - 1);
        }
        var stepBatches = new StepBatches(batches, settings.FullBatch, data);
        run.Stop = StopReason.Capped;
        for (int t = first; t <= settings.MaxSteps; t++)
        {
            sub.SaveIfDue(t, state =>
            {
                SaveHeader(state, wallBefore + clock.Elapsed.TotalSeconds,
                    cpuBefore + (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalSeconds, run);
                state.Set(Current + "retraining_seconds", retrainingBefore + (sensitivity.RetrainingTime + sensitivity.RetrainingMeasureTime).TotalSeconds);
                state.Set(Current + "stability_seconds", stabilityBefore + sensitivity.StabilityTime.TotalSeconds);
                state.Set(Current + "sensitivity", SubRunResults.Serialize(run.Sensitivity));
                ModuleState.Save(network, state, Current + "model/");
                optimizer.SaveState(state, Current + "optimizer/");
                tracker.SaveState(state, Current + "tracker/");
                smoother?.SaveState(state, Current + "smoother/");
                sensitivity.SaveState(state, Current + "members/");
            });
            cancel.ThrowIfCancellationRequested();
            using var stepScope = torch.NewDisposeScope();
            bool logged = IsLogged(t);
            using (var update = ComputeUpdate(t, network, optimizer, stepBatches, data, trainTargets, label, out var batch, out var x))
            {
                // Everything below evaluates J at θ_{t-1}: the update is applied last.
                tracker.Record(update);
                smoother?.Step(batch, optimizer, update);
                if (logged && sensitivity.HasStability) sensitivity.MeasureSharpness(jvp, vjp, x, TangentStepRule.FromOptimizer(optimizer, update));
                optimizer.Apply(update);
            }
            sensitivity.Step(t);
            progress.Advance();
            if (!logged) continue;
            run.Points.Add(Measure(network, data, trainTargets, smoother?.Smoother, t));
            run.Sensitivity.Add(sensitivity.Record(t, smoother?.Smoother, network, data.TrainInputs, data.TestProbes));
            log(run, run.Points.Count - 1);
            progress.SetStatus($"{label}  train {run.Points[^1].TrainMse:G3}  test {run.Points[^1].TestMse:G3}  p_train {run.Points[^1].PTrain.Value:G3}");
            if (settings.Convergence.Decide(run.Points.Select(p => (p.Step, p.TrainMse)).ToList()) is { } stop)
            {
                run.Stop = stop;
                progress.Advance(settings.MaxSteps - t);   // the cap was the budget; the rule stopped it early
                break;
            }
        }
        if (run.Points.Count >= 2)
        {
            double before = run.Points[^2].TrainMse, after = run.Points[^1].TrainMse;
            run.LastTrainMseChange = before > 0 ? (after - before) / before : 0;
        }
        if (smoother is not null) (run.TrainFidelity, run.TestFidelity) = smoother.Fidelity(network, data);
        run.RetrainingSeconds = retrainingBefore + (sensitivity.RetrainingTime + sensitivity.RetrainingMeasureTime).TotalSeconds;
        run.StabilitySeconds = stabilityBefore + sensitivity.StabilityTime.TotalSeconds;
        run.WallSeconds = wallBefore + clock.Elapsed.TotalSeconds;
        run.CpuSeconds = cpuBefore + (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalSeconds;
        return run;
    }

    /// <summary>
    /// Trains the pair sub-run <paramref name="run"/> (<see cref="WidthRun.Pair"/>, <c>sensitivity_members=separate</c>):
    /// the pair's two members on Y ± σ·V_d exactly as the lockstep members are made and, unless the step count is fixed
    /// (converge_window = 0), a replay of the network itself — the same seed, optimizer, batches and arithmetic, without
    /// tracker, smoother or λ_t, which only read it — whose training MSE the convergence rule judges, so the pair stops at
    /// the network's own step T as lockstep members do. Records the pair's responses at step 0 and every logged step;
    /// offers a checkpoint before every step. Writes no metrics rows (the network's rows get p_net once combined).
    /// </summary>
    public WidthRun RunPair(WidthRun run, DoubleDescentTensors data, Tensor trainTargets, string label, SweepSubRun sub)
    {
        var (progress, resume, cancel) = (sub.Progress, sub.Resume, sub.Cancel);
        var pair = run.Pair ?? throw new ArgumentException($"Sub-run #{sub.Index} ({label}) is not a pair sub-run.");
        var clock = Stopwatch.StartNew();
        var cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
        double wallBefore = 0, cpuBefore = 0;
        int seed = (int)(run.Seed & int.MaxValue);
        using var scope = torch.NewDisposeScope();
        var modelOptions = ModelOptions(run, data);
        var batches = new BatchSchedule(settings.TrainSize, settings.Batch, (ulong)run.Seed);
        bool replay = settings.Convergence.Window > 0;
        var network = replay ? new Mlp(modelOptions, seed) : null;
        using var optimizer = network is null ? null : CreateOptimizer(new TrainableParameters(network));
        if (optimizer is not null) optimizer.IncludeComponents = false;
        using var batchCache = new BatchIndexCache(batches, data.TrainInputs.device);
        using var members = new RetrainingSensitivity(trainTargets, SensitivityOptions(seed)!, Members(modelOptions, seed, data, batchCache),
            [RecipeSensitivity.Train, RecipeSensitivity.Test], pairs: [pair]);

        int first = 1;
        if (resume is null)
        {
            if (network is not null) run.Points.Add(Measure(network, data, trainTargets, null, 0));
            run.PairResponses.AddRange(members.Responses(0));
        }
        else
        {
            (first, wallBefore, cpuBefore) = LoadHeader(sub, run);
            run.PairResponses.AddRange(SubRunResults.Deserialize<List<PairResponse>>(resume.GetString(Current + "responses"), RunCheckpoints.FileName));
            if (network is not null)
            {
                ModuleState.Load(network, resume, Current + "model/");
                optimizer!.LoadState(resume, Current + "optimizer/");
            }
            members.LoadState(resume, Current + "members/");
            progress.Advance(first - 1);
        }
        var stepBatches = new StepBatches(batches, settings.FullBatch, data);
        run.Stop = StopReason.Capped;
        for (int t = first; t <= settings.MaxSteps; t++)
        {
            sub.SaveIfDue(t, state =>
            {
                SaveHeader(state, wallBefore + clock.Elapsed.TotalSeconds,
                    cpuBefore + (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalSeconds, run);
                state.Set(Current + "responses", SubRunResults.Serialize(run.PairResponses));
                if (network is not null)
                {
                    ModuleState.Save(network, state, Current + "model/");
                    optimizer!.SaveState(state, Current + "optimizer/");
                }
                members.SaveState(state, Current + "members/");
            });
            cancel.ThrowIfCancellationRequested();
            if (network is not null)
                using (var stepScope = torch.NewDisposeScope())
                using (var update = ComputeUpdate(t, network, optimizer!, stepBatches, data, trainTargets, label, out _, out _))
                    optimizer!.Apply(update);
            members.Step(t);
            progress.Advance();
            if (!IsLogged(t)) continue;
            run.PairResponses.AddRange(members.Responses(t));
            progress.SetStatus(FormattableString.Invariant($"{label} pair {pair.Key}  p_d test {run.PairResponses[^1].Value:G3}"));
            if (network is null) continue;
            run.Points.Add(Measure(network, data, trainTargets, null, t));
            if (settings.Convergence.Decide(run.Points.Select(p => (p.Step, p.TrainMse)).ToList()) is { } stop)
            {
                run.Stop = stop;
                progress.Advance(settings.MaxSteps - t);
                break;
            }
        }
        run.RetrainingSeconds = (members.TrainingTime + members.PredictionTime).TotalSeconds;
        run.WallSeconds = wallBefore + clock.Elapsed.TotalSeconds;
        run.CpuSeconds = cpuBefore + (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalSeconds;
        return run;
    }

    /// <summary>What every sub-run in flight stores next to the sweep's header (<see cref="SweepSubRun.SaveIfDue"/>): its clocks and points so far.</summary>
    private static void SaveHeader(CheckpointState state, double wallSeconds, double cpuSeconds, WidthRun run)
    {
        state.Set(Current + "wall_seconds", wallSeconds);
        state.Set(Current + "cpu_seconds", cpuSeconds);
        state.Set(Current + "points", SubRunResults.Serialize(run.Points));
    }

    /// <summary>Restores what <see cref="SaveHeader"/> stored (the points into <paramref name="run"/>); returns the next step and the clocks.</summary>
    private static (int NextStep, double WallSeconds, double CpuSeconds) LoadHeader(SweepSubRun sub, WidthRun run)
    {
        var resume = sub.Resume!;
        run.Points.AddRange(sub.LoadValue<List<DoubleDescentPoint>>("points"));
        return (sub.NextStep, resume.GetDouble(Current + "wall_seconds"), resume.GetDouble(Current + "cpu_seconds"));
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
    private RetrainingRunFactory Members(MlpOptions modelOptions, int seed, DoubleDescentTensors data, BatchIndexCache batchCache) =>
        labels => new SquaredLossRetrainingRun(new Mlp(modelOptions, seed), m => CreateOptimizer(new TrainableParameters(m)),
            data.TrainInputs, labels, settings.LossScale, settings.FullBatch ? null : batchCache.At,
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
        x = batches.FullBatch ? data.TrainInputs : data.TrainInputs.index_select(0, batch);
        var y = batches.FullBatch ? trainTargets : trainTargets.index_select(0, batch);
        optimizer.ZeroGrad();
        using var halfLossScale = (settings.LossScale / 2).ToScalar();
        var loss = (network.forward(x) - y).square().mean().mul(halfLossScale);
        double lossValue = loss.to_type(ScalarType.Float64).item<double>();
        DivergenceException.ThrowIfNotFinite(lossValue, label, t);
        loss.backward();
        return optimizer.ComputeUpdate();
    }

    /// <summary>B_t as int64 indices: every example with full batches, else the schedule's batch copied into one reused tensor.</summary>
    private sealed class StepBatches(BatchSchedule batches, bool fullBatch, DoubleDescentTensors data)
    {
        private readonly Tensor _index = torch.empty(batches.Batch(1).Length, dtype: ScalarType.Int64, device: data.TrainInputs.device);
        private readonly Tensor? _all = fullBatch ? AllRows(data.TrainInputs) : null;

        public bool FullBatch => _all is not null;

        public Tensor At(int t)
        {
            if (_all is not null) return _all;
            _index.copy_(torch.tensor(batches.Batch(t).ToArray(), dtype: ScalarType.Int64));
            return _index;
        }

        private static Tensor AllRows(Tensor inputs)
        {
            using var count = inputs.shape[0].ToScalar();
            return torch.arange(count, dtype: ScalarType.Int64, device: inputs.device);
        }
    }

    private ExactOptimizer CreateOptimizer(TrainableParameters parameters) => settings.Optimizer switch
    {
        "adam" => ExactOptimizers.Adam(parameters, settings.LearningRate),
        "gd" => ExactOptimizers.Sgd(parameters, settings.LearningRate),
        _ => throw new TelescopeException($"Unknown optimizer '{settings.Optimizer}'.") { Hint = "Use --set optimizer=adam or gd." },
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
        double testError = (fTest * yTest).le(TorchScalars.Zero).to_type(ScalarType.Float64).mean().item<double>();
        var none = new EffectiveParameterEstimate("", step, double.NaN, double.NaN, 0, false);
        return new DoubleDescentPoint(step, trainMse, testMse, testError,
            smoother is null ? none with { Set = SmootherSets.Training } : EffectiveParameters.Compute(smoother, SmootherSets.Training),
            smoother is null ? none with { Set = Test } : EffectiveParameters.Compute(smoother, Test));
    }
}
