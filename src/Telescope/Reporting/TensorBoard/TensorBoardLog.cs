namespace Telescope.Reporting.TensorBoard;

/// <summary>
/// A TensorBoard log folder with one event file per run: the folder itself for run-level entries (<c>run: null</c>:
/// settings, figures) and one sub-folder per named sub-run (its scalars), so that TensorBoard overlays the sub-runs
/// of one metric in one chart. Sub-run names are made safe as folder names (characters other than letters, digits
/// and <c>._=+-</c> become <c>_</c>; a clash gets <c>~2</c>, <c>~3</c>, …). At most <see cref="MaxOpenFiles"/>
/// files are kept open; the least recently written is closed and reopened when written again. Thread-safe.
/// See docs/tensorboard.md.
/// </summary>
public sealed class TensorBoardLog : IDisposable
{
    private readonly Dictionary<string, EventFileWriter> _runs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _folders = new(StringComparer.Ordinal);
    private readonly HashSet<string> _usedFolders = new(StringComparer.OrdinalIgnoreCase);
    private readonly LinkedList<EventFileWriter> _open = new();
    private readonly Lock _lock = new();
    private EventFileWriter? _root;
    private bool _disposed;

    /// <summary>Creates the log in <paramref name="directory"/> (created when first written).</summary>
    public TensorBoardLog(string directory, int maxOpenFiles = 32)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxOpenFiles, 1);
        Directory = Path.GetFullPath(directory);
        MaxOpenFiles = maxOpenFiles;
    }

    /// <summary>The log folder (pass it, or a parent of it, to <c>tensorboard --logdir</c>).</summary>
    public string Directory { get; }

    /// <summary>How many event files may be open at once.</summary>
    public int MaxOpenFiles { get; }

    /// <summary>The folder (relative to <see cref="Directory"/>) that holds <paramref name="run"/>'s events; "" for run-level entries.</summary>
    public string RunFolder(string? run)
    {
        if (run is null) return "";
        lock (_lock) return FolderOf(run);
    }

    /// <summary>Scalars of one sub-run at one step; null values are left out (a metric not measured at that step).</summary>
    public void AddScalars(string? run, long step, IReadOnlyList<string> tags, IReadOnlyList<double?> values, double? wallTime = null)
    {
        if (tags.Count != values.Count) throw new ArgumentException($"Got {values.Count} values for {tags.Count} tags.", nameof(values));
        var present = new List<(string, double)>(tags.Count);
        for (int i = 0; i < tags.Count; i++)
            if (values[i] is { } v) present.Add((tags[i], v));
        if (present.Count == 0) return;
        lock (_lock) Writer(run).WriteScalars(step, present, wallTime);
    }

    /// <summary>A PNG image (e.g. a final figure).</summary>
    public void AddImage(string? run, string tag, long step, byte[] png, double? wallTime = null)
    {
        lock (_lock) Writer(run).WriteImage(tag, step, png, wallTime);
    }

    /// <summary>Markdown text (e.g. the resolved settings as a table).</summary>
    public void AddText(string? run, string tag, long step, string markdown, double? wallTime = null)
    {
        lock (_lock) Writer(run).WriteText(tag, step, markdown, wallTime);
    }

    /// <summary>Hyperparameters of the whole log for the hparams dashboard (written at run level).</summary>
    public void AddHParams(IReadOnlyList<(string Name, object Value)> hparams, double? wallTime = null)
    {
        lock (_lock) Writer(null).WriteHParams(hparams, wallTime);
    }

    private EventFileWriter Writer(string? run)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        EventFileWriter writer;
        if (run is null) writer = _root ??= new EventFileWriter(Directory);
        else if (!_runs.TryGetValue(run, out writer!))
            _runs[run] = writer = new EventFileWriter(Path.Combine(Directory, FolderOf(run)));
        // Most recently written first; close the least recently written beyond the limit.
        _open.Remove(writer);
        _open.AddFirst(writer);
        while (_open.Count > MaxOpenFiles)
        {
            _open.Last!.Value.Suspend();
            _open.RemoveLast();
        }
        return writer;
    }

    private string FolderOf(string run)
    {
        if (_folders.TryGetValue(run, out var folder)) return folder;
        var chars = run.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '=' or '+' or '-' ? c : '_').ToArray();
        string safe = new(chars);
        if (safe.Length == 0 || safe.Trim('.').Length == 0) safe = "_" + safe;   // never "", "." or ".."
        string candidate = safe;
        for (int i = 2; !_usedFolders.Add(candidate); i++) candidate = $"{safe}~{i}";
        _folders[run] = candidate;
        return candidate;
    }

    /// <summary>Closes every event file.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            _root?.Dispose();
            foreach (var w in _runs.Values) w.Dispose();
            _open.Clear();
        }
    }
}
