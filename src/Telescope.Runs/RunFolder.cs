using System.Text.RegularExpressions;
using System.Text.Encodings.Web;

namespace Telescope.Runs;

/// <summary>
/// The output folder of one run, written atomically: every file goes into a temporary sibling folder
/// <c>&lt;out&gt;.partial-&lt;random&gt;</c>, which <see cref="Commit"/> renames to <c>&lt;out&gt;</c> once the
/// recipe has returned. Disposing an uncommitted folder deletes the temporary folder, so a failed or
/// cancelled run leaves nothing behind — except a run interrupted (Ctrl+C, SIGTERM) after it wrote a
/// checkpoint: the runner then calls <see cref="KeepPartial"/> so that <c>telescope resume</c> can continue it.
/// While a run goes on, its metrics files grow row by row in <see cref="WorkingPath"/>. Recipes receive it as
/// <see cref="RunContext.Folder"/>; the runner creates (or reopens), commits and disposes it.
/// </summary>
public sealed partial class RunFolder : IDisposable
{
    /// <summary>File name of the per-step metrics written by <see cref="OpenMetrics"/> by default.</summary>
    public const string MetricsFileName = "metrics.csv";
    /// <summary>File name of <see cref="WriteSummary"/>'s output.</summary>
    public const string SummaryFileName = "summary.json";
    /// <summary>File name of <see cref="WriteReport"/>'s output.</summary>
    public const string ReportFileName = "report.md";

    private readonly bool _force;
    private readonly List<IDisposable> _openWriters = [];
    // Every metrics file opened in this process (closed ones too), for checkpoint snapshots.
    private readonly Dictionary<string, MetricsCsvWriter> _metrics = new(StringComparer.Ordinal);
    // Metrics files restored from a checkpoint: OpenMetrics appends to them instead of starting afresh.
    private readonly HashSet<string> _restored = new(StringComparer.Ordinal);
    private bool _disposed;
    private bool _keep;

    private RunFolder(string finalPath, string workingPath, bool force)
    {
        FinalPath = finalPath;
        WorkingPath = workingPath;
        _force = force;
    }

    /// <summary>Where the folder will be once committed.</summary>
    public string FinalPath { get; }

    /// <summary>The temporary folder files are written to until <see cref="Commit"/>.</summary>
    public string WorkingPath { get; }

    public bool IsCommitted { get; private set; }

    /// <summary>The default output folder <c>&lt;root&gt;/&lt;recipe&gt;-yyyyMMdd-HHmmss</c>.</summary>
    public static string DefaultPath(string recipe, DateTime localTime, string root = "runs") =>
        Path.Combine(root, $"{recipe}-{localTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}");

    /// <summary>
    /// Checks <paramref name="outPath"/> and creates the temporary folder next to it.
    /// An existing non-empty <paramref name="outPath"/> is an error unless <paramref name="force"/>
    /// (then it is replaced, but only when the run succeeds).
    /// </summary>
    /// <exception cref="TelescopeException">The output path is a file, or a non-empty folder without force.</exception>
    public static RunFolder Create(string outPath, bool force)
    {
        if (string.IsNullOrWhiteSpace(outPath)) throw new TelescopeException("The output folder path is empty.") { Hint = "Pass --out DIR." };
        string full = Path.GetFullPath(outPath).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        CheckTarget(full, force);
        string parent = Path.GetDirectoryName(full) ?? throw new TelescopeException($"Cannot use '{outPath}' as output folder (no parent folder).");
        try
        {
            string working = Path.Combine(parent, $"{Path.GetFileName(full)}.partial-{Guid.NewGuid().ToString("N")[..8]}");
            Directory.CreateDirectory(working);
            return new RunFolder(full, working, force);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TelescopeException($"Cannot create the output folder next to '{full}': {e.Message}", e)
            { Hint = "Choose another --out folder you can write to." };
        }
    }

    /// <summary>
    /// Reopens the temporary folder <paramref name="workingPath"/> (<c>&lt;out&gt;.partial-&lt;id&gt;</c>) of an
    /// interrupted run, to be committed to <c>&lt;out&gt;</c>. Nothing in it is changed until the recipe writes.
    /// </summary>
    /// <exception cref="TelescopeException">Not an existing partial folder, or its target exists (without force).</exception>
    public static RunFolder OpenPartial(string workingPath, bool force)
    {
        string full = Path.GetFullPath(workingPath).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        var match = PartialName().Match(Path.GetFileName(full));
        if (!Directory.Exists(full) || !match.Success)
            throw new TelescopeException($"'{full}' is not the partial folder of an interrupted run (a folder named <out>.partial-<8 hex digits>).")
            { Hint = "Pass the folder printed when the run started or was interrupted, e.g. runs/approximation-20260101-120000.partial-1a2b3c4d." };
        string finalPath = Path.Combine(Path.GetDirectoryName(full)!, match.Groups[1].Value);
        CheckTarget(finalPath, force);
        return new RunFolder(finalPath, full, force);
    }

    [GeneratedRegex(@"^(.+)\.partial-[0-9a-f]{8}$")]
    private static partial Regex PartialName();

    /// <summary>Keeps the temporary folder on dispose (an interrupted run with a checkpoint).</summary>
    public void KeepPartial() => _keep = true;

    /// <summary>Adds the content written so far of every metrics file to <paramref name="state"/> (keys <c>files/&lt;name&gt;</c>).</summary>
    internal void SnapshotMetrics(CheckpointState state)
    {
        foreach (var (name, writer) in _metrics) state.Set("files/" + name, writer.ReadWritten());
    }

    /// <summary>
    /// Rewrites every metrics file stored in <paramref name="state"/> with its checkpointed content (dropping
    /// rows a killed process wrote after its last checkpoint); a later <see cref="OpenMetrics"/> appends to it.
    /// </summary>
    internal void RestoreMetrics(CheckpointState state)
    {
        foreach (string key in state.Keys.Where(k => k.StartsWith("files/", StringComparison.Ordinal)))
        {
            string name = key["files/".Length..];
            File.WriteAllBytes(GetPath(name), state.GetBytes(key));
            _restored.Add(name);
        }
    }

    private static void CheckTarget(string full, bool force)
    {
        if (File.Exists(full))
            throw new TelescopeException($"The output path '{full}' is an existing file.") { Hint = "Choose another --out folder." };
        if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any() && !force)
            throw new TelescopeException($"The output folder '{full}' already exists and is not empty.")
            { Hint = "Choose another --out folder, or add --force to replace it once the new run succeeds." };
    }

    /// <summary>
    /// Full path of <paramref name="relativePath"/> inside the (temporary) folder, creating its parent
    /// folders. Use it for files the other helpers do not cover.
    /// </summary>
    public string GetPath(string relativePath)
    {
        ThrowIfClosed();
        if (string.IsNullOrWhiteSpace(relativePath) || Path.IsPathRooted(relativePath))
            throw new ArgumentException($"'{relativePath}' must be a relative path inside the run folder.", nameof(relativePath));
        string full = Path.GetFullPath(Path.Combine(WorkingPath, relativePath));
        if (!full.StartsWith(WorkingPath + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new ArgumentException($"'{relativePath}' points outside the run folder.", nameof(relativePath));
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        return full;
    }

    /// <summary>
    /// Opens a streaming CSV with columns <c>run</c>, <c>step</c>, then <paramref name="metricColumns"/>, flushed
    /// row by row. In a resumed run it continues the file restored from the checkpoint. The folder closes it on
    /// commit/dispose; disposing it earlier is fine.
    /// </summary>
    public MetricsCsvWriter OpenMetrics(IReadOnlyList<string> metricColumns, string fileName = MetricsFileName)
    {
        bool append = _restored.Remove(fileName);
        var writer = new MetricsCsvWriter(GetPath(fileName), metricColumns, append);
        MirrorToTensorBoard(writer, fileName, append);
        _openWriters.Add(writer);
        _metrics[fileName] = writer;
        return writer;
    }

    /// <summary>
    /// Writes <paramref name="summary"/> (anonymous object, dictionary, record, …) as indented JSON.
    /// Property and dictionary keys are written exactly as given (no camel-casing); NaN/±∞ are written
    /// as the strings "NaN", "Infinity", "-Infinity".
    /// </summary>
    public void WriteSummary(object summary, string fileName = SummaryFileName) =>
        WriteText(fileName, JsonSerializer.Serialize(summary, SummaryJsonOptions) + "\n");

    /// <summary>
    /// Writes the run's markdown report (report.md) and its interactive, self-contained twin (report.html), whose
    /// figures are drawn from the models given to <see cref="SaveFigure"/> (docs/report-html.md).
    /// </summary>
    public void WriteReport(string markdown)
    {
        WriteText(ReportFileName, markdown);
        WriteText(HtmlReportFileName, Reporting.Html.HtmlReport.Render(markdown, _htmlFigures));
        _finalReportWritten = true;
    }

    /// <summary>Writes the run's resolved configuration (config.json).</summary>
    public void WriteConfig(RunConfig config) => WriteText(RunConfig.FileName, config.ToJson());

    /// <summary>Writes a UTF-8 text file (no byte-order mark).</summary>
    public void WriteText(string relativePath, string content) =>
        File.WriteAllText(GetPath(relativePath), content, new UTF8Encoding(false));

    /// <summary>Saves <paramref name="figure"/> as <c>&lt;baseName&gt;.png</c> and <c>&lt;baseName&gt;.svg</c>.</summary>
    /// <returns>The file names relative to the run folder (for report links) and any notes about dropped points.</returns>
    public FigureFiles SaveFigure(IFigure figure, string baseName)
    {
        string png = GetPath(baseName + ".png"), svg = Path.ChangeExtension(png, ".svg");
        figure.Save(png, svg);
        AddFigureToTensorBoard(baseName, png);
        string Relative(string path) => Path.GetRelativePath(WorkingPath, path).Replace('\\', '/');
        var files = new FigureFiles(Relative(png), Relative(svg), figure.Notes);
        _htmlFigures[files.Png] = figure;
        return files;
    }

    /// <summary>Closes open writers and renames the temporary folder to <see cref="FinalPath"/>.</summary>
    /// <exception cref="TelescopeException">The target appeared meanwhile, or the rename failed.</exception>
    public void Commit()
    {
        ThrowIfClosed();
        CloseWriters();
        DropProgressPage();
        CheckTarget(FinalPath, _force);
        string? replaced = null;
        try
        {
            if (Directory.Exists(FinalPath))
            {
                // Move the old folder aside first so that at no moment is the final path half-written.
                replaced = $"{FinalPath}.replaced-{Guid.NewGuid().ToString("N")[..8]}";
                Directory.Move(FinalPath, replaced);
            }
            Directory.Move(WorkingPath, FinalPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (replaced is not null && !Directory.Exists(FinalPath)) Directory.Move(replaced, FinalPath);
            throw new TelescopeException($"Could not move the finished run to '{FinalPath}': {e.Message}", e);
        }
        IsCommitted = true;
        if (replaced is not null) Directory.Delete(replaced, recursive: true);
    }

    /// <summary>Deletes the temporary folder unless the run was committed or <see cref="KeepPartial"/> was called.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        CloseWriters();
        if (!IsCommitted && !_keep && Directory.Exists(WorkingPath))
        {
            try { Directory.Delete(WorkingPath, recursive: true); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Best effort: the original failure matters more than a leftover temp folder, whose
                // ".partial-" name already marks it as incomplete.
            }
        }
    }

    private void CloseWriters()
    {
        foreach (var w in _openWriters) w.Dispose();
        _openWriters.Clear();
        CloseTensorBoard();
    }

    private void ThrowIfClosed()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (IsCommitted) throw new InvalidOperationException("The run folder is already committed.");
    }

    /// <summary>Options used by <see cref="WriteSummary"/>: the results' options (fields, named floats), indented, readable Unicode.</summary>
    public static JsonSerializerOptions SummaryJsonOptions { get; } = new(SubRunResults.Options)
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
