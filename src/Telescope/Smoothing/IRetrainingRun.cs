using static TorchSharp.torch;

namespace Telescope.Smoothing;

/// <summary>
/// One deterministic training run driven by <see cref="RetrainingSensitivity"/>: it starts from the caller's fixed
/// θ_0, trains on the labels it was created with, and reports its predictions on the tracked sets. Nothing else
/// leaves a run, so members can also run as separate processes (<see cref="RetrainingSensitivity.RunMember"/>) and
/// be combined afterwards (<see cref="RetrainingSensitivity.Combine"/>).
/// </summary>
/// <remarks>
/// Determinism is the implementer's contract: the same θ_0, the same batch order and augmentation at every step,
/// the same arithmetic (a fixed number of threads), so that two runs differ only through their labels. Members run as
/// separate processes must therefore use the same thread count (recipes: <c>--set threads=N</c>), device and dtype.
/// </remarks>
public interface IRetrainingRun : IDisposable
{
    /// <summary>Takes training step t (counting from 1, called in order).</summary>
    void Step(int step);

    /// <summary>f(x) on a tracked set at the current parameters, [N, k] (detached; the caller disposes it).</summary>
    Tensor Predict(string set);
}

/// <summary>Creates a run that trains from θ_0 on <paramref name="labels"/> [n, k] (Y + s·σ·V_d, or Y itself).</summary>
public delegate IRetrainingRun RetrainingRunFactory(Tensor labels);
