using Telescope.Checkpointing;
using Telescope.Optim;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Smoothing;

/// <summary>
/// A <see cref="IRetrainingRun"/> for classification with cross-entropy against soft targets, so that p_net
/// (docs/method.md §5.2) can be measured for a network trained with cross-entropy: the member's labels Y ± σV_d
/// (Y one-hot, V_d Rademacher over all n·k entries) are used as targets of
/// <code>  L(f, y) = −mean_{i∈B_t} Σ_j y_ij · log softmax(f(x_i))_j  </code>
/// which is the usual cross-entropy for one-hot y and is linear in y, so the members differ from the base run only
/// through a label term of size σ. The targets need not sum to one (a Rademacher V does not keep the row sums): the
/// gradient with respect to the logits is softmax(f)·Σ_j y_j − y, still linear in y. Any module, any
/// <see cref="IExactOptimizer"/>; the module must hold θ_0 and <c>batch(t)</c> must return the same B_t in every member.
/// </summary>
public sealed class CrossEntropyRetrainingRun : ICheckpointableRetrainingRun
{
    private readonly nn.Module<Tensor, Tensor> _model;
    private readonly IExactOptimizer _optimizer;
    private readonly Tensor _inputs;
    private readonly Tensor _targets;
    private readonly Func<int, Tensor>? _batch;
    private readonly Dictionary<string, Tensor> _tracked;
    private readonly bool _probabilities;
    private bool _disposed;

    /// <param name="model">The network at θ_0, returning logits [N, k]; owned (disposed) by the run.</param>
    /// <param name="optimizer">Creates the optimizer over the model's trainable parameters; owned by the run.</param>
    /// <param name="trainInputs">X_train [n, ...].</param>
    /// <param name="targets">The member's soft targets [n, k] (Y + s·σ·V_d, or the one-hot Y itself).</param>
    /// <param name="batch">B_t as int64 indices for step t; null = full batch every step.</param>
    /// <param name="tracked">Inputs of the tracked sets by name.</param>
    /// <param name="probabilities">Predict softmax(f) (the mean space, where the response stays bounded) instead of the logits f.</param>
    public CrossEntropyRetrainingRun(nn.Module<Tensor, Tensor> model, Func<nn.Module<Tensor, Tensor>, IExactOptimizer> optimizer,
        Tensor trainInputs, Tensor targets, Func<int, Tensor>? batch, IReadOnlyDictionary<string, Tensor> tracked, bool probabilities = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(trainInputs);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(tracked);
        if (targets.dim() != 2 || targets.shape[0] != trainInputs.shape[0])
            throw new ArgumentException($"Targets [{string.Join(", ", targets.shape)}] must be [n, k] with n = {trainInputs.shape[0]} training inputs.");
        _model = model;
        _optimizer = optimizer(model);
        if (_optimizer is ExactOptimizer exact) exact.IncludeComponents = false;   // only the total update is needed
        _inputs = trainInputs.alias().DetachFromDisposeScope();
        _targets = targets.detach().clone().DetachFromDisposeScope();
        _batch = batch;
        _tracked = tracked.ToDictionary(kv => kv.Key, kv => kv.Value.alias().DetachFromDisposeScope());
        _probabilities = probabilities;
    }

    /// <summary>
    /// −mean_i Σ_j y_ij log softmax(logits_i)_j for logits and (soft) targets [N, k]: the loss of every member, and
    /// of the base run, so that the base run is the member at σ = 0 operation for operation.
    /// </summary>
    public static Tensor Loss(Tensor logits, Tensor targets)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(targets);
        if (!logits.shape.SequenceEqual(targets.shape))
            throw new ArgumentException($"Logits [{string.Join(", ", logits.shape)}] and targets [{string.Join(", ", targets.shape)}] must have the same shape [N, k].");
        using var scope = NewDisposeScope();
        var logProbabilities = nn.functional.log_softmax(logits, 1);
        return logProbabilities.mul(targets).sum(1).mean().neg().MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    public void Step(int step)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var scope = NewDisposeScope();
        Tensor x = _inputs, y = _targets;
        if (_batch is not null)
        {
            var index = _batch(step);
            x = _inputs.index_select(0, index);
            y = _targets.index_select(0, index);
        }
        _optimizer.ZeroGrad();
        var loss = Loss(_model.forward(x), y);
        double value = loss.to_type(ScalarType.Float64).item<double>();
        if (!double.IsFinite(value))
            throw new TelescopeException($"A retraining member diverged: its loss is {value} at step {step}.")
            { Hint = "Lower the learning rate or σ (sensitivity_sigma)." };
        loss.backward();
        _optimizer.Step().Dispose();
    }

    /// <summary>f(x) on a tracked set — the logits, or softmax(f(x)) when created with <c>probabilities</c> — [N, k] (detached; the caller disposes it).</summary>
    public Tensor Predict(string set)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_tracked.TryGetValue(set, out var x))
            throw new KeyNotFoundException($"No tracked set '{set}' in this retraining run. Tracked: {string.Join(", ", _tracked.Keys)}.");
        using var noGrad = torch.no_grad();
        using var logits = _model.forward(x).detach();
        return _probabilities ? nn.functional.softmax(logits, 1) : logits.alias();
    }

    /// <inheritdoc/>
    public void SaveState(CheckpointState state, string prefix)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ModuleState.Save(_model, state, prefix + "model/");
        Checkpointable().SaveState(state, prefix + "optimizer/");
    }

    /// <inheritdoc/>
    public void LoadState(CheckpointState state, string prefix)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ModuleState.Load(_model, state, prefix + "model/");
        Checkpointable().LoadState(state, prefix + "optimizer/");
    }

    private ExactOptimizer Checkpointable() => _optimizer as ExactOptimizer
        ?? throw new NotSupportedException($"The member's optimizer {_optimizer.GetType().Name} cannot be checkpointed (only ExactOptimizer subclasses can).");

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _optimizer.Dispose();
        _model.Dispose();
        _inputs.Dispose();
        _targets.Dispose();
        foreach (var t in _tracked.Values) t.Dispose();
    }
}
