namespace Telescope.Runs;

/// <summary>
/// Shows the progress of long work. A recipe starts one task per phase or sub-run, advances it as work
/// completes and disposes it (or calls <see cref="IProgressTask.Finish"/>) at the end.
/// Implementations: a live Spectre.Console display in the CLI, <see cref="PlainProgressReporter"/> for
/// logs/CI and <see cref="SilentProgressReporter"/> for tests.
/// </summary>
public interface IProgressReporter
{
    /// <summary>Starts a task of <paramref name="total"/> units (steps, sub-runs, …).</summary>
    IProgressTask Start(string description, double total);

    /// <summary>Writes a one-line message (e.g. "loaded 60000 images") without disturbing the display.</summary>
    void Message(string text);
}

/// <summary>One task started by <see cref="IProgressReporter.Start"/>. Disposing it finishes it.</summary>
public interface IProgressTask : IDisposable
{
    /// <summary>Marks <paramref name="amount"/> more units as done.</summary>
    void Advance(double amount = 1);

    /// <summary>Sets a short status text shown next to the task (e.g. "loss 0.132").</summary>
    void SetStatus(string status);

    /// <summary>Marks the task complete (idempotent).</summary>
    void Finish();
}
