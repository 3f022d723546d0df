namespace Telescope.Runs;

/// <summary>
/// Streams per-step metrics to a CSV file: header <c>run,step,&lt;metric…&gt;</c>, one row per call,
/// flushed after every row so a running experiment can be watched. Numbers are culture-invariant and
/// round-trip exact (<c>"R"</c>); a missing value (null) is an empty cell; NaN and ±∞ are written as
/// <c>NaN</c>, <c>Infinity</c>, <c>-Infinity</c> (pandas and Python's float() read them).
/// Obtain one from <see cref="RunFolder.OpenMetrics"/>. Not thread-safe: write from one thread.
/// </summary>
public sealed class MetricsCsvWriter : IDisposable
{
    private readonly StreamWriter _writer;
    private readonly Dictionary<string, int> _index;
    private readonly StringBuilder _line = new();

    internal MetricsCsvWriter(string path, IReadOnlyList<string> metricColumns, bool append = false)
    {
        if (metricColumns.Count == 0)
            throw new ArgumentException("Give at least one metric column.", nameof(metricColumns));
        var columns = new List<string> { "run", "step" };
        foreach (string c in metricColumns)
        {
            if (string.IsNullOrWhiteSpace(c)) throw new ArgumentException("Metric column names cannot be empty.", nameof(metricColumns));
            if (columns.Contains(c)) throw new ArgumentException($"Metric column '{c}' appears twice or clashes with run/step.", nameof(metricColumns));
            columns.Add(c);
        }
        MetricColumns = metricColumns.ToArray();
        _index = MetricColumns.Select((c, i) => (c, i)).ToDictionary(t => t.c, t => t.i, StringComparer.Ordinal);
        Path = path;
        string header = string.Join(",", columns.Select(Escape)) + "\n";
        if (append)
        {
            // Resuming: the file holds the header and the rows of the checkpoint; new rows follow them.
            string existing = File.ReadAllText(path, Utf8);
            if (!existing.StartsWith(header, StringComparison.Ordinal))
                throw new TelescopeException($"'{path}' does not start with the header this run writes ({header.TrimEnd()}).")
                { Hint = "The partial folder belongs to another recipe or version; start the run again." };
        }
        // FileShare.ReadWrite: a user (or a test) may read the growing file while the run goes on.
        var stream = new FileStream(path, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        _writer = new StreamWriter(stream, Utf8);
        if (!append) _writer.Write(header);
        _writer.Flush();
        BytesWritten = stream.Length;
    }

    private static readonly UTF8Encoding Utf8 = new(false);

    /// <summary>Bytes of the file written and flushed so far (header included).</summary>
    public long BytesWritten { get; private set; }

    /// <summary>The file's content so far, as flushed (for a checkpoint).</summary>
    internal byte[] ReadWritten()
    {
        if (!_closed) _writer.Flush();
        using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var content = new byte[BytesWritten];
        stream.ReadExactly(content);
        return content;
    }

    /// <summary>Full path of the CSV file (inside the run's temporary folder while the run is going).</summary>
    public string Path { get; }

    public IReadOnlyList<string> MetricColumns { get; }

    /// <summary>Writes one row; <paramref name="values"/> follow <see cref="MetricColumns"/>, null = missing.</summary>
    public void WriteRow(string run, long step, params double?[] values)
    {
        if (values.Length != MetricColumns.Count)
            throw new ArgumentException(
                $"Got {values.Length} values for {MetricColumns.Count} metric columns ({string.Join(", ", MetricColumns)}).",
                nameof(values));
        ObjectDisposedException.ThrowIf(_closed, this);
        _line.Clear();
        _line.Append(Escape(run)).Append(',').Append(step.ToString(CultureInfo.InvariantCulture));
        foreach (double? value in values) _line.Append(',').Append(FormatValue(value));
        _line.Append('\n');
        _writer.Write(_line);
        _writer.Flush();
        BytesWritten += Utf8.GetByteCount(_line.ToString());
        RowWritten?.Invoke(run, step, values);
    }

    /// <summary>Writes one row from named values; columns not named are left empty.</summary>
    public void WriteRow(string run, long step, IReadOnlyDictionary<string, double> values)
    {
        var row = new double?[MetricColumns.Count];
        foreach (var (name, value) in values)
        {
            if (!_index.TryGetValue(name, out int i))
                throw new ArgumentException(
                    $"Metric '{name}' is not a column of {System.IO.Path.GetFileName(Path)} (columns: {string.Join(", ", MetricColumns)}).",
                    nameof(values));
            row[i] = value;
        }
        WriteRow(run, step, row);
    }

    /// <summary>Called after each row is written (the run folder mirrors rows into TensorBoard event files).</summary>
    internal Action<string, long, double?[]>? RowWritten { get; set; }

    /// <summary>Formats a value as written to the file (exposed for tests and other writers).</summary>
    public static string FormatValue(double? value) => value switch
    {
        null => "",
        double d when double.IsNaN(d) => "NaN",
        double.PositiveInfinity => "Infinity",
        double.NegativeInfinity => "-Infinity",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
    };

    private static string Escape(string text) =>
        text.AsSpan().IndexOfAny(",\"\n\r") < 0 ? text : "\"" + text.Replace("\"", "\"\"") + "\"";

    private bool _closed;

    public void Dispose()
    {
        if (_closed) return;
        _closed = true;
        _writer.Dispose();
    }
}
