using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SkiaSharp;
using Telescope.Recipes.Approximation;
using Telescope.Runs;
using Telescope.Tests.Runs;
using Xunit;

namespace Telescope.Tests.Reporting.Html;

/// <summary>
/// report.html of a real (tiny, two-seed) approximation run opened in headless Chromium with no network: it loads
/// without console errors or exceptions, every figure of the run is drawn (its screenshot is not blank), and the numbers
/// a hover shows — and the plotted data behind them, seed band included — are summary.json's.
/// </summary>
[Trait("Category", "Slow")]
public sealed partial class ReportHtmlBrowserTests() : TempFolderTest("telescope-html-")
{
    [GeneratedRegex(@"y: ([0-9.eE+\-−]+)")]
    private static partial Regex HoverY();

    [ChromiumFact]
    public async Task ReportLoadsOfflineDrawsEveryFigureAndHoversShowSummaryNumbers()
    {
        var run = RecipeRunner.Run(new RecipeCatalog([new ApproximationRecipe()]), new RunRequest
        {
            Recipe = "approximation", Quick = true, Assignments = [.. ResumeAndShardTests.TinyApproximation, "seeds=0,1"],
            Out = Path.Combine(_root, "run"),
        }, SilentProgressReporter.Instance);
        string page = Path.Combine(run.Folder, "report.html");
        var pngs = Directory.GetFiles(run.Folder, "*.png").Select(f => Path.GetFileName(f)).Order().ToList();
        Assert.Equal(3, pngs.Count);   // error vs learning rate, and the dynamics of each optimizer's default rate

        await using var browser = await HeadlessChromium.StartAsync();
        await browser.NavigateAsync(new Uri(page).AbsoluteUri);
        JsonNode? state = null;
        for (int i = 0; i < 600 && state is null; i++)
        {
            state = await browser.EvaluateAsync("document.body && (document.body.dataset.figures || document.body.dataset.figureError) || null");
            if (state is null) await Task.Delay(100);
        }
        Assert.NotNull(state);
        Assert.Equal(pngs.Count.ToString(CultureInfo.InvariantCulture), state!.GetValue<string>());   // not an error message
        Assert.Empty(browser.Errors);
        Assert.Equal([new Uri(page).AbsoluteUri], browser.Requests.Where(u => !u.StartsWith("data:", StringComparison.Ordinal)));   // offline: nothing else fetched

        // Every figure of the run is interactive, and drawn: its screenshot has ink in several colours.
        var figures = (await browser.EvaluateAsync(
            "JSON.parse(document.getElementById('telescope-figures').textContent).map(f => { const r = document.getElementById(f.id).getBoundingClientRect(); " +
            "return { id: f.id, png: f.png, x: r.left + scrollX, y: r.top + scrollY, w: r.width, h: r.height, " +
            "traces: document.querySelectorAll('#' + f.id + ' .scatterlayer .trace').length, " +
            "legend: document.querySelectorAll('#' + f.id + ' .legend .traces').length }; })"))!.AsArray();
        Assert.Equal(pngs, figures.Select(f => (string)f!["png"]!).Order().ToList());
        foreach (var f in figures)
        {
            Assert.True((int)f!["traces"]! > 0 && (int)f["legend"]! > 0, $"{f["png"]}: no traces or legend drawn");
            byte[] shot = await browser.ScreenshotAsync((double)f["x"]!, (double)f["y"]!, (double)f["w"]!, (double)f["h"]!);
            using var bitmap = SKBitmap.Decode(shot);
            var pixels = bitmap.Pixels;
            double ink = pixels.Count(p => p.Red < 235 || p.Green < 235 || p.Blue < 235) / (double)pixels.Length;
            int colours = pixels.Select(p => (uint)p & 0xF0F0F0F0u).Distinct().Count();
            Assert.True(ink > 0.01 && colours > 8, $"{f["png"]} looks blank: {ink:P2} ink, {colours} colours ({bitmap.Width}×{bitmap.Height})");
        }

        // Hover every point of SGD-with-momentum's f̃ curve: x, y and the band are summary.json's mean and sd over seeds.
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(run.Folder, "summary.json")));
        var results = summary.RootElement.GetProperty("results").EnumerateArray()
            .Where(r => r.GetProperty("optimizer").GetString() == "sgd_momentum").ToList();
        string id = (string)figures.Single(f => (string)f!["png"]! == "error_vs_learning_rate.png")!["id"]!;
        const string name = "sgd_momentum: f̃ (mean ± sd, 2 seeds)";
        for (int k = 0; k < results.Count; k++)
        {
            var hover = (await browser.EvaluateAsync(
                $"(async () => {{ const gd = document.getElementById('{id}'); const name = {JsonSerializer.Serialize(name)}; " +
                "const i = gd.data.findIndex(t => t.name === name); const band = gd.data.find(t => t.name === name + ' (upper)'); " +
                $"Plotly.Fx.hover(gd, [{{ curveNumber: i, pointNumber: {k} }}]); await new Promise(r => setTimeout(r, 100)); " +
                $"return {{ x: gd.data[i].x[{k}], y: gd.data[i].y[{k}], upper: band.y[{k}], " +
                "text: Array.from(gd.querySelectorAll('.hoverlayer text')).map(t => t.textContent).join(' | ') }; })()"))!;
            double x = (double)hover["x"]!, y = (double)hover["y"]!, upper = (double)hover["upper"]!;
            string text = (string)hover["text"]!;
            var expected = results.Single(r => r.GetProperty("learning_rate").GetDouble() == x);
            double mean = expected.GetProperty("err_abs_telescoping").GetDouble();
            double sd = expected.GetProperty("err_abs_telescoping_sd").GetDouble();
            // The plotted mean is the chart's own (SeededSeries), summary.json's is SeedAggregate's: same numbers up to rounding.
            Assert.Equal(mean, y, mean * 1e-12);
            Assert.Equal(mean + sd, upper, (mean + sd) * 1e-9);
            Assert.Contains(name, text);
            var shown = HoverY().Match(text);
            Assert.True(shown.Success, $"no y value in the hover text '{text}'");
            double hovered = double.Parse(shown.Groups[1].Value.Replace('−', '-'), CultureInfo.InvariantCulture);
            Assert.Equal(mean, hovered, mean * 5e-6);   // six significant digits
        }
        Assert.Empty(browser.Errors);
    }
}
