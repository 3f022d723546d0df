using Telescope.Checkpointing;

namespace Telescope.Connectivity;

/// <summary>
/// Everything a <see cref="ClassifierRun"/> needs to continue exactly from step <see cref="Step"/>, held in memory in
/// the same form a checkpoint stores it (<see cref="ClassifierRun.SaveState"/>: the module's parameters and buffers,
/// the optimizer's state with its step count, the data-order seed and the augmentation generator's state), so a
/// spawn and a resume restore a run through one mechanism. Restoring it reproduces the run's continuation bit for
/// bit on the same thread count. The tensors are copies (CPU bytes): later training does not change a snapshot.
/// </summary>
public sealed class TrainingSnapshot
{
    internal TrainingSnapshot(int step, CheckpointState state)
    {
        Step = step;
        State = state;
    }

    /// <summary>t′: the optimizer steps taken.</summary>
    public int Step { get; }

    /// <summary>The run's state as <see cref="ClassifierRun.SaveState"/> wrote it (no key prefix).</summary>
    internal CheckpointState State { get; }
}
