using Telescope.Reporting;
using Xunit;

namespace Telescope.Tests.Reporting;

public class ReportBuilderTests
{
    [Fact]
    public void BuildsMarkdownBlocks()
    {
        string md = new ReportBuilder()
            .Heading("Title", 1)
            .Paragraph("Some text.")
            .Bullets(["one", "two"])
            .Table(["name", "value"], [new object?[] { "a|b", 0.1 + 0.2 }, new object?[] { "c", null }])
            .Figure(new FigureFiles("err.png", "err.svg", ["1 point not drawn."]), "Error over steps")
            .ToString();
        Assert.Equal(
            "# Title\n\nSome text.\n\n- one\n- two\n\n" +
            "| name | value |\n|---|---|\n| a\\|b | 0.3 |\n| c | — |\n\n" +
            "![Error over steps](err.png)\n\n*Error over steps* ([SVG](err.svg))\n\n> Note: 1 point not drawn.\n",
            md);
    }

    [Fact]
    public void TypedTableSelectsColumns()
    {
        string md = new ReportBuilder().Table(new[] { (lr: 0.01, err: 1.23456789e-7) },
            ("learning rate", r => r.lr), ("error", r => r.err)).ToString();
        Assert.Contains("| 0.01 | 1.23457E-07 |", md);
    }

    [Fact]
    public void StandardHeaderHasFactsSettingsDefinitionsAndMachine()
    {
        string md = new ReportBuilder().StandardHeader("Tiny", "tiny", new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
            7, quick: true, "1.0.0", [("lr", "0.1", "Learning rate")], [("f̃", "the telescoping model")],
            [("torch threads", "2")]).ToString();
        Assert.StartsWith("# Tiny\n", md);
        Assert.Contains("| date (UTC) | 2026-01-02 03:04:05 |", md);
        Assert.Contains("| seed | 7 |", md);
        Assert.Contains("| mode | quick (--quick) |", md);
        Assert.Contains("| `lr` | `0.1` | Learning rate |", md);
        Assert.Contains("- **f̃**: the telescoping model", md);
        Assert.Contains("| torch threads | 2 |", md);
    }

    [Fact]
    public void RowLengthMismatchIsRejected()
    {
        Assert.Throws<ArgumentException>(() => new ReportBuilder().Table(["a", "b"], [new object?[] { 1 }]));
    }
}
