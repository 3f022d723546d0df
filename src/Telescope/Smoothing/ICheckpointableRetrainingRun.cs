using Telescope.Checkpointing;

namespace Telescope.Smoothing;

/// <summary>
/// A <see cref="IRetrainingRun"/> whose state between steps (parameters, buffers, optimizer state) can be saved and
/// restored, so that <see cref="RetrainingSensitivity.SaveState"/> can checkpoint its members and a resumed process
/// continues them bit for bit.
/// </summary>
public interface ICheckpointableRetrainingRun : IRetrainingRun
{
    /// <summary>Adds the run's state under <paramref name="prefix"/> (call between steps).</summary>
    void SaveState(CheckpointState state, string prefix);

    /// <summary>Restores what <see cref="SaveState"/> stored into a run built the same way.</summary>
    /// <exception cref="CheckpointMismatchException">The checkpoint holds another model or optimizer.</exception>
    void LoadState(CheckpointState state, string prefix);
}
