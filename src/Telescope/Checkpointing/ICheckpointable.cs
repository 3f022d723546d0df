namespace Telescope.Checkpointing;

/// <summary>
/// A piece of a run whose state between steps (parameters, optimizer moments, tracked outputs, accumulators) can be
/// stored into a <see cref="CheckpointState"/> under a key prefix and restored into a piece built the same way, so a
/// resumed process continues it bit for bit. The prefix scopes the keys: a sweep stores the sub-run in flight under
/// its own prefix and each of its pieces under a sub-prefix (e.g. <c>current/optimizer/</c>).
/// </summary>
public interface ICheckpointable
{
    /// <summary>Adds the state under <paramref name="prefix"/> (call between steps).</summary>
    void SaveState(CheckpointState state, string prefix);

    /// <summary>Restores what <see cref="SaveState"/> stored into an object built the same way.</summary>
    /// <exception cref="CheckpointMismatchException">The checkpoint holds the state of another kind or shape of object.</exception>
    void LoadState(CheckpointState state, string prefix);
}
