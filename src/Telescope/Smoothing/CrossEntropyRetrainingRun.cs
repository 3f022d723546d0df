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
public sealed class CrossEntropyRetrainingRun : LabelRetrainingRun
{
    private readonly bool _probabilities;

    /// <param name="model">The network at θ_0, returning logits [N, k]; owned (disposed) by the run.</param>
    /// <param name="optimizer">Creates the optimizer over the model's trainable parameters; owned by the run.</param>
    /// <param name="trainInputs">X_train [n, ...].</param>
    /// <param name="targets">The member's soft targets [n, k] (Y + s·σ·V_d, or the one-hot Y itself).</param>
    /// <param name="batch">B_t as int64 indices for step t; null = full batch every step.</param>
    /// <param name="tracked">Inputs of the tracked sets by name.</param>
    /// <param name="probabilities">Predict softmax(f) (the mean space, where the response stays bounded) instead of the logits f.</param>
    public CrossEntropyRetrainingRun(nn.Module<Tensor, Tensor> model, Func<nn.Module<Tensor, Tensor>, IExactOptimizer> optimizer,
        Tensor trainInputs, Tensor targets, Func<int, Tensor>? batch, IReadOnlyDictionary<string, Tensor> tracked, bool probabilities = false)
        : base(model, optimizer, trainInputs, targets, batch, tracked) => _probabilities = probabilities;

    /// <summary>
    /// −mean_i Σ_j y_ij log softmax(logits_i)_j for logits and (soft) targets [N, k]: the loss of every member, and
    /// of the base run, so that the base run is the member at σ = 0 operation for operation.
    /// </summary>
    public static Tensor CrossEntropyLoss(Tensor logits, Tensor targets)
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
    protected override Tensor Loss(Tensor outputs, Tensor labels) => CrossEntropyLoss(outputs, labels);

    /// <summary>softmax(f(x)) when created with <c>probabilities</c>, else the logits.</summary>
    protected override Tensor Reported(Tensor outputs) => _probabilities ? nn.functional.softmax(outputs, 1) : outputs.alias();
}
