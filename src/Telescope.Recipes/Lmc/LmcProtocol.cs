using Telescope.Connectivity;

namespace Telescope.Recipes.Lmc;

/// <summary>The data an lmc run trains and measures on (built once, identically in every shard and resume).</summary>
internal sealed record LmcData(ImageClassifierData Train, ImageClassifierData Pretrain, ImageClassifierData Test, Tensor Probes, Tensor StatisticsImages);

/// <summary>
/// The spawn protocol (docs/method.md §7) for the sub-runs of one share: per (arm, seed) one parent (pretrained on the disjoint
/// subset with its classifier re-initialized for the pretrained arm) is trained through the spawn steps; at every
/// t′ of this share two children are spawned from its exact state, trained to T with their own data-order and
/// augmentation seeds, and measured (path, gradient change, linearization). Sub-runs of other shares are passed by
/// the parent without children, so every share retrains the parent prefix it needs — deterministically, so its
/// θ_t′ is bit for bit the unsharded run's.
/// <para>
/// Checkpoints (<see cref="RunCheckpoints.SaveIfDue"/> before every training step) hold the finished sub-runs, the
/// live run of the group (pretraining or parent, with its optimizer and generators), the child in flight and the
/// first child once trained, the curve rows of the sub-run in flight and the loss accumulator: a resumed run
/// continues bit for bit.
/// </para>
/// </summary>
internal sealed class LmcProtocol(LmcSetup setup, LmcData data, Sweep<LmcSpawnResult> sweep, RunCheckpoints checkpoints,
    MetricsCsvWriter csv, IProgressTask progress, CancellationToken cancel)
{
    private const string Prefix = "lmc/";

    // The state a checkpoint must carry, as fields so that Save sees all of it at any step boundary.
    private string _group = "";
    private string _stage = "";
    private ClassifierRun? _live;          // pretraining or parent run
    private ClassifierRun? _child;         // child in flight
    private int _subRun = -1, _childIndex;
    private NetworkState? _child1;
    private ClassifierScore _child1Own;
    private double _pretrainAccuracy = double.NaN;
    private List<CurvePoint> _rows = [];   // rows owned by the next sub-run to finish
    private readonly LossWindow _losses = new();
    private int _ownedSteps;
    private double _ownedSeconds;
    private long _stepsDone;
    private CheckpointState? _resume = checkpoints.Resumed is { } r && r.Contains(Prefix + "group") ? r : null;

    /// <summary>Training steps this share takes (for the progress bar): per group, its pretraining, the parent up to its last t′ here, its children.</summary>
    public static long StepsOf(LmcSetup setup, IEnumerable<LmcSubRun> assigned) =>
        assigned.GroupBy(s => (s.Arm, s.Seed)).Sum(g =>
            (g.Key.Arm == "pretrained" ? setup.Pretraining.Steps : 0) + g.Max(s => s.SpawnStep) + g.Sum(s => 2L * (setup.Training.Steps - s.SpawnStep)));

    /// <summary>Steps already taken by a resumed run (to start the progress bar there).</summary>
    public long ResumedSteps => _resume?.GetLong(Prefix + "steps_done") ?? 0;

    /// <summary>Computes every pending sub-run of this share, group by group.</summary>
    public void Run(IReadOnlyList<LmcSubRun> plan)
    {
        _stepsDone = ResumedSteps;
        foreach (var subRuns in plan.GroupBy(s => (s.Arm, s.Seed)).Select(g => g.OrderBy(s => s.SpawnStep).ToList()).Where(g => g.Any(s => IsMine(s.Index))))
            RunGroup(subRuns);
        if (_resume is not null)
            throw new CheckpointMismatchException($"The checkpoint's run in flight ({_resume.GetString(Prefix + "group")}) is not a pending part of this run.");
    }

    private bool IsMine(int index) => sweep.Shard.Includes(index) && !sweep.IsDone(index);

    private void RunGroup(List<LmcSubRun> subRuns)
    {
        var first = subRuns[0];
        string arm = first.Arm, suffix = setup.SeedSuffix(first.Seed);
        int modelSeed = LmcSetup.ModelSeed(first.Seed);
        int last = subRuns.Where(s => IsMine(s.Index)).Max(s => s.SpawnStep);
        _group = $"{arm}/seed={first.Seed}";
        var resume = _resume is not null && _resume.GetString(Prefix + "group") == _group ? _resume : null;
        string resumedStage = resume?.GetString(Prefix + "stage") ?? "";
        _rows = resume is null ? [] : SubRunResults.Deserialize<List<CurvePoint>>(resume.GetString(Prefix + "rows"), RunCheckpoints.FileName);
        _ownedSeconds = resume?.GetDouble(Prefix + "owned_seconds") ?? 0;
        _ownedSteps = resume?.GetInt(Prefix + "owned_steps") ?? 0;
        _pretrainAccuracy = double.NaN;

        using var scope = torch.NewDisposeScope();
        var parentNet = new ResNet(setup.Model, modelSeed);
        var childNet = new ResNet(setup.Model, modelSeed);
        var probeNet = new ResNet(setup.Model, modelSeed);

        if (arm == "pretrained")
        {
            if (resume is null || resumedStage == "pretrain")
            {
                using var pre = ClassifierRun.Start(parentNet, data.Pretrain, setup.Pretraining, Seeds(first.Seed, arm, "pretrain"));
                if (resume is not null) Restore(pre, resume, "pretrain/");
                _stage = "pretrain";
                _live = pre;
                Train(pre, setup.Pretraining.Steps, $"{arm}_pretrain{suffix}", owned: IsMine(first.Index));
                _live = null;
                _pretrainAccuracy = ClassifierEvaluation.Evaluate(parentNet, data.Test).Accuracy;
                parentNet.ResetClassifier(modelSeed + 1);
            }
            else _pretrainAccuracy = resume.GetDouble(Prefix + "pretrain_accuracy");
        }

        using var parent = ClassifierRun.Start(parentNet, data.Train, setup.Training, Seeds(first.Seed, arm, "parent"));
        if (resume is not null && resumedStage != "pretrain") Restore(parent, resume, "parent/");
        _live = parent;
        foreach (var sub in subRuns)
        {
            if (sub.SpawnStep > last) break;
            // Spawn steps the (restored) parent has passed belong to finished sub-runs or to other shares.
            if (sub.SpawnStep < parent.Step || (sub.SpawnStep == parent.Step && !IsMine(sub.Index))) continue;
            bool mine = IsMine(sub.Index);
            _stage = "parent";
            Train(parent, sub.SpawnStep, $"{arm}_parent{suffix}", owned: mine);
            if (mine)
            {
                sweep.Complete(sub.Index, RunSubRun(sub, parent, parentNet, childNet, probeNet, suffix));
                (_ownedSeconds, _ownedSteps) = (0, 0);
                // A stop requested meanwhile is honoured at the next step boundary, after a checkpoint that holds this result.
            }
            _rows = [];   // kept in the result, or this segment's rows belong to a sub-run of another share
        }
        _live = null;
        _stage = "";
    }

    private LmcSpawnResult RunSubRun(LmcSubRun sub, ClassifierRun parent, ResNet parentNet, ResNet childNet, ResNet probeNet, string suffix)
    {
        int t = sub.SpawnStep;
        var snapshot = parent.Snapshot();
        var resume = _resume is not null && _resume.GetString(Prefix + "stage") == "child" && _resume.GetInt(Prefix + "sub_run") == sub.Index ? _resume : null;
        int firstChild = resume?.GetInt(Prefix + "child") ?? 1;
        if (resume is not null && firstChild == 2)
        {
            _child1 = NetworkState.Load(resume, Prefix + "child1/", childNet);
            _child1Own = new ClassifierScore(resume.GetDouble(Prefix + "child1_own_accuracy"), resume.GetDouble(Prefix + "child1_own_loss"));
        }
        NetworkState? child2 = null;
        ClassifierScore own2 = default;
        for (int c = firstChild; c <= 2; c++)
        {
            using var run = ClassifierRun.Spawn(childNet, data.Train, setup.Training, snapshot, Seeds(sub.Seed, sub.Arm, $"t={t}_child={c}"));
            if (resume is not null && c == firstChild) Restore(run, resume, "child_run/");
            (_stage, _subRun, _childIndex, _child) = ("child", sub.Index, c, run);
            Train(run, setup.Training.Steps, $"{sub.Arm}_t={t}_child={c}{suffix}", owned: true);
            _child = null;
            var own = ClassifierEvaluation.Evaluate(childNet, data.Test);
            if (c == 1) (_child1, _child1Own) = (NetworkState.Capture(childNet), own);
            else (child2, own2) = (NetworkState.Capture(childNet), own);
        }
        try
        {
            using var spawnState = NetworkState.Capture(parentNet);
            var result = Measure(sub, spawnState, _child1!, child2!, _child1Own, own2, childNet, probeNet);
            LmcOutput.WritePath(csv, setup, result);
            return result;
        }
        finally
        {
            _child1?.Dispose();
            _child1 = null;
            child2?.Dispose();
        }
    }

    private LmcSpawnResult Measure(LmcSubRun sub, NetworkState spawnState, NetworkState trained1, NetworkState trained2,
        ClassifierScore own1, ClassifierScore own2, ResNet net, ResNet probeNet)
    {
        var clock = Stopwatch.StartNew();
        int t = sub.SpawnStep;
        // Every network whose function or Jacobian is measured gets the same BatchNorm treatment as θ(α).
        using var spawn = ForMeasurement(net, spawnState);
        using var child1 = ForMeasurement(net, trained1);
        using var child2 = ForMeasurement(net, trained2);
        progress.SetStatus($"{sub.Arm} t′={t}: interpolation path");
        var path = new InterpolationPath(net, data.StatisticsImages, setup.BatchNorm, setup.Training.BatchSize,
            setup.Settings.BatchNormBatches);
        var points = path.Evaluate(child1, child2, setup.Settings.Alphas, data.Test);
        path.Load(child1, child2, 0.5);
        using var midpoint = ClassifierEvaluation.Logits(net, data.Probes);

        progress.SetStatus($"{sub.Arm} t′={t}: gradient change ({setup.GradientMethod})");
        var groups = ParameterGroup.FromModules(new TrainableParameters(probeNet), probeNet.LayerGroups);
        ModuleTensors.Load(new TrainableParameters(probeNet), probeNet, spawn.Parameters, spawn.Buffers);
        ModuleTensors.Load(new TrainableParameters(net), net, child1.Parameters, child1.Buffers);
        var change = GradientChange.Measure(probeNet, net, data.Probes, groups, setup.GradientMethod, setup.Settings.Directions,
            (ulong)sub.Seed ^ (ulong)t);

        progress.SetStatus($"{sub.Arm} t′={t}: linearization at the spawn point");
        var linearization = SpawnLinearization.Measure(net, spawn, child1, child2, midpoint, data.Probes);
        return new LmcSpawnResult(sub.Arm, sub.Seed, t, points, own1, own2, change, linearization, _rows.ToList(), _ownedSteps,
            _pretrainAccuracy, _ownedSeconds, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// The state with BatchNorm statistics recomputed on the statistics batches (bn_mode = recompute), as for θ(α):
    /// at t′ = 0 the running statistics are still the initial 0/1, which describe no data. Otherwise a copy.
    /// </summary>
    private NetworkState ForMeasurement(ResNet net, NetworkState state)
    {
        ModuleTensors.Load(new TrainableParameters(net), net, state.Parameters, state.Buffers);
        if (setup.BatchNorm == BatchNormMode.Recompute)
            BatchNormStatistics.Recompute(net, data.StatisticsImages, setup.Training.BatchSize, setup.Settings.BatchNormBatches);
        return NetworkState.Capture(net);
    }

    /// <summary>
    /// Trains <paramref name="run"/> up to step <paramref name="until"/>, logging the mean loss every log_every steps
    /// and at <paramref name="until"/>; rows of an owned segment are written at once (live results) and kept for the
    /// sub-run's result. A checkpoint is offered before every step.
    /// </summary>
    private void Train(ClassifierRun run, int until, string name, bool owned)
    {
        if (run.Step >= until) return;
        var clock = Stopwatch.StartNew();
        progress.SetStatus($"training {name}");
        while (run.Step < until)
        {
            checkpoints.SaveIfDue(state => Save(state, clock.Elapsed.TotalSeconds, owned));
            cancel.ThrowIfCancellationRequested();
            _losses.Add(run.TrainStep(name));
            _stepsDone++;
            if (owned) _ownedSteps++;
            progress.Advance();
            if (run.Step % setup.Settings.LogEvery == 0 || run.Step == until)
            {
                var point = new CurvePoint(name, run.Step, _losses.TakeMean(), run.LastLearningRate);
                if (owned)
                {
                    _rows.Add(point);
                    LmcOutput.WriteCurve(csv, point);
                }
            }
        }
        if (owned) _ownedSeconds += clock.Elapsed.TotalSeconds;
    }

    private void Save(CheckpointState state, double secondsInSegment, bool owned)
    {
        sweep.SaveState(state);
        state.Set(Prefix + "group", _group);
        state.Set(Prefix + "stage", _stage);
        state.Set(Prefix + "steps_done", _stepsDone);
        state.Set(Prefix + "rows", SubRunResults.Serialize(_rows));
        _losses.SaveState(state, Prefix + "loss/");
        state.Set(Prefix + "owned_steps", _ownedSteps);
        state.Set(Prefix + "owned_seconds", _ownedSeconds + (owned ? secondsInSegment : 0));
        state.Set(Prefix + "pretrain_accuracy", _pretrainAccuracy);
        _live!.SaveState(state, Prefix + (_stage == "pretrain" ? "pretrain/" : "parent/"));
        if (_stage != "child") return;
        state.Set(Prefix + "sub_run", _subRun);
        state.Set(Prefix + "child", _childIndex);
        _child!.SaveState(state, Prefix + "child_run/");
        if (_childIndex == 2)
        {
            _child1!.Save(state, Prefix + "child1/");
            state.Set(Prefix + "child1_own_accuracy", _child1Own.Accuracy);
            state.Set(Prefix + "child1_own_loss", _child1Own.Loss);
        }
    }

    /// <summary>Loads a run in flight and the loss accumulator from the checkpoint; the checkpoint is then used up.</summary>
    private void Restore(ClassifierRun run, CheckpointState resume, string key)
    {
        run.LoadState(resume, Prefix + key);
        _losses.LoadState(resume, Prefix + "loss/");
        if (key != "parent/" || resume.GetString(Prefix + "stage") != "child") _resume = null;
    }

    /// <summary>Independent data-order and augmentation seeds per (arm, role), hashed from the repetition's seed.</summary>
    private static SpawnSeeds Seeds(long seed, string arm, string role)
    {
        ulong h = unchecked((ulong)seed);
        foreach (char c in $"{arm}/{role}") h = (h ^ c) * 0x100000001B3UL;   // FNV-1a style mix of the name
        var rng = new SplitMix64(h);
        return new SpawnSeeds(rng.NextUInt64(), rng.NextUInt64());
    }
}
