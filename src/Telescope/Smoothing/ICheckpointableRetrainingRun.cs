using Telescope.Checkpointing;

namespace Telescope.Smoothing;

/// <summary>
/// A <see cref="IRetrainingRun"/> whose state between steps (parameters, buffers, optimizer state) can be saved and
/// restored, so that <see cref="RetrainingSensitivity.SaveState"/> can checkpoint its members and a resumed process
/// continues them bit for bit.
/// </summary>
public interface ICheckpointableRetrainingRun : IRetrainingRun, ICheckpointable
{
}
