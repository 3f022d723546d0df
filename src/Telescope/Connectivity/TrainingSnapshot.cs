using static TorchSharp.torch;

namespace Telescope.Connectivity;

/// <summary>
/// Everything a training run needs to continue exactly from step <see cref="Step"/>: the trainable parameters,
/// the module's buffers (BatchNorm running statistics and counters), the SGD momentum buffers and step count,
/// the data-order seed (the batch at step t is a pure function of it and t) and the augmentation generator's
/// state. Restoring all of it reproduces the run's continuation bit for bit on the same thread count.
/// Owns its tensors (detached clones).
/// </summary>
public sealed class TrainingSnapshot : IDisposable
{
    internal TrainingSnapshot(int step, Tensor[] parameters, Tensor[] buffers, Tensor[] momentum, ulong dataOrderSeed, ulong augmentationState)
    {
        Step = step;
        Parameters = parameters;
        Buffers = buffers;
        Momentum = momentum;
        DataOrderSeed = dataOrderSeed;
        AugmentationState = augmentationState;
    }

    /// <summary>t′: the optimizer steps taken.</summary>
    public int Step { get; }
    /// <summary>θ_t′ in <see cref="Autodiff.TrainableParameters"/> order.</summary>
    public IReadOnlyList<Tensor> Parameters { get; }
    /// <summary>The module's buffers in <c>buffers()</c> order.</summary>
    public IReadOnlyList<Tensor> Buffers { get; }
    /// <summary>SGD momentum buffers b_t′ (empty without momentum).</summary>
    public IReadOnlyList<Tensor> Momentum { get; }
    public ulong DataOrderSeed { get; }
    public ulong AugmentationState { get; }

    public void Dispose()
    {
        foreach (var t in Parameters.Concat(Buffers).Concat(Momentum)) t.Dispose();
    }
}
