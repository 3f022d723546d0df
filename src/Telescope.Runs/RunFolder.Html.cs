using Telescope.Reporting;
using Telescope.Reporting.Html;

namespace Telescope.Runs;

// report.html (docs/report-html.md): the markdown report as one offline page whose figures are interactive, drawn from
// the same figure models SaveFigure rendered to PNG/SVG, so every recipe gets it without code of its own.
public sealed partial class RunFolder
{
    /// <summary>File name of the interactive report written next to report.md.</summary>
    public const string HtmlReportFileName = "report.html";

    // The figures saved so far, by the PNG path a report links them with.
    private readonly Dictionary<string, IFigure> _htmlFigures = new(StringComparer.Ordinal);

    private void WriteHtmlReport(string markdown) => WriteText(HtmlReportFileName, HtmlReport.Render(markdown, _htmlFigures));
}
