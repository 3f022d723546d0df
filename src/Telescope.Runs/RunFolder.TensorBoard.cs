using Telescope.Reporting.TensorBoard;

namespace Telescope.Runs;

// The TensorBoard mirror of a run folder (docs/tensorboard.md): tensorboard/<sub-run>/ holds every metrics-file row as
// scalars, written as the row is written; tensorboard/ itself holds the settings (text and hparams) and the figures.
public sealed partial class RunFolder
{
    /// <summary>Folder of the TensorBoard event files inside the run folder.</summary>
    public const string TensorBoardFolderName = "tensorboard";

    private TensorBoardLog? _tensorBoard;
    private RecipeSettings? _tensorBoardSettings;
    // Metrics files whose rows are in the log, and the figures added to it: what a restart writes again.
    private readonly HashSet<string> _mirroredFiles = new(StringComparer.Ordinal);
    private readonly List<(string Tag, string Png)> _mirroredFigures = [];

    /// <summary>
    /// Starts the TensorBoard log: writes the resolved settings (a markdown table for the text dashboard and the
    /// hparams dashboard's session start), then mirrors every metrics row written from now on. In a resumed run it
    /// first rewrites the events from the metrics files restored from the checkpoint, so steps a killed process wrote
    /// after its last checkpoint are not duplicated. The runner calls it when <c>tensorboard=true</c>.
    /// </summary>
    public void StartTensorBoard(RecipeSettings settings)
    {
        ThrowIfClosed();
        if (_tensorBoard is not null) return;
        _tensorBoardSettings = settings;
        _mirroredFiles.UnionWith(_restored);
        RestartTensorBoard();
    }

    /// <summary>
    /// (Re)writes the log from scratch: settings, the rows now in every mirrored metrics file, the figures so far.
    /// Used at the start (a resumed run's folder may hold events a killed process wrote after its last checkpoint) and
    /// when a recipe rewrites a metrics file it wrote before (its earlier rows must not stay as duplicates).
    /// </summary>
    private void RestartTensorBoard()
    {
        _tensorBoard?.Dispose();
        string directory = Path.Combine(WorkingPath, TensorBoardFolderName);
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        var settings = _tensorBoardSettings!;
        _tensorBoard = new TensorBoardLog(directory);
        _tensorBoard.AddText(null, "settings", 0, SettingsMarkdown(settings));
        _tensorBoard.AddHParams(settings.Select(s => (s.Name, HParamValue(s))).ToList());
        foreach (string name in _mirroredFiles) Replay(name);
        foreach (var (tag, png) in _mirroredFigures) _tensorBoard.AddImage(null, tag, 0, File.ReadAllBytes(png));
    }

    // The settings table of the report's standard header.
    private static string SettingsMarkdown(RecipeSettings settings) => new ReportBuilder().Table(["setting", "value", "meaning"],
        settings.Select(s => (IReadOnlyList<object?>)[$"`{s.Name}`", $"`{s.FormattedValue}`", s.Description])).ToString();

    private static object HParamValue(Setting s) => s.Value switch
    {
        bool or int or long or double => s.Value,
        _ => s.FormattedValue,
    };

    private static string TagPrefix(string fileName) =>
        fileName == MetricsFileName ? "" : Path.GetFileNameWithoutExtension(fileName) + "/";

    private void MirrorToTensorBoard(MetricsCsvWriter writer, string fileName, bool append)
    {
        if (_tensorBoard is null) return;
        // A file written anew after rows of it were mirrored (a recipe rewriting metrics.csv at the end): start over.
        if (!_mirroredFiles.Add(fileName) && !append) RestartTensorBoard();
        string prefix = TagPrefix(fileName);
        var tags = writer.MetricColumns.Select(c => prefix + c).ToArray();
        // The log as it is when the row comes: a restart replaces it.
        writer.RowWritten = (run, step, values) => _tensorBoard?.AddScalars(run, step, tags, values);
    }

    private void AddFigureToTensorBoard(string baseName, string pngPath)
    {
        if (_tensorBoard is null) return;
        string tag = baseName.Replace('\\', '/');
        _mirroredFigures.RemoveAll(f => f.Tag == tag);
        _mirroredFigures.Add((tag, pngPath));
        _tensorBoard.AddImage(null, tag, 0, File.ReadAllBytes(pngPath));
    }

    private void CloseTensorBoard()
    {
        _tensorBoard?.Dispose();
        _tensorBoard = null;
    }

    /// <summary>Writes the rows of a metrics file restored from a checkpoint as scalars.</summary>
    private void Replay(string fileName)
    {
        using var stream = new FileStream(GetPath(fileName), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var records = ParseCsv(new StreamReader(stream, Encoding.UTF8).ReadToEnd());
        if (records.Count == 0) return;
        string prefix = TagPrefix(fileName);
        var tags = records[0].Skip(2).Select(c => prefix + c).ToArray();
        foreach (var row in records.Skip(1))
        {
            if (row.Count != tags.Length + 2) continue;   // cannot happen for a file this class wrote; skip rather than guess
            var values = row.Skip(2).Select(ParseValue).ToArray();
            _tensorBoard!.AddScalars(row[0], long.Parse(row[1], CultureInfo.InvariantCulture), tags, values);
        }
    }

    private static double? ParseValue(string cell) => cell switch
    {
        "" => null,
        "NaN" => double.NaN,
        "Infinity" => double.PositiveInfinity,
        "-Infinity" => double.NegativeInfinity,
        _ => double.Parse(cell, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    /// <summary>Records of a metrics CSV as <see cref="MetricsCsvWriter"/> writes it (RFC 4180 quotes, <c>\n</c> line ends).</summary>
    internal static List<List<string>> ParseCsv(string text)
    {
        var records = new List<List<string>>();
        var record = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c != '"') field.Append(c);
                else if (i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else quoted = false;
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { record.Add(field.ToString()); field.Clear(); }
            else if (c == '\n')
            {
                record.Add(field.ToString());
                field.Clear();
                records.Add(record);
                record = [];
            }
            else field.Append(c);
        }
        return records;   // a last line without '\n' is a row cut off mid-write: left out
    }
}
