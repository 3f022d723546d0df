namespace Telescope.Runs;

/// <summary>A progress reporter that shows nothing (for tests and library use).</summary>
public sealed class SilentProgressReporter : IProgressReporter
{
    public static SilentProgressReporter Instance { get; } = new();

    public IProgressTask Start(string description, double total) => new Task();

    public void Message(string text) { }

    private sealed class Task : IProgressTask
    {
        public void Advance(double amount = 1) { }
        public void SetStatus(string status) { }
        public void Finish() { }
        public void Dispose() { }
    }
}
