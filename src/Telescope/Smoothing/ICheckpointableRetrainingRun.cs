using Telescope.Checkpointing;

namespace Telescope.Smoothing;

/// <summary>
/// A <see cref="IRetrainingRun"/> whose state can go into a run's checkpoint, so that a resumed run continues its
/// members bit for bit (<see cref="RetrainingSensitivity.SaveState"/>).
/// </summary>
public interface ICheckpointableRetrainingRun : IRetrainingRun
{
    /// <summary>Adds the run's parameters, buffers and optimizer state under <paramref name="prefix"/>.</summary>
    void SaveState(CheckpointState state, string prefix);

    /// <summary>Restores what <see cref="SaveState"/> wrote (the run must have been built the same way).</summary>
    void LoadState(CheckpointState state, string prefix);
}
