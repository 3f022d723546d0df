using Telescope.Reporting;
using Telescope.Runs;
using Xunit;

namespace Telescope.Tests.Reporting;

public class FigureTests() : TempFolderTest("telescope-figures-")
{
    private static readonly double[] Steps = Enumerable.Range(1, 200).Select(i => (double)i).ToArray();

    private static void AssertPngAndSvg(string png, string svg)
    {
        byte[] bytes = File.ReadAllBytes(png);
        Assert.True(bytes.Length > 2000, $"PNG too small: {bytes.Length} bytes");
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        string text = File.ReadAllText(svg);
        Assert.Contains("<svg", text);
        Assert.True(text.Length > 2000, $"SVG too small: {text.Length} chars");
    }

    [Fact]
    public void LogLogChartWithSeveralSeriesSavesPngAndSvg()
    {
        var chart = new LineChart { Title = "Approximation error", XLabel = "step", YLabel = "mean |error|", LogX = true, LogY = true };
        chart.AddSeries("f̃ (telescoping)", Steps, Steps.Select(s => 1e-7 * Math.Sqrt(s)).ToArray())
             .AddSeries("f_lin", Steps, Steps.Select(s => 1e-3 * s).ToArray(), dashed: true)
             .AddSeries("sweep", [1, 10, 100], [1e-5, 1e-4, 1e-2], markers: true);
        string png = Path.Combine(_root, "err.png"), svg = Path.Combine(_root, "err.svg");
        chart.Save(png, svg);
        AssertPngAndSvg(png, svg);
        Assert.Empty(chart.Notes);
        Assert.Contains("10⁻⁷", File.ReadAllText(svg)); // powers of ten labelled on the log axis
    }

    [Fact]
    public void NonFiniteAndNonPositivePointsAreDroppedWithANote()
    {
        var chart = new LineChart { Title = "t", LogY = true };
        chart.AddSeries("loss", [1, 2, 3, 4, 5], [1.0, double.NaN, 0.0, double.PositiveInfinity, 0.5])
             .AddSeries("gone", [1, 2], [double.NaN, double.NaN]);
        chart.Save(Path.Combine(_root, "n.png"), Path.Combine(_root, "n.svg"));
        AssertPngAndSvg(Path.Combine(_root, "n.png"), Path.Combine(_root, "n.svg"));
        Assert.Equal(2, chart.Notes.Count);
        Assert.Contains("series 'loss': 3 of 5 points not drawn", chart.Notes[0]);
        Assert.Contains("series 'gone': 2 of 2", chart.Notes[1]);
    }

    [Fact]
    public void StackedChartSavesThroughTheRunFolder()
    {
        var top = new LineChart { Title = "Test MSE gap", YLabel = "Δ(π)" };
        top.AddSeries("houses", [0, 0.5, 1], [0.1, 0.2, 0.4], markers: true);
        var bottom = new LineChart { XLabel = "π (fraction irregular)", YLabel = "W(π)", LogY = true };
        bottom.AddSeries("NN", [0, 0.5, 1], [1, 3, 10], markers: true).AddSeries("GBT", [0, 0.5, 1], [1, 1, 1], markers: true);
        var figure = new StackedChart(top, bottom);

        FigureFiles files;
        string target = Path.Combine(_root, "run");
        using (var folder = RunFolder.Create(target, false))
        {
            files = folder.SaveFigure(figure, "tabular");
            folder.Commit();
        }
        Assert.Equal("tabular.png", files.Png);
        Assert.Equal("tabular.svg", files.Svg);
        AssertPngAndSvg(Path.Combine(target, files.Png), Path.Combine(target, files.Svg));
    }

    [Fact]
    public void MismatchedSeriesLengthsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => new LineChart().AddSeries("x", [1, 2], [1]));
    }

    [Fact]
    public void StackedPanelsMustAgreeOnLogX()
    {
        var figure = new StackedChart(new LineChart { LogX = true }, new LineChart());
        Assert.Throws<InvalidOperationException>(() => figure.Save(Path.Combine(_root, "a.png"), Path.Combine(_root, "a.svg")));
    }
}
