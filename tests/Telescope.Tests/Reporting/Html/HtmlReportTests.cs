using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Telescope.Reporting;
using Telescope.Reporting.Html;
using Telescope.Verdicts;
using Xunit;

namespace Telescope.Tests.Reporting.Html;

/// <summary>
/// report.html without a browser: self-contained (no external script or stylesheet), the markdown's tables and text as
/// HTML with its text escaped, and each figure's interactive twin carrying the figure model's series, bands, dashes,
/// flagged points and log axes (the browser test checks that it draws).
/// </summary>
public sealed partial class HtmlReportTests
{
    [GeneratedRegex("<script type=\"application/json\" id=\"telescope-figures\">(.*?)</script>", RegexOptions.Singleline)]
    private static partial Regex FiguresData();

    private static JsonArray Figures(string html) => JsonNode.Parse(FiguresData().Match(html).Groups[1].Value)!.AsArray();

    [Fact]
    public void PageIsSelfContainedAndKeepsTheMarkdownsTablesAndEscapesItsText()
    {
        var report = new ReportBuilder().Heading("Run <one> & two", 1)
            .Table(["setting", "value"], [["`lr`", "0.1"], ["path", "<script>alert(1)</script>"]])
            .Paragraph("**bold** and a [link](other.png) and ![not a saved figure](elsewhere.png)");
        string html = HtmlReport.Render(report.ToString(), new Dictionary<string, IFigure>());

        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.Contains("<title>Run &lt;one&gt; &amp; two</title>", html);
        Assert.DoesNotMatch("<script[^>]*\\ssrc=", html);                 // every script inline
        Assert.DoesNotMatch("<link[^>]*stylesheet", html);
        // Outside the inlined plotly.js bundle (whose option defaults name web addresses it never fetches), no address at all;
        // the browser test checks that nothing but the file itself is requested.
        int bundle = html.IndexOf("<!-- plotly.js", StringComparison.Ordinal), end = html.IndexOf("</script>", bundle, StringComparison.Ordinal);
        Assert.DoesNotContain("http", html[..bundle] + html[end..]);
        Assert.Contains("<td><code>lr</code></td>", html);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html);    // text stays text
        Assert.Contains("<strong>bold</strong>", html);
        Assert.Contains("<img src=\"elsewhere.png\"", html);               // not a saved figure: left as the markdown had it
        Assert.Empty(Figures(html));
        Assert.True(html.Length > 1_000_000, "the plotly.js bundle is inlined");
    }

    [Fact]
    public void EachSavedFigureBecomesItsPlotlyTwin()
    {
        var chart = new LineChart { Title = "err </script>", XLabel = "lr", YLabel = "error", LogX = true, LogY = true };
        chart.AddSeeded("sgd", SeededSeries.FromSeeds([0.01, 0.1, 1], [[1e-3, 3e-3], [2e-2, 1e-2], [double.NaN, 5.0]]), markers: true)
             .AddSeries("lin", [0.01, 0.1, 1], [0.5, -1, 2], dashed: true, colorGroup: 0)
             .AddFlagged("capped", [1], [7]);
        var stacked = new StackedChart(new LineChart { Title = "top" }.AddSeries("a", [0, 1], [1, 2]),
            new LineChart { XLabel = "step", LogY = true }.AddSeries("b", [0, 1], [3, 4]));
        string markdown = "# R\n\n![Error](err.png)\n\n*Error*\n\n![Dynamics](dyn.png)\n";
        string html = HtmlReport.Render(markdown, new Dictionary<string, IFigure> { ["err.png"] = chart, ["dyn.png"] = stacked });

        Assert.DoesNotContain("<img", html);
        Assert.Contains("<span class=\"plot\" id=\"telescope-figure-0\" role=\"img\" aria-label=\"Error\"></span>", html);
        Assert.DoesNotContain("err </script>", html);   // the title is inside the JSON data, escaped
        var figures = Figures(html);
        Assert.Equal(2, figures.Count);

        var first = figures[0]!;
        Assert.Equal(("telescope-figure-0", "err.png"), ((string)first["id"]!, (string)first["png"]!));
        Assert.Equal("err </script>", (string)first["layout"]!["title"]!["text"]!);
        Assert.Equal(("log", "log"), ((string)first["layout"]!["xaxis"]!["type"]!, (string)first["layout"]!["yaxis"]!["type"]!));
        var traces = first["data"]!.AsArray();
        Assert.Equal(["sgd (mean ± sd, ≤ 2 seeds) (upper)", "sgd (mean ± sd, ≤ 2 seeds) (lower)", "sgd (mean ± sd, ≤ 2 seeds)", "lin", "capped"],
            traces.Select(t => (string)t!["name"]!));
        // Band: only where two seeds exist (the third point has one finite value), lower edge filled to the upper.
        var mean = 2e-3; var sd = Math.Sqrt(2) * 1e-3;
        Assert.Equal([0.01, 0.1], traces[0]!["x"]!.AsArray().Select(v => (double)v!));
        Assert.Equal(mean + sd, (double)traces[0]!["y"]![0]!, 1e-15);
        Assert.Equal(mean - sd, (double)traces[1]!["y"]![0]!, 1e-15);
        Assert.Equal("tonexty", (string)traces[1]!["fill"]!);
        Assert.Equal("rgba(31,119,180,0.2)", (string)traces[1]!["fillcolor"]!);
        // A legend click hides a series with its band; another series of the same colour stays.
        Assert.Equal(["0", "0", "0", "1", "2"], traces.Select(t => (string)t!["legendgroup"]!));
        Assert.Equal("lines+markers", (string)traces[2]!["mode"]!);
        Assert.Equal([0.01, 1], traces[3]!["x"]!.AsArray().Select(v => (double)v!));   // y = −1 is not drawable on a log axis, as in the PNG
        Assert.Equal("dash", (string)traces[3]!["line"]!["dash"]!);
        Assert.Equal("#1f77b4", (string)traces[3]!["line"]!["color"]!);                 // its colour group
        Assert.Equal(("markers", "x-thin-open"), ((string)traces[4]!["mode"]!, (string)traces[4]!["marker"]!["symbol"]!));

        var second = figures[1]!;
        Assert.Equal(["x", "x"], second["data"]!.AsArray().Select(t => (string)t!["xaxis"]!));   // one shared x axis
        Assert.Equal(["y", "y2"], second["data"]!.AsArray().Select(t => (string)t!["yaxis"]!));
        Assert.Equal("log", (string)second["layout"]!["yaxis2"]!["type"]!);
        Assert.Equal("step", (string)second["layout"]!["xaxis"]!["title"]!["text"]!);
        Assert.Equal("top", (string)second["layout"]!["annotations"]![0]!["text"]!);
    }
}
