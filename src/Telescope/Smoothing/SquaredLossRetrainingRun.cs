using Telescope.Optim;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Smoothing;

/// <summary>
/// A <see cref="IRetrainingRun"/> for the squared loss of docs/method.md §1, (c/2)·mean_{i∈B_t} ||f(x_i) − y_i||², with any
/// module and any <see cref="IExactOptimizer"/>: the module must hold θ_0 (build it from the same seed, or copy
/// the values in), and <c>batch(t)</c> must return the same indices B_t in every member.
/// </summary>
public sealed class SquaredLossRetrainingRun : LabelRetrainingRun
{
    private readonly double _lossScale;

    /// <param name="model">The network at θ_0; owned (disposed) by the run.</param>
    /// <param name="optimizer">Creates the optimizer over the model's trainable parameters; owned by the run.</param>
    /// <param name="trainInputs">X_train [n, ...].</param>
    /// <param name="labels">The member's labels [n, k].</param>
    /// <param name="lossScale">c.</param>
    /// <param name="batch">B_t as int64 indices for step t; null = full batch every step.</param>
    /// <param name="tracked">Inputs of the tracked sets by name.</param>
    public SquaredLossRetrainingRun(nn.Module<Tensor, Tensor> model, Func<nn.Module<Tensor, Tensor>, IExactOptimizer> optimizer,
        Tensor trainInputs, Tensor labels, double lossScale, Func<int, Tensor>? batch, IReadOnlyDictionary<string, Tensor> tracked)
        : base(model, optimizer, trainInputs, labels, batch, tracked)
    {
        if (!(lossScale > 0) || !double.IsFinite(lossScale)) throw new ArgumentException($"The loss scale c must be positive; got {lossScale}.");
        _lossScale = lossScale;
    }

    /// <inheritdoc/>
    protected override Tensor Loss(Tensor outputs, Tensor labels)
    {
        if (!outputs.shape.SequenceEqual(labels.shape))
            throw new InvalidOperationException($"The model returned [{string.Join(", ", outputs.shape)}] for labels [{string.Join(", ", labels.shape)}].");
        using var halfLossScale = (0.5 * _lossScale).ToScalar();
        return outputs.sub(labels).pow(TorchScalars.Two).sum(1).mean().mul(halfLossScale);
    }
}
