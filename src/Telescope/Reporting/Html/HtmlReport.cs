using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Markdig;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace Telescope.Reporting.Html;

/// <summary>
/// Turns a run's markdown report into one self-contained, offline HTML page (docs/report-html.md): the markdown's
/// tables, headings and text as HTML, and every figure image whose file is in <c>figures</c> replaced by the
/// interactive plotly.js twin of the same figure model (hover values, zoom, legend toggling, seed bands). The plotly.js
/// bundle is inlined, so the page needs no network. Images of other figures stay links to their files.
/// </summary>
public static class HtmlReport
{
    /// <summary>The id prefix of figure containers (<c>telescope-figure-0</c>, …).</summary>
    public const string FigureIdPrefix = "telescope-figure-";

    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UsePipeTables().UseEmphasisExtras().UseAutoLinks()
        .DisableHtml()   // the report's text is data (settings, file names): shown as written, never run as markup
        .Build();

    private static readonly Lazy<string> PlotlyScript = new(() => Resource("Telescope.Reporting.Html.plotly-basic.min.js.gz"));

    /// <summary>The HTML page of <paramref name="markdown"/>; <paramref name="figures"/> maps an image path as written in the markdown to its figure.</summary>
    public static string Render(string markdown, IReadOnlyDictionary<string, IFigure> figures)
    {
        ArgumentNullException.ThrowIfNull(markdown);
        ArgumentNullException.ThrowIfNull(figures);
        var document = Markdown.Parse(markdown, Pipeline);
        string title = document.Descendants<HeadingBlock>().FirstOrDefault(h => h.Level == 1)?.Inline is { } inline
            ? string.Concat(inline.Descendants<LiteralInline>().Select(l => l.Content.ToString()))
            : "Telescope report";

        var plots = new JsonArray();
        foreach (var image in document.Descendants<LinkInline>().Where(l => l.IsImage).ToList())
        {
            if (image.Url is null || !figures.TryGetValue(image.Url, out var figure) || PlotlyFigure.From(figure) is not { } plot) continue;
            string id = FigureIdPrefix + plots.Count;
            plot["id"] = id;
            plot["png"] = image.Url;
            plots.Add(plot);
            // A block-level box inside the paragraph the image was in; plotly draws into it when the page loads.
            image.ReplaceBy(new HtmlInline($"<span class=\"plot\" id=\"{id}\" role=\"img\" aria-label=\"{WebUtility.HtmlEncode(Alt(image))}\"></span>"), copyChildren: false);
        }
        return Page(title, Markdown.ToHtml(document, Pipeline), plots);
    }

    private static string Alt(LinkInline image) => string.Concat(image.Descendants<LiteralInline>().Select(l => l.Content.ToString()));

    private static string Page(string title, string body, JsonArray plots)
    {
        var html = new StringBuilder(PlotlyScript.Value.Length + body.Length + 16_384);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>").Append(WebUtility.HtmlEncode(title)).Append("</title>\n<style>\n").Append(Style).Append("</style>\n")
            .Append("<!-- plotly.js 4.1.2 basic bundle, MIT License, Copyright (c) 2016-2024 Plotly Technologies Inc. -->\n<script>")
            .Append(PlotlyScript.Value).Append("</script>\n</head>\n<body>\n<main>\n").Append(body).Append("</main>\n")
            // The default JSON encoder escapes <, > and & as \u003C…, so no "</script>" can end the data early.
            .Append("<script type=\"application/json\" id=\"telescope-figures\">").Append(plots.ToJsonString(new JsonSerializerOptions()))
            .Append("</script>\n<script>\n").Append(Init).Append("</script>\n</body>\n</html>\n");
        return html.ToString();
    }

    private const string Style = """
        body { font-family: "DejaVu Sans", system-ui, sans-serif; margin: 0; color: #222; background: #fff; }
        main { max-width: 1000px; margin: 0 auto; padding: 1em 1.5em 4em; line-height: 1.45; }
        table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; display: block; overflow-x: auto; }
        th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
        th { background: #f3f3f3; }
        code { background: #f5f5f5; padding: 0 0.2em; border-radius: 3px; font-size: 0.92em; overflow-wrap: anywhere; }
        blockquote { border-left: 4px solid #ddd; margin: 0.6em 0; padding: 0.1em 1em; color: #555; }
        .plot { display: block; width: 100%; min-height: 300px; }
        img { max-width: 100%; }

        """;

    // Draws every figure; body[data-figures] = how many were drawn (or data-figure-error) tells a reader (and the
    // browser test) that the page has finished.
    private const string Init = """
        (function () {
          var figures = JSON.parse(document.getElementById('telescope-figures').textContent);
          var config = { responsive: true, displaylogo: false, scrollZoom: false, toImageButtonOptions: { format: 'svg' } };
          Promise.all(figures.map(function (f) {
            return Plotly.newPlot(document.getElementById(f.id), f.data, f.layout, config);
          })).then(function () {
            document.body.setAttribute('data-figures', String(figures.length));
          }, function (e) {
            document.body.setAttribute('data-figure-error', String(e));
            console.error(e);
          });
        })();

        """;

    private static string Resource(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The embedded resource '{name}' is missing from the Telescope assembly.");
        // Stored gzip-compressed (plotly.js 4.1.2 basic bundle: 1.2 MB as text, 0.4 MB compressed).
        using var text = new System.IO.Compression.GZipStream(stream, System.IO.Compression.CompressionMode.Decompress);
        using var reader = new StreamReader(text, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
