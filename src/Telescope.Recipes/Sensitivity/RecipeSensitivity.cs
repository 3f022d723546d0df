namespace Telescope.Recipes.Sensitivity;

/// <summary>
/// One sub-run's p_net members (docs/method.md §5.2, in lockstep with the recipe's own run, which is the base run) and its
/// surrogate sharpness λ_t (docs/method.md §5.3), turned into a <see cref="SensitivityPoint"/> per logged step. When the pairs run
/// as sub-runs of their own (<see cref="SensitivitySettings.Separate"/>), it runs no members and keeps the smoother's
/// p_d along the same directions instead, for <see cref="SeparatePairs.Combine"/>.
/// </summary>
/// <param name="options">Null = no retraining.</param>
/// <param name="stabilityIterations">0 = no sharpness.</param>
/// <param name="lossScale">c.</param>
/// <param name="labels">Y [n, k].</param>
/// <param name="factory">One member run from θ_0 (tracking the sets <see cref="Train"/> and <see cref="Test"/>).</param>
/// <param name="separatePairs">The pairs run as sub-runs of their own: no members here.</param>
internal sealed class RecipeSensitivity(RetrainingSensitivityOptions? options, int stabilityIterations, double lossScale, Tensor labels,
    RetrainingRunFactory factory, bool separatePairs = false) : ICheckpointable, IDisposable
{
    public const string Train = "train";
    public const string Test = "test";
    private readonly RetrainingSensitivity? _retraining = options is null || separatePairs ? null : new RetrainingSensitivity(labels, options, factory, [Train, Test]);
    private readonly Tensor? _separateDirections = options is not null && separatePairs
        ? RademacherDirections.Create(options.DirectionCount, (int)labels.shape[0], (int)labels.shape[1], options.Seed, labels.dtype, labels.device).DetachFromDisposeScope()
        : null;
    private readonly Stopwatch _stabilityClock = new();
    private double? _pendingSharpness;

    /// <summary>V [D, n, k] of p_net (null without retraining).</summary>
    private Tensor? Directions => _retraining?.Directions ?? _separateDirections;

    public bool HasRetraining => _retraining is not null;
    public bool HasStability => stabilityIterations > 0;
    /// <summary>Wall time of the members' training steps.</summary>
    public TimeSpan RetrainingTime => _retraining?.TrainingTime ?? TimeSpan.Zero;
    /// <summary>Wall time of evaluating the members.</summary>
    public TimeSpan RetrainingMeasureTime => _retraining?.PredictionTime ?? TimeSpan.Zero;
    public TimeSpan StabilityTime => _stabilityClock.Elapsed;
    /// <summary>The members' number (2D, plus 2 with the linearity check).</summary>
    public int MemberCount => _retraining?.Members.Count ?? 0;

    public void Step(int step) => _retraining?.Step(step);

    /// <summary>λ_t of the step just computed (call between ComputeUpdate and Apply, at logged steps only).</summary>
    public void MeasureSharpness(IJvpEngine jvp, ParameterVjp vjp, Tensor batchInputs, TangentStepRule rule)
    {
        if (!HasStability) return;
        _stabilityClock.Start();
        try
        {
            _pendingSharpness = SurrogateSharpness.Compute(jvp, vjp, batchInputs, rule, lossScale, stabilityIterations, tolerance: 1e-4, seed: rule.Step).Value;
        }
        finally { _stabilityClock.Stop(); }
    }

    /// <summary>
    /// The point of logged step t: p_net (members at step t), the paired comparison with <paramref name="smoother"/>
    /// along the shared directions (when given), and λ_t from <see cref="MeasureSharpness"/> (when measured).
    /// </summary>
    /// <param name="step">The logged step.</param>
    /// <param name="smoother">The recipe's smoother at step t, or null.</param>
    /// <param name="basePredictions">The recipe's own network on <see cref="Train"/> and <see cref="Test"/> (for the curvature diagnostic).</param>
    public SensitivityPoint Record(int step, ISmoother? smoother, IReadOnlyDictionary<string, Tensor>? basePredictions)
    {
        var point = new SensitivityPoint(step) { Sharpness = _pendingSharpness };
        _pendingSharpness = null;
        if (Directions is not { } directions) return point;
        var smootherP = SmootherAlong(directions, smoother, step);
        if (_retraining is null)
            return point with { SmootherTrain = smootherP?.Train, SmootherTest = smootherP?.Test };
        var estimates = _retraining.Record(step, basePredictions);
        point = point with { Train = estimates.Single(e => e.Set == Train), Test = estimates.Single(e => e.Set == Test) };
        return smootherP is { } p ? point.WithAgreement(p.Train, p.Test) : point;
    }

    /// <summary>The smoother's p_d on both sets along the directions it shares with p_net (null without a smoother, at step 0, or with fewer than two shared).</summary>
    private static (double[] Train, double[] Test)? SmootherAlong(Tensor directions, ISmoother? smoother, int step)
    {
        if (smoother is null || step == 0) return null;
        int count = (int)directions.shape[0];
        int shared = smoother is LabelTangentSmoother { IsExact: false } h ? Math.Min(count, h.DirectionCount) : count;
        if (shared < 2) return null;
        return (DirectionalEffectiveParameters.Compute(smoother, SmootherSets.Training, directions, shared),
            DirectionalEffectiveParameters.Compute(smoother, Test, directions, shared));
    }

    /// <summary><see cref="Record(int, ISmoother?, IReadOnlyDictionary{string, Tensor}?)"/> with the recipe's own network (the base run) evaluated on the tracked sets.</summary>
    public SensitivityPoint Record(int step, ISmoother? smoother, TorchSharp.torch.nn.Module<Tensor, Tensor> network, Tensor trainInputs, Tensor testInputs)
    {
        if (!HasRetraining) return Record(step, smoother, null);
        using var scope = TorchSharp.torch.NewDisposeScope();
        using var noGrad = TorchSharp.torch.no_grad();
        return Record(step, smoother, new Dictionary<string, Tensor> { [Train] = network.forward(trainInputs), [Test] = network.forward(testInputs) });
    }

    /// <summary>Adds the members' state (when retraining) under <paramref name="prefix"/>; call at a step boundary, where no λ_t is pending.</summary>
    public void SaveState(CheckpointState state, string prefix)
    {
        if (_pendingSharpness is not null) throw new InvalidOperationException("λ_t was measured but not recorded; save at a step boundary.");
        _retraining?.SaveState(state, prefix);
    }

    public void LoadState(CheckpointState state, string prefix) => _retraining?.LoadState(state, prefix);

    /// <summary>Restores what <see cref="SaveState"/> stored and checks that the members are at <paramref name="step"/>, the run's step.</summary>
    public void LoadState(CheckpointState state, string prefix, int step)
    {
        LoadState(state, prefix);
        if (_retraining is not null && state.GetInt(prefix + "step") != step)
            throw new CheckpointMismatchException($"The checkpoint's members are at step {state.GetInt(prefix + "step")}, the run at {step}.");
    }

    public void Dispose()
    {
        _retraining?.Dispose();
        _separateDirections?.Dispose();
    }
}
