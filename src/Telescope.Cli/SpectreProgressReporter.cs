using Spectre.Console;
using Telescope.Runs;

namespace Telescope.Cli;

/// <summary>Live progress bars for interactive terminals, drawn by Spectre.Console inside a running <see cref="ProgressContext"/>.</summary>
internal sealed class SpectreProgressReporter(ProgressContext context, IAnsiConsole console) : IProgressReporter
{
    private readonly object _lock = new();

    public IProgressTask Start(string description, double total)
    {
        if (!(total > 0) || !double.IsFinite(total))
            throw new ArgumentOutOfRangeException(nameof(total), total, "A progress total must be a positive finite number.");
        lock (_lock) return new SpectreTask(this, context.AddTask(Markup.Escape(description), maxValue: total), description);
    }

    public void Message(string text)
    {
        lock (_lock) console.MarkupLine(Markup.Escape(text));
    }

    private sealed class SpectreTask(SpectreProgressReporter owner, ProgressTask task, string description) : IProgressTask
    {
        public void Advance(double amount = 1)
        {
            lock (owner._lock) task.Increment(amount);
        }

        public void SetStatus(string status)
        {
            lock (owner._lock)
                task.Description = Markup.Escape(status.Length == 0 ? description : $"{description} [{status}]");
        }

        public void Finish()
        {
            lock (owner._lock)
            {
                task.StopTask(); // keeps the value, so a run stopped early does not show 100 %
            }
        }

        public void Dispose() => Finish();
    }
}
