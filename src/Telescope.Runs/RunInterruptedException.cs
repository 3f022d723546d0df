namespace Telescope.Runs;

/// <summary>
/// A run was stopped (Ctrl+C, SIGTERM) after it had written a checkpoint: its partial folder
/// <see cref="PartialFolder"/> is kept, and <c>telescope resume &lt;folder&gt;</c> continues it.
/// </summary>
public sealed class RunInterruptedException(string partialFolder, Exception inner)
    : OperationCanceledException($"Interrupted; the partial run folder '{partialFolder}' and its checkpoint were kept.", inner)
{
    /// <summary>The kept temporary folder, with its checkpoint.</summary>
    public string PartialFolder { get; } = partialFolder;
}
