using Telescope.Autodiff;
using Telescope.Checkpointing;
using Telescope.Optim;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Smoothing;

/// <summary>
/// Label-tangent propagation (docs/method.md §4.3), exact for every optimizer rule of <see cref="TangentStepRule"/>:
/// the surrogate run (realized Jacobians J_{t-1}, Adam's realized T_t and clipping factor s_t frozen) is
/// differentiated with respect to the labels along D directions V ∈ R^{n×k}, giving ḟ̂_t(x) = S_t(x)·vec(V).
/// Per step, for every direction at once:
/// <code>
///   ṙ_i = c·(ḟ̂_{t-1}(x_i) − V_i), i ∈ B_t;      Ġ = (1/|B|) Σ_i J_{t-1}(x_i)ᵀ ṙ_i           (VJP)
///   SGD:   ġ = s Ġ + λθ̇;  ṁ = βṁ + ġ;  Δθ̇ = −γṁ  (Nesterov −γ(ġ + βṁ); no momentum −γġ)
///   Adam:  ġ = s Ġ + λθ̇;  ṁ = β1 ṁ + (1−β1) ġ;  Δθ̇ = −γ T_t ⊙ ṁ/(1−β1^t)
///   AdamW: ġ = s Ġ, and Δθ̇ gets an extra −γλθ̇_{t-1}
///   θ̇ += Δθ̇;   ḟ̂(x) += J_{t-1}(x)·Δθ̇                                                   (one batched JVP)
/// </code>
/// With <see cref="LabelDirections.ExactBasis"/> the directions are e_j (j = i·k + a, vec(Y) row-major) and
/// S is exact; with <see cref="LabelDirections.Hutchinson"/> they are Rademacher and ||ḟ̂(x)||² is an unbiased
/// sample of ||S(x)||²_F. Memory O(D·P + D·|tracked|·k): no P×n matrix is formed.
/// With <see cref="TangentPreconditioner.Differentiated"/> (an option beyond docs/method.md §4.3) Adam's T is the surrogate's own
/// and is differentiated too; S is then the local smoother ∂f̂/∂Y.
/// <para>
/// Call <see cref="Step(IJvpEngine, ParameterVjp, Tensor, TangentStepRule)"/> after the optimizer has
/// computed step t's update and BEFORE it applies it: the engines must see θ_{t-1}.
/// </para>
/// </summary>
public sealed class LabelTangentSmoother : ISmoother, ICheckpointable, IDisposable
{
    private readonly TrainableParameters _parameters;
    private readonly Tensor _trainInputs;
    private readonly List<string> _names = [];
    private readonly Dictionary<string, (int Start, int Count)> _ranges = [];
    private readonly int _labelDirections;          // D
    private readonly int _totalDirections;          // D, plus one for the surrogate run itself
    private readonly Tensor? _randomDirections;     // Hutchinson V [D, n, k]
    private readonly Tensor? _surrogateLabels;      // Y [n, k]
    private readonly TangentGradientMethod _gradientMethod;
    private readonly Tensor[] _thetaDot;            // per parameter [D_total, ...]
    private Tensor[]? _momentDot;                   // per parameter [D_total, ...], once a rule has a moment
    private readonly TangentPreconditioner _preconditioner;
    private Tensor[]? _secondMoment;                // Differentiated Adam: the surrogate's own v̂, per parameter [...]
    private Tensor[]? _secondMomentDot;             // and its label tangents v̇, per parameter [D, ...]
    private Tensor _inputs;                         // all tracked inputs, training set first
    private Tensor _fDot;                           // [D_total, N_all, k]
    private bool _disposed;

    /// <summary>Starts the propagation at θ_0 (the parameters' current values) with the training set tracked.</summary>
    /// <param name="parameters">θ, in the order the engines use.</param>
    /// <param name="trainInputs">X_train [n, ...].</param>
    /// <param name="options">Directions, k, c and the optional surrogate labels.</param>
    /// <param name="initialTrainPredictions">f_{θ_0}(X_train) [n, k]; required with <see cref="LabelTangentOptions.SurrogateLabels"/>.</param>
    public LabelTangentSmoother(TrainableParameters parameters, Tensor trainInputs, LabelTangentOptions options,
        Tensor? initialTrainPredictions = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(trainInputs);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (trainInputs.dim() < 1 || trainInputs.shape[0] == 0)
            throw new ArgumentException("The training inputs must be a non-empty batch [n, ...].");
        _parameters = parameters;
        TrainingCount = checked((int)trainInputs.shape[0]);
        OutputCount = options.OutputCount;
        LossScale = options.LossScale;
        Directions = options.Directions;
        _gradientMethod = options.GradientMethod;
        _preconditioner = options.Preconditioner;
        var first = parameters.Tensors[0];
        DType = first.dtype;
        Device = first.device;

        _labelDirections = Directions == LabelDirections.ExactBasis
            ? checked(TrainingCount * OutputCount)
            : options.DirectionCount;
        if (options.SurrogateLabels is Tensor y)
        {
            if (!y.shape.SequenceEqual(new long[] { TrainingCount, OutputCount }))
                throw new ArgumentException($"Surrogate labels must be [{TrainingCount}, {OutputCount}]; got [{string.Join(", ", y.shape)}].");
            _surrogateLabels = y.detach().to(DType, Device).clone().DetachFromDisposeScope();
        }
        _totalDirections = _labelDirections + (HasSurrogate ? 1 : 0);

        if (Directions == LabelDirections.Hutchinson)
        {
            // Shared with the retraining estimate p_net (docs/method.md §5.2): the same seed gives the same V_d there.
            _randomDirections = RademacherDirections.Create(_labelDirections, TrainingCount, OutputCount, options.Seed, DType, Device)
                .DetachFromDisposeScope();
        }

        // Long-lived state must not belong to a caller's dispose scope.
        _trainInputs = trainInputs.detach().clone().DetachFromDisposeScope();
        _inputs = _trainInputs.alias().DetachFromDisposeScope();
        _thetaDot = parameters.Tensors
            .Select(p => torch.zeros([_totalDirections, .. p.shape], dtype: DType, device: Device).DetachFromDisposeScope())
            .ToArray();
        if (HasSurrogate)
        {
            // The surrogate run starts where training starts: θ̂_0 = θ_0 (weight decay acts on it).
            using var _ = torch.no_grad();
            for (int p = 0; p < _thetaDot.Length; p++) _thetaDot[p][_labelDirections].copy_(parameters.Tensors[p]);
        }
        _fDot = InitialTangents(SmootherSets.Training, TrainingCount, initialTrainPredictions).DetachFromDisposeScope();
        _names.Add(SmootherSets.Training);
        _ranges[SmootherSets.Training] = (0, TrainingCount);
    }

    public int TrainingCount { get; }
    public int OutputCount { get; }
    public int StepCount { get; private set; }
    /// <summary>c, the loss scale.</summary>
    public double LossScale { get; }
    public LabelDirections Directions { get; }
    /// <summary>D, the number of label directions (n·k for the exact basis).</summary>
    public int DirectionCount => _labelDirections;
    /// <summary>True when the surrogate run itself is carried (see <see cref="LabelTangentOptions.SurrogateLabels"/>).</summary>
    public bool HasSurrogate => _surrogateLabels is not null;
    public ScalarType DType { get; }
    public Device Device { get; }
    public IReadOnlyList<string> TrackedSets => _names;
    /// <inheritdoc/>
    public bool IsExact => Directions == LabelDirections.ExactBasis;

    /// <summary>Tracks another input set; only before the first step.</summary>
    /// <param name="name">A new, non-empty name.</param>
    /// <param name="inputs">[N, ...] shaped like the training inputs.</param>
    /// <param name="initialPredictions">f_{θ_0}(inputs) [N, k]; required when the surrogate run is carried.</param>
    public void Track(string name, Tensor inputs, Tensor? initialPredictions = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (StepCount > 0)
            throw new InvalidOperationException($"Set '{name}' must be tracked before the first step (S_t depends on the whole run).");
        if (string.IsNullOrWhiteSpace(name) || _ranges.ContainsKey(name))
            throw new ArgumentException($"Tracked set name '{name}' is empty or already used.");
        if (!inputs.shape.Skip(1).SequenceEqual(_trainInputs.shape.Skip(1)))
            throw new ArgumentException(
                $"Set '{name}': inputs [{string.Join(", ", inputs.shape)}] do not match the training inputs [{string.Join(", ", _trainInputs.shape)}] beyond the first dimension.");
        int start = checked((int)_inputs.shape[0]);
        int count = checked((int)inputs.shape[0]);
        using (var x = inputs.detach().to(_trainInputs.dtype, _trainInputs.device))
        using (var tangents = InitialTangents(name, count, initialPredictions))
        {
            Replace(ref _inputs, torch.cat([_inputs, x], 0));
            Replace(ref _fDot, torch.cat([_fDot, tangents], 1));
        }
        _names.Add(name);
        _ranges[name] = (start, count);
    }

    /// <summary>
    /// Propagates step t of <paramref name="optimizer"/>: call after <see cref="IExactOptimizer.ComputeUpdate"/>
    /// returned <paramref name="update"/> and before <see cref="IExactOptimizer.Apply"/>.
    /// </summary>
    public void Step(IJvpEngine jvp, ParameterVjp vjp, Tensor batchIndices, IExactOptimizer optimizer, ParameterUpdate update) =>
        Step(jvp, vjp, batchIndices, TangentStepRule.FromOptimizer(optimizer, update));

    /// <summary>
    /// Propagates one step on batch B_t with the given rule. Both engines must evaluate the model at θ_{t-1}.
    /// </summary>
    /// <param name="jvp">JVP engine over the same parameters (one call, batched over all directions).</param>
    /// <param name="vjp">Batch VJP over the same parameters (one forward, one backward per direction); with
    /// <see cref="TangentGradientMethod.BatchJacobian"/> the batch's per-example Jacobians are used instead.</param>
    /// <param name="batchIndices">B_t, int64 indices into the training set, [b].</param>
    /// <param name="rule">The realized step (see <see cref="TangentStepRule.FromOptimizer"/>).</param>
    public void Step(IJvpEngine jvp, ParameterVjp vjp, Tensor batchIndices, TangentStepRule rule)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(jvp);
        ArgumentNullException.ThrowIfNull(vjp);
        ArgumentNullException.ThrowIfNull(rule);
        rule.Validate(_thetaDot.Length);
        CheckEngine(jvp.Parameters, "JVP");
        CheckEngine(vjp.Parameters, "VJP");
        using var batch = LabelTangentBatch.Validated(batchIndices, Device, TrainingCount);
        // Persistent state is allocated outside the step's dispose scope.
        if (rule.HasMoment && _momentDot is null)
            _momentDot = _thetaDot.Select(t => torch.zeros_like(t).DetachFromDisposeScope()).ToArray();
        if (rule.Kind == TangentOptimizerKind.Adam && _preconditioner == TangentPreconditioner.Differentiated && _secondMoment is null)
        {
            _secondMoment = _parameters.Tensors.Select(p => torch.zeros(p.shape, dtype: DType, device: Device).DetachFromDisposeScope()).ToArray();
            _secondMomentDot = _parameters.Tensors
                .Select(p => torch.zeros([_labelDirections, .. p.shape], dtype: DType, device: Device).DetachFromDisposeScope()).ToArray();
        }

        using var scope = NewDisposeScope();
        long b = batch.shape[0];
        var batchInputs = _trainInputs.index_select(0, batch.to(_trainInputs.device));

        // ṙ_i = c·(ḟ̂_{t-1}(x_i) − V_i) for all directions: [D_total, b, k].
        using var lossScale = LossScale.ToScalar();
        var directions = LabelTangentBatch.Directions(batch, _randomDirections, _labelDirections, _surrogateLabels, OutputCount, DType, Device);
        var residual = _fDot.index_select(1, batch).sub_(directions).mul_(lossScale);
        var gradients = LabelTangentGradients.Compute(vjp, _parameters, _gradientMethod, _totalDirections, OutputCount, DType,
            batchInputs, residual);                                                          // Ġ per parameter [D_total, ...]

        var steps = new Tensor[_thetaDot.Length];
        for (int p = 0; p < _thetaDot.Length; p++)
            steps[p] = LabelTangentUpdates.Delta(rule, p, gradients[p], _thetaDot, _momentDot, _secondMoment, _secondMomentDot, _labelDirections, DType, Device);

        var tangents = Enumerable.Range(0, _totalDirections)
            .Select(d => (IReadOnlyList<Tensor>)steps.Select(s => s[d]).ToArray())
            .ToArray();
        using var result = jvp.Compute(_inputs, tangents);
        long[] expected = [_totalDirections, _inputs.shape[0], OutputCount];
        if (!result.Jvps.shape.SequenceEqual(expected))
            throw new InvalidOperationException(
                $"The JVP engine returned [{string.Join(", ", result.Jvps.shape)}]; expected [{string.Join(", ", expected)}].");

        // θ̇ moves only now: every Δθ̇ above was formed from θ̇_{t-1} (weight decay reads it).
        for (int p = 0; p < _thetaDot.Length; p++) _thetaDot[p].add_(steps[p], TorchScalars.One);
        using var jvps = result.Jvps.to(DType);
        _fDot.add_(jvps, TorchScalars.One);
        StepCount++;
    }

    public int TrackedCount(string set) => Range(set).Count;

    /// <summary>ḟ̂_t = S_t·vec(V) on a tracked set for every label direction: [D, N, k] (a copy).</summary>
    public Tensor Tangents(string set)
    {
        var (start, count) = Range(set);
        using var view = _fDot.narrow(0, 0, _labelDirections).narrow(1, start, count);
        return view.clone();
    }

    /// <summary>The label directions V [D, n, k] (Hutchinson: the stored Rademacher signs; basis: the identity).</summary>
    public Tensor LabelDirectionMatrix()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_randomDirections is not null) return _randomDirections.clone();
        return torch.eye(_labelDirections, dtype: DType, device: Device).view(_labelDirections, TrainingCount, OutputCount);
    }

    /// <summary>S_t on a tracked set, [N, k, n·k]; exact-basis mode only.</summary>
    public Tensor Weights(string set)
    {
        if (Directions != LabelDirections.ExactBasis)
            throw new InvalidOperationException("S itself is known only with LabelDirections.ExactBasis; Hutchinson estimates its norms.");
        var (start, count) = Range(set);
        using var view = _fDot.narrow(0, 0, _labelDirections).narrow(1, start, count);
        return view.permute(1, 2, 0).contiguous();
    }

    /// <inheritdoc/>
    public Tensor SquaredNormSamples(string set)
    {
        var (start, count) = Range(set);
        using var scope = NewDisposeScope();
        var perDirection = _fDot.narrow(0, 0, _labelDirections).narrow(1, start, count).pow(TorchScalars.Two).sum(2);   // [D, N]
        var samples = IsExact ? perDirection.sum(0, keepdim: true) : perDirection;
        return samples.MoveToOuterDisposeScope();
    }

    /// <summary>Estimate of ||S_t(x)||²_F per input, [N] (exact in basis mode; Hutchinson: the mean over directions).</summary>
    public Tensor SquaredNorms(string set)
    {
        using var samples = SquaredNormSamples(set);
        return samples.mean([0]);
    }

    /// <summary>Standard error of <see cref="SquaredNorms"/> per input, [N]: sd/sqrt(D) over directions, 0 when exact.</summary>
    public Tensor SquaredNormStandardErrors(string set)
    {
        using var samples = SquaredNormSamples(set);
        if (IsExact || samples.shape[0] < 2) return torch.zeros(samples.shape[1], dtype: samples.dtype, device: samples.device);
        using var sd = samples.std(0, unbiased: true);
        using var rootCount = Math.Sqrt(samples.shape[0]).ToScalar();
        return sd.div(rootCount);
    }

    /// <summary>The surrogate prediction f̂_t on a tracked set, [N, k]; needs <see cref="LabelTangentOptions.SurrogateLabels"/>.</summary>
    public Tensor Predict(string set)
    {
        if (!HasSurrogate)
            throw new InvalidOperationException("The surrogate run is not carried; set LabelTangentOptions.SurrogateLabels to get f̂.");
        var (start, count) = Range(set);
        using var view = _fDot[_labelDirections].narrow(0, start, count);
        return view.clone();
    }

    /// <summary>The fidelity gaps of docs/method.md §4 on a tracked set; the caller supplies f̃_t and f_{θ_t} there.</summary>
    public SmootherFidelity Fidelity(string set, Tensor telescoped, Tensor network)
    {
        using var surrogate = Predict(set);
        return SmootherFidelity.Compute(surrogate, telescoped, network);
    }

    /// <summary>
    /// Adds the propagation's state under <paramref name="prefix"/>: t, the tangents θ̇ and ḟ of every tracked
    /// set, and, once allocated, the moment tangents and the differentiated second moments. The random
    /// directions and surrogate labels are not stored: they are fixed by the options (seed) at construction.
    /// A smoother built with the same options and tracked sets, given <see cref="LoadState"/>, continues bit for bit.
    /// </summary>
    public void SaveState(CheckpointState state, string prefix)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        state.Set(prefix + "step", StepCount);
        state.Set(prefix + "sets", string.Join('\n', _names));
        state.Set(prefix + "f_dot", _fDot);
        state.SetGroup(prefix + "theta_dot", _thetaDot);
        state.SetGroup(prefix + "moment_dot", _momentDot);
        state.SetGroup(prefix + "second_moment", _secondMoment);
        state.SetGroup(prefix + "second_moment_dot", _secondMomentDot);
    }

    /// <summary>Restores what <see cref="SaveState"/> stored (the same sets must be tracked already).</summary>
    /// <exception cref="CheckpointMismatchException">Other tracked sets, options, dtype or shapes.</exception>
    public void LoadState(CheckpointState state, string prefix)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        string sets = state.GetString(prefix + "sets");
        if (sets != string.Join('\n', _names))
            throw new CheckpointMismatchException($"The checkpoint's label-tangent smoother tracked [{sets.Replace('\n', ',')}] but this one tracks [{string.Join(",", _names)}].");
        state.CopyTo(prefix + "f_dot", _fDot);
        state.CopyGroupTo(prefix + "theta_dot", _thetaDot);
        // The lazily allocated state exists in the checkpoint once the run had reached a step that needed it.
        _momentDot = Restore(prefix + "moment_dot", _momentDot, () => _thetaDot.Select(t => torch.zeros_like(t)).ToArray());
        _secondMoment = Restore(prefix + "second_moment", _secondMoment,
            () => _parameters.Tensors.Select(p => torch.zeros(p.shape, dtype: DType, device: Device)).ToArray());
        _secondMomentDot = Restore(prefix + "second_moment_dot", _secondMomentDot,
            () => _parameters.Tensors.Select(p => torch.zeros([_labelDirections, .. p.shape], dtype: DType, device: Device)).ToArray());
        StepCount = state.GetInt(prefix + "step");

        Tensor[]? Restore(string key, Tensor[]? current, Func<Tensor[]> allocate)
        {
            if (state.GetLong(key + "/count") < 0)
            {
                if (current is not null) foreach (var t in current) t.Dispose();
                return null;
            }
            var target = current ?? allocate().Select(t => t.DetachFromDisposeScope()).ToArray();
            state.CopyGroupTo(key, target);
            return target;
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _trainInputs.Dispose();
        _inputs.Dispose();
        _fDot.Dispose();
        _randomDirections?.Dispose();
        _surrogateLabels?.Dispose();
        foreach (var t in _thetaDot) t.Dispose();
        if (_momentDot is not null) foreach (var t in _momentDot) t.Dispose();
        if (_secondMoment is not null) foreach (var t in _secondMoment) t.Dispose();
        if (_secondMomentDot is not null) foreach (var t in _secondMomentDot) t.Dispose();
    }

    /// <summary>ḟ̂_0 on a new set: zero for label directions, f_{θ_0} for the surrogate run.</summary>
    private Tensor InitialTangents(string name, int count, Tensor? initialPredictions)
    {
        var tangents = torch.zeros([_totalDirections, count, OutputCount], dtype: DType, device: Device);
        if (!HasSurrogate) return tangents;
        if (initialPredictions is null || !initialPredictions.shape.SequenceEqual(new long[] { count, OutputCount }))
        {
            tangents.Dispose();
            throw new ArgumentException(
                $"Set '{name}': the surrogate run needs initial predictions f_θ0 of shape [{count}, {OutputCount}]" +
                (initialPredictions is null ? "; none were given." : $"; got [{string.Join(", ", initialPredictions.shape)}]."));
        }
        using (torch.no_grad())
        using (var f0 = initialPredictions.detach().to(DType, Device))
            tangents[_labelDirections].copy_(f0);
        return tangents;
    }

    private void CheckEngine(TrainableParameters engineParameters, string what)
    {
        var mine = _parameters.Tensors;
        var theirs = engineParameters.Tensors;
        if (theirs.Count != mine.Count || theirs.Zip(mine).Any(pair => !pair.First.shape.SequenceEqual(pair.Second.shape)))
            throw new ArgumentException(
                $"The {what} engine's parameters ({theirs.Count} tensors) do not match the smoother's ({mine.Count}); build both over the same model.");
    }

    private (int Start, int Count) Range(string set)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _ranges.TryGetValue(set, out var r)
            ? r
            : throw new KeyNotFoundException($"No tracked set '{set}'. Tracked: {string.Join(", ", _names)}.");
    }

    private static void Replace(ref Tensor field, Tensor value)
    {
        field.Dispose();
        field = value.DetachFromDisposeScope();
    }
}
