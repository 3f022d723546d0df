using System.Globalization;

namespace Telescope.Reporting.TensorBoard;

/// <summary>
/// Writes one TensorBoard event file (<c>events.out.tfevents.&lt;seconds&gt;.&lt;host&gt;.&lt;pid&gt;.&lt;n&gt;</c>) in a
/// folder: a file-version event first, then scalars, images, text and hyperparameters as TFRecord-framed
/// <c>Event</c> protocol buffers. Every event is flushed when written, so <c>tensorboard --logdir</c> shows a running
/// job. The file can be closed to free its handle (<see cref="Suspend"/>) and is reopened for appending on the next
/// write. Not thread-safe. Format: docs/tensorboard.md §"Event files".
/// </summary>
public sealed class EventFileWriter : IDisposable
{
    private static int _counter;
    private FileStream? _stream;
    private bool _disposed;

    /// <summary>Creates <paramref name="directory"/> if needed and starts a new event file in it.</summary>
    /// <param name="directory">The TensorBoard "run" folder.</param>
    /// <param name="wallTime">Seconds since the Unix epoch for the file-version event; null = now.</param>
    public EventFileWriter(string directory, double? wallTime = null)
    {
        Directory.CreateDirectory(directory);
        double now = wallTime ?? Now();
        string name = string.Create(CultureInfo.InvariantCulture,
            $"events.out.tfevents.{(long)now:D10}.{SafeHost()}.{Environment.ProcessId}.{Interlocked.Increment(ref _counter)}");
        FilePath = Path.Combine(directory, name);
        _stream = Open(FileMode.CreateNew);
        Write(SummaryEncoder.FileVersion(now));
    }

    /// <summary>Full path of the event file.</summary>
    public string FilePath { get; }

    /// <summary>Whether the file is open (not <see cref="Suspend"/>ed).</summary>
    public bool IsOpen => _stream is not null;

    /// <summary>Seconds since the Unix epoch, the unit of <c>Event.wall_time</c>.</summary>
    public static double Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    /// <summary>One event with a scalar per (tag, value) at <paramref name="step"/> (stored as float32, as TensorBoard's scalars are).</summary>
    public void WriteScalars(long step, IReadOnlyList<(string Tag, double Value)> values, double? wallTime = null)
    {
        if (values.Count > 0) Write(SummaryEncoder.Scalars(wallTime ?? Now(), step, values));
    }

    /// <summary>A PNG image under <paramref name="tag"/>.</summary>
    public void WriteImage(string tag, long step, byte[] png, double? wallTime = null) =>
        Write(SummaryEncoder.Image(wallTime ?? Now(), step, tag, png));

    /// <summary>Markdown text for TensorBoard's text dashboard.</summary>
    public void WriteText(string tag, long step, string markdown, double? wallTime = null) =>
        Write(SummaryEncoder.Text(wallTime ?? Now(), step, tag, markdown));

    /// <summary>Hyperparameters for TensorBoard's hparams dashboard (bool, int, long, double; anything else as text).</summary>
    public void WriteHParams(IReadOnlyList<(string Name, object Value)> hparams, double? wallTime = null) =>
        Write(SummaryEncoder.HParams(wallTime ?? Now(), hparams));

    /// <summary>Closes the file handle; the next write reopens the file and appends.</summary>
    public void Suspend()
    {
        _stream?.Dispose();
        _stream = null;
    }

    private void Write(byte[] eventBytes)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _stream ??= Open(FileMode.Append);
        TfRecord.Write(_stream, eventBytes);
        _stream.Flush();
    }

    // FileShare.ReadWrite: TensorBoard (or a test) reads the growing file while the run goes on.
    private FileStream Open(FileMode mode) =>
        new(FilePath, mode, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);

    private static string SafeHost()
    {
        string host = Environment.MachineName;
        var chars = host.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray();
        return chars.Length == 0 ? "host" : new string(chars);
    }

    /// <summary>Flushes and closes the file.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        Suspend();
        _disposed = true;
    }
}
