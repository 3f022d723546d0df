using Telescope.Checkpointing;
using Telescope.Optim;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Smoothing;

/// <summary>
/// The part every p_net member shares whatever its loss (docs/method.md §5.2): a module at θ_0 trained on the member's
/// labels with the same batches B_t as every other member, its tracked sets, and its checkpoint. Subclasses give the
/// loss (<see cref="SquaredLossRetrainingRun"/>, <see cref="CrossEntropyRetrainingRun"/>).
/// </summary>
public abstract class LabelRetrainingRun : ICheckpointableRetrainingRun
{
    private readonly nn.Module<Tensor, Tensor> _model;
    private readonly IExactOptimizer _optimizer;
    private readonly Tensor _inputs;
    private readonly Tensor _labels;
    private readonly Func<int, Tensor>? _batch;
    private readonly Dictionary<string, Tensor> _tracked;
    private bool _disposed;

    /// <param name="model">The network at θ_0; owned (disposed) by the run.</param>
    /// <param name="optimizer">Creates the optimizer over the model's trainable parameters; owned by the run.</param>
    /// <param name="trainInputs">X_train [n, ...].</param>
    /// <param name="labels">The member's labels or soft targets [n, k].</param>
    /// <param name="batch">B_t as int64 indices for step t; null = full batch every step.</param>
    /// <param name="tracked">Inputs of the tracked sets by name.</param>
    protected LabelRetrainingRun(nn.Module<Tensor, Tensor> model, Func<nn.Module<Tensor, Tensor>, IExactOptimizer> optimizer,
        Tensor trainInputs, Tensor labels, Func<int, Tensor>? batch, IReadOnlyDictionary<string, Tensor> tracked)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(trainInputs);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(tracked);
        if (labels.dim() != 2 || labels.shape[0] != trainInputs.shape[0])
            throw new ArgumentException($"Labels [{string.Join(", ", labels.shape)}] must be [n, k] with n = {trainInputs.shape[0]} training inputs.");
        _model = model;
        _optimizer = optimizer(model);
        if (_optimizer is ExactOptimizer exact) exact.IncludeComponents = false;   // only the total update is needed
        _inputs = trainInputs.alias().DetachFromDisposeScope();
        _labels = labels.detach().clone().DetachFromDisposeScope();
        _batch = batch;
        _tracked = tracked.ToDictionary(kv => kv.Key, kv => kv.Value.alias().DetachFromDisposeScope());
    }

    /// <summary>The member's loss on a batch: outputs f(x) and labels y, both [B, k].</summary>
    protected abstract Tensor Loss(Tensor outputs, Tensor labels);

    /// <summary>What <see cref="Predict"/> reports of the outputs f(x) (the outputs themselves unless overridden).</summary>
    protected virtual Tensor Reported(Tensor outputs) => outputs.alias();

    /// <inheritdoc/>
    public void Step(int step)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var scope = NewDisposeScope();
        Tensor x = _inputs, y = _labels;
        if (_batch is not null)
        {
            var index = _batch(step);
            x = _inputs.index_select(0, index);
            y = _labels.index_select(0, index);
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

    /// <inheritdoc/>
    public Tensor Predict(string set)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_tracked.TryGetValue(set, out var x))
            throw new KeyNotFoundException($"No tracked set '{set}' in this retraining run. Tracked: {string.Join(", ", _tracked.Keys)}.");
        using var noGrad = torch.no_grad();
        using var outputs = _model.forward(x).detach();
        return Reported(outputs);
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

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _optimizer.Dispose();
        _model.Dispose();
        _inputs.Dispose();
        _labels.Dispose();
        foreach (var t in _tracked.Values) t.Dispose();
        GC.SuppressFinalize(this);
    }
}
