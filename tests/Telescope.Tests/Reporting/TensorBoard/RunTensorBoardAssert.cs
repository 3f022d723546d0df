using System.Globalization;
using System.Text;
using Xunit;

namespace Telescope.Tests.Reporting.TensorBoard;

/// <summary>
/// Checks a run folder's tensorboard/ against its own metrics.csv, read independently (<see cref="EventFileReader"/>):
/// every non-empty cell is exactly one scalar (float32 of the value) under its sub-run's folder at its step, nothing
/// more (so a resume did not duplicate steps); every figure PNG is an image; the settings are there as text and hparams.
/// </summary>
internal static class RunTensorBoardAssert
{
    public static void MatchesMetrics(string runFolder)
    {
        string log = Path.Combine(runFolder, "tensorboard");
        Assert.True(Directory.Exists(log), $"{runFolder} has no tensorboard/ folder");
        var events = EventFileReader.ReadLog(log);

        var expected = new List<(string Folder, string Tag, long Step, float Value)>();
        var lines = File.ReadAllText(Path.Combine(runFolder, "metrics.csv"), Encoding.UTF8).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(',');
        var folders = new Dictionary<string, string>();
        foreach (string line in lines.Skip(1))
        {
            var cells = SplitRow(line);
            string run = cells[0];
            // The folder rule, restated: letters, digits and ._=+- kept, anything else '_'.
            string folder = new(run.Select(c => char.IsAsciiLetterOrDigit(c) || "._=+-".Contains(c) ? c : '_').ToArray());
            Assert.True(folders.TryAdd(folder, run) || folders[folder] == run, $"sub-runs '{run}' and '{folders[folder]}' share a folder name");
            for (int i = 2; i < cells.Count; i++)
                if (cells[i].Length > 0)
                    expected.Add((folder, header[i], long.Parse(cells[1], CultureInfo.InvariantCulture),
                        (float)double.Parse(cells[i], NumberStyles.Float, CultureInfo.InvariantCulture)));
        }
        var actual = events.Where(e => e.Key.Length > 0)
            .SelectMany(e => e.Value.SelectMany(ev => ev.Values.Where(v => v.Simple is not null && !v.Tag.Contains('/'))
                .Select(v => (Folder: e.Key, v.Tag, ev.Step, Value: v.Simple!.Value))))
            .ToList();
        Assert.Equal(expected.Order().ToList(), actual.Order().ToList());

        var root = events[""];
        Assert.Contains(root, e => e.Values.Any(v => v.Tag == "settings" && v.Plugin == "text"));
        var hparams = root.SelectMany(e => e.Values).Single(v => v.Tag == "_hparams_/session_start_info");
        Assert.Contains("seed", EventFileReader.SessionStartHParams(hparams.PluginContent!).Keys);
        var images = root.SelectMany(e => e.Values).Where(v => v.Image is not null).Select(v => v.Tag).Order().ToList();
        var pngs = Directory.GetFiles(runFolder, "*.png", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(runFolder, p)[..^4].Replace('\\', '/')).Order().ToList();
        Assert.Equal(pngs, images);
    }

    private static List<string> SplitRow(string line)
    {
        var cells = new List<string>();
        var cell = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted && c == '"' && i + 1 < line.Length && line[i + 1] == '"') { cell.Append('"'); i++; }
            else if (c == '"') quoted = !quoted;
            else if (c == ',' && !quoted) { cells.Add(cell.ToString()); cell.Clear(); }
            else cell.Append(c);
        }
        cells.Add(cell.ToString());
        return cells;
    }
}
