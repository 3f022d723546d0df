using Telescope.Reporting.Html;

namespace Telescope.Runs;

// report.html (docs/report-html.md): the markdown report as one offline page whose figures are interactive, drawn from
// the same figure models SaveFigure rendered to PNG/SVG, so every recipe gets it without code of its own. While a run
// goes, each checkpoint writes a progress page instead: every metrics column per sub-run against the step.
public sealed partial class RunFolder
{
    /// <summary>File name of the interactive report written next to report.md.</summary>
    public const string HtmlReportFileName = "report.html";

    // The figures saved so far, by the PNG path a report links them with.
    private readonly Dictionary<string, IFigure> _htmlFigures = new(StringComparer.Ordinal);
    private bool _progressPageWritten, _finalReportWritten;

    /// <summary>
    /// Writes report.html as a progress page (the runner's checkpoints call it): the metrics written so far, one
    /// interactive chart per metric with a line per sub-run. The final report replaces it; a run that ends without
    /// one (a shard) leaves no progress page behind (<see cref="DropProgressPage"/>).
    /// </summary>
    internal void WriteProgressPage(string runDescription)
    {
        if (_finalReportWritten) return;
        var report = new ReportBuilder().Heading($"{Path.GetFileName(FinalPath)}: in progress", 1)
            .Paragraph($"{runDescription}. Last checkpoint {DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC; " +
                "this page is rewritten at every checkpoint and replaced by the report when the run finishes. " +
                "Live numbers: metrics.csv and tensorboard/ grow row by row.");
        var figures = new Dictionary<string, IFigure>(StringComparer.Ordinal);
        foreach (var (fileName, writer) in _metrics)
        {
            var records = ParseCsv(Encoding.UTF8.GetString(writer.ReadWritten()));
            if (records.Count < 2) continue;
            report.Heading(fileName);
            for (int column = 2; column < records[0].Count; column++)
            {
                var chart = new LineChart { Title = records[0][column], XLabel = "step", LegendOutside = true };
                foreach (var run in records.Skip(1).Where(r => r.Count == records[0].Count && r[column].Length > 0).GroupBy(r => r[0]))
                    chart.AddSeries(run.Key, run.Select(r => double.Parse(r[1], CultureInfo.InvariantCulture)).ToArray(),
                        run.Select(r => ParseValue(r[column])!.Value).ToArray());
                if (chart.Series.Count == 0) continue;
                string key = $"progress/{figures.Count}.png";
                figures[key] = chart;
                report.Raw($"![{records[0][column]}]({key})");
            }
        }
        WriteText(HtmlReportFileName, HtmlReport.Render(report.ToString(), figures));
        _progressPageWritten = true;
    }

    /// <summary>Deletes a progress page no final report replaced (before commit).</summary>
    private void DropProgressPage()
    {
        if (_progressPageWritten && !_finalReportWritten) File.Delete(Path.Combine(WorkingPath, HtmlReportFileName));
    }
}
