using Telescope.Autodiff;
using Telescope.Checkpointing;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Optim;

/// <summary>
/// What every exact optimizer shares: reading and checking .grad, global-norm clipping, step counting, and
/// applying an update. Subclasses turn the (clipped) loss gradient into Δθ_t and its components.
/// State tensors live in preallocated buffers shaped like the parameters; a step allocates only the tensors
/// it returns.
/// </summary>
public abstract class ExactOptimizer : IExactOptimizer, ICheckpointable
{
    private readonly string[] _names;
    private readonly double? _maxGradNorm;
    // Scaled copies of .grad when clipping is on (so .grad itself stays what backward() produced).
    private readonly Tensor[]? _clipped;
    private readonly Tensor[] _currentGradients;
    // The .grad wrappers of the current step: TorchSharp hands out a new native reference per .grad read.
    private readonly Tensor?[] _gradReferences;
    private ParameterUpdate? _pending;
    private bool _disposed;

    protected ExactOptimizer(TrainableParameters parameters, double? maxGradNorm)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = parameters;
        _maxGradNorm = maxGradNorm;
        _names = ParameterNamesOf(parameters);
        _clipped = maxGradNorm is null ? null : NewStateBuffers(parameters);
        _currentGradients = new Tensor[parameters.Tensors.Count];
        _gradReferences = new Tensor?[parameters.Tensors.Count];
    }

    public TrainableParameters Parameters { get; }
    /// <summary>Names of the trainable parameters (module paths, e.g. "_layers.0.weight"), in parameter order.</summary>
    public IReadOnlyList<string> ParameterNames => _names;
    /// <summary>Steps taken so far (t of the last <see cref="ComputeUpdate"/>).</summary>
    public int StepCount { get; private set; }
    /// <summary>γ_t of the last step; NaN before the first.</summary>
    public double LastLearningRate { get; private set; } = double.NaN;
    /// <summary>
    /// s_t, the factor the last step's loss gradient was multiplied by: min(1, max_norm/(‖∇‖ + 1e-6)) with
    /// clipping, exactly 1 without. A surrogate run that freezes realized quantities treats it like T_t.
    /// </summary>
    public double LastGradientScale { get; private set; } = 1.0;
    /// <summary>‖∇_t‖₂ over all trainable parameters at the last step (NaN when clipping is off: not computed).</summary>
    public double LastGradientNorm { get; private set; } = double.NaN;

    /// <summary>
    /// Whether <see cref="ComputeUpdate"/> also builds the named components (default true). Off, the update
    /// carries only <see cref="ParameterUpdate.Total"/> and an empty component map, which saves one tensor
    /// allocation and one or two elementwise passes per component; the total and the state are unaffected.
    /// </summary>
    public bool IncludeComponents { get; set; } = true;

    /// <summary>The schedule this optimizer reads γ_t from.</summary>
    protected abstract ILearningRateSchedule Schedule { get; }

    /// <summary>
    /// Reads every parameter's .grad, advances the state to step t = <see cref="StepCount"/> + 1 and returns
    /// Δθ_t with its components, without changing θ. The caller owns (and disposes) the result.
    /// </summary>
    public ParameterUpdate ComputeUpdate()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int step = StepCount + 1;
        double rate = OptionValidation.CheckedRate(Schedule, step);
        // Check every gradient before touching any state, so a failed call leaves the optimizer as it was.
        ParameterUpdate update;
        try
        {
            var parameters = Parameters.Tensors;
            for (int i = 0; i < parameters.Count; i++)
            {
                var p = parameters[i];
                var g = _gradReferences[i] = p.grad;
                if (g is null)
                    throw new InvalidOperationException(
                        $"Parameter '{_names[i]}' has no gradient. Call backward() on the loss before ComputeUpdate()/Step().");
                if (!g.shape.SequenceEqual(p.shape) || g.dtype != p.dtype)
                    throw new InvalidOperationException(
                        $"The gradient of parameter '{_names[i]}' is {g.dtype} [{string.Join(", ", g.shape)}] but the parameter is {p.dtype} [{string.Join(", ", p.shape)}].");
                _currentGradients[i] = g;
            }
            using (torch.no_grad())
            {
                // ‖g_i‖ per tensor, once: the finiteness check and clipping both read them.
                using var norms = GradientNorms();
                ThrowIfNotFinite(step, norms);
                if (_maxGradNorm is double maxNorm) ClipInto(maxNorm, norms);
                update = ComputeUpdateCore(step, rate, _currentGradients);
            }
        }
        finally
        {
            for (int i = 0; i < _gradReferences.Length; i++)
            {
                _gradReferences[i]?.Dispose();
                _gradReferences[i] = null;
            }
            Array.Clear(_currentGradients);
        }
        StepCount = step;
        LastLearningRate = rate;
        _pending = update;
        return update;
    }

    /// <summary>θ ← θ + Δθ (under no_grad). Only the update returned by the latest <see cref="ComputeUpdate"/>, once.</summary>
    public void Apply(ParameterUpdate update)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(update);
        if (!ReferenceEquals(update, _pending))
            throw new InvalidOperationException(
                $"Apply takes the update returned by the latest ComputeUpdate() (step {StepCount}), once; this one is for step {update.Step} or was already applied.");
        _pending = null;
        using var _ = torch.no_grad();
        var parameters = Parameters.Tensors;
        for (int i = 0; i < parameters.Count; i++) parameters[i].add_(update.Total[i], TorchScalars.One);
    }

    /// <summary><see cref="ComputeUpdate"/> then <see cref="Apply"/>; returns the applied update (caller disposes).</summary>
    public ParameterUpdate Step()
    {
        var update = ComputeUpdate();
        Apply(update);
        return update;
    }

    /// <summary>Zeroes every trainable parameter's .grad in place (keeping the tensors, so no allocation).</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters.Tensors)
        {
            using var g = p.grad;
            g?.zero_();
        }
    }

    /// <summary>
    /// Builds Δθ_t from <paramref name="gradients"/> (the loss gradient, already clipped; do not modify them)
    /// and advances the state. Runs under no_grad.
    /// </summary>
    protected abstract ParameterUpdate ComputeUpdateCore(int step, double learningRate, IReadOnlyList<Tensor> gradients);

    protected virtual void DisposeState() { }

    /// <summary>
    /// Adds the complete optimizer state under <paramref name="prefix"/>: the step count, the last step's
    /// learning rate and clipping facts, and the subclass's state tensors (bit for bit), so that
    /// <see cref="LoadState"/> in a new process continues with exactly the updates an uninterrupted run makes.
    /// Call between steps (not between <see cref="ComputeUpdate"/> and <see cref="Apply"/>).
    /// </summary>
    public void SaveState(CheckpointState state, string prefix)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_pending is not null)
            throw new InvalidOperationException("An update was computed but not applied; save the state between steps.");
        state.Set(prefix + "kind", GetType().Name);
        state.Set(prefix + "step", StepCount);
        state.Set(prefix + "last_learning_rate", LastLearningRate);
        state.Set(prefix + "last_gradient_scale", LastGradientScale);
        state.Set(prefix + "last_gradient_norm", LastGradientNorm);
        SaveStateCore(state, prefix);
    }

    /// <summary>Restores what <see cref="SaveState"/> stored (same optimizer type, options and parameter shapes).</summary>
    /// <exception cref="CheckpointMismatchException">The checkpoint holds another optimizer or other shapes.</exception>
    public void LoadState(CheckpointState state, string prefix)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        string kind = state.GetString(prefix + "kind");
        if (kind != GetType().Name)
            throw new CheckpointMismatchException($"The checkpoint holds a {kind} state under '{prefix}', not a {GetType().Name}.");
        StepCount = state.GetInt(prefix + "step");
        LastLearningRate = state.GetDouble(prefix + "last_learning_rate");
        LastGradientScale = state.GetDouble(prefix + "last_gradient_scale");
        LastGradientNorm = state.GetDouble(prefix + "last_gradient_norm");
        _pending = null;
        LoadStateCore(state, prefix);
    }

    /// <summary>
    /// Adds the subclass's state (buffers carried from step to step) under <paramref name="prefix"/>. Every
    /// optimizer with state must override it; the default refuses, so that a new optimizer is never checkpointed
    /// without its state.
    /// </summary>
    protected virtual void SaveStateCore(CheckpointState state, string prefix) =>
        throw new NotSupportedException($"{GetType().Name} does not support checkpoints yet: override SaveStateCore and LoadStateCore.");

    /// <summary>Restores what <see cref="SaveStateCore"/> stored, in place.</summary>
    protected virtual void LoadStateCore(CheckpointState state, string prefix) =>
        throw new NotSupportedException($"{GetType().Name} does not support checkpoints yet: override SaveStateCore and LoadStateCore.");

    /// <summary>
    /// Zero state tensors shaped like the parameters, owned by the optimizer: detached from any enclosing
    /// DisposeScope, so constructing an optimizer inside a scope does not free its state when the scope ends.
    /// </summary>
    protected static Tensor[] NewStateBuffers(TrainableParameters parameters) =>
        parameters.Zeros().Select(t => t.DetachFromDisposeScope()).ToArray();

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_clipped is not null) foreach (var t in _clipped) t.Dispose();
        DisposeState();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Refuses a gradient with NaN or ±∞ before any state changes (docs/numerics.md). The fast path is one norm per
    /// tensor and a single synchronizing read for the whole step (a NaN or ±∞ entry makes the norm non-finite); only
    /// when a norm is not finite are the entries themselves examined, because a norm can also overflow from finite
    /// entries above ≈ 1e19 in float32, which is not refused here.
    /// </summary>
    private void ThrowIfNotFinite(int step, Tensor norms)
    {
        using (var finite = torch.isfinite(norms))
        using (var all = finite.all())
            if (all.ToBoolean()) return;
        using var scope = torch.NewDisposeScope();
        var affected = new List<int>();
        for (int i = 0; i < _currentGradients.Length; i++)
            if (!torch.isfinite(_currentGradients[i]).all().ToBoolean()) affected.Add(i);
        if (affected.Count == 0) return;   // an overflowing norm of finite entries
        var first = _currentGradients[affected[0]];
        long bad = torch.isfinite(first).logical_not().sum().ToInt64();
        throw new NonFiniteGradientException(step, _names[affected[0]], bad, first.numel(),
            affected.Skip(1).Select(i => _names[i]).ToArray());
    }

    /// <summary>The per-tensor 2-norms of the current gradients, stacked (one entry per parameter tensor).</summary>
    private Tensor GradientNorms()
    {
        var norms = new Tensor[_currentGradients.Length];
        try
        {
            for (int i = 0; i < norms.Length; i++) norms[i] = GradientNorm.Of(_currentGradients[i]);
            return torch.stack(norms);
        }
        finally
        {
            foreach (var n in norms) n?.Dispose();
        }
    }

    /// <summary>Same arithmetic as torch.nn.utils.clip_grad_norm_ (norm of per-tensor norms, coefficient in the gradient dtype).</summary>
    private void ClipInto(double maxNorm, Tensor norms)
    {
        var clipped = _clipped!;
        using var total = GradientNorm.Of(norms);
        // total + 1e-6, then maxNorm / shifted as PyTorch's __rtruediv__ forms it (reciprocal, then multiply).
        using var epsilon = 1e-6.ToScalar();
        using var maxNormScalar = maxNorm.ToScalar();
        using var upperBound = 1.0.ToScalar();
        using var shifted = total.add(epsilon, TorchScalars.One);
        using var inverse = shifted.reciprocal();
        using var ratio = inverse.mul(maxNormScalar);
        using var coefficient = ratio.clamp_max(upperBound);
        LastGradientNorm = total.ToDouble();
        LastGradientScale = coefficient.ToDouble();
        for (int i = 0; i < clipped.Length; i++)
        {
            clipped[i].copy_(_currentGradients[i]).mul_(coefficient);
            _currentGradients[i] = clipped[i];
        }
    }

    private static string[] ParameterNamesOf(TrainableParameters parameters)
    {
        var named = parameters.Module.named_parameters().Where(np => np.parameter.requires_grad).ToArray();
        bool aligned = named.Length == parameters.Tensors.Count
            && named.Select((np, i) => np.parameter.Handle == parameters.Tensors[i].Handle).All(same => same);
        return aligned
            ? named.Select(np => np.name).ToArray()
            : Enumerable.Range(0, parameters.Tensors.Count).Select(i => $"#{i}").ToArray();
    }
}
