namespace Telescope.Runs;

/// <summary>
/// Progress as plain text lines for logs and CI: one line when a task starts, then a line whenever it
/// has advanced another 5 % or 10 s have passed since the last line, and one when it finishes.
/// Thread-safe.
/// </summary>
public sealed class PlainProgressReporter : IProgressReporter
{
    private readonly TextWriter _writer;
    private readonly Func<TimeSpan> _clock;
    private readonly object _lock = new();

    /// <summary>Writes to <paramref name="writer"/>, reading elapsed time from <paramref name="clock"/> (tests) or a stopwatch.</summary>
    public PlainProgressReporter(TextWriter writer, Func<TimeSpan>? clock = null)
    {
        _writer = writer;
        var sw = Stopwatch.StartNew();
        _clock = clock ?? (() => sw.Elapsed);
    }

    /// <summary>Fraction of the total between two progress lines.</summary>
    public const double FractionPerLine = 0.05;

    /// <summary>Longest silence between two progress lines while a task advances.</summary>
    public static readonly TimeSpan MaxSilence = TimeSpan.FromSeconds(10);

    public IProgressTask Start(string description, double total)
    {
        if (!(total > 0) || !double.IsFinite(total))
            throw new ArgumentOutOfRangeException(nameof(total), total, "A progress total must be a positive finite number.");
        var task = new PlainTask(this, description, total, _clock());
        Write($"{description}: started ({Inv(total)} units)");
        return task;
    }

    public void Message(string text) => Write(text);

    private void Write(string line)
    {
        lock (_lock)
        {
            _writer.WriteLine(line);
            _writer.Flush();
        }
    }

    private static string Inv(double x) => x.ToString("0.##", CultureInfo.InvariantCulture);

    private sealed class PlainTask(PlainProgressReporter owner, string description, double total, TimeSpan startedAt) : IProgressTask
    {
        private readonly TimeSpan started = startedAt;
        private double _done;
        private int _lastReportedBucket; // index of the last 5 % step reported
        private TimeSpan _lastReportTime = startedAt;
        private string _status = "";
        private bool _finished;

        private string Status => _status.Length == 0 ? "" : $", {_status}";

        public void Advance(double amount = 1)
        {
            lock (owner._lock)
            {
                if (_finished) return;
                _done = Math.Min(total, _done + amount);
                double fraction = _done / total;
                var now = owner._clock();
                // Whole 5 % buckets, with a little slack so accumulated rounding (0.1 + 0.2 …) cannot skip one.
                int bucket = (int)Math.Floor(fraction / FractionPerLine + 1e-9);
                if (bucket > _lastReportedBucket || now - _lastReportTime >= MaxSilence)
                {
                    _lastReportedBucket = bucket;
                    _lastReportTime = now;
                    owner.Write(string.Create(CultureInfo.InvariantCulture,
                        $"{description}: {fraction * 100:0}% ({Inv(_done)}/{Inv(total)}), {(now - started).TotalSeconds:0.0} s{Status}"));
                }
            }
        }

        public void SetStatus(string status)
        {
            lock (owner._lock) _status = status;
        }

        public void Finish()
        {
            lock (owner._lock)
            {
                if (_finished) return;
                _finished = true;
                double seconds = (owner._clock() - started).TotalSeconds;
                // A task finished early (an exception, Ctrl+C, early stopping) says so instead of "done".
                owner.Write(_done >= total
                    ? string.Create(CultureInfo.InvariantCulture, $"{description}: done in {seconds:0.0} s{Status}")
                    : string.Create(CultureInfo.InvariantCulture,
                        $"{description}: stopped at {_done / total * 100:0}% ({Inv(_done)}/{Inv(total)}) after {seconds:0.0} s{Status}"));
            }
        }

        public void Dispose() => Finish();
    }
}
