using Telescope.Runs;
using Xunit;

namespace Telescope.Tests.Runs;

public class ProgressReporterTests
{
    [Fact]
    public void PlainReporterWritesAboutEveryFivePercent()
    {
        var writer = new StringWriter();
        var reporter = new PlainProgressReporter(writer, () => TimeSpan.Zero);
        using (var task = reporter.Start("train", 1000))
        {
            task.SetStatus("loss 0.5");
            for (int i = 0; i < 1000; i++) task.Advance();
        }
        var lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("train: started (1000 units)", lines[0]);
        Assert.Equal(20, lines.Count(l => l.Contains('%'))); // 5 %, 10 %, …, 100 %
        Assert.Contains("train: 50% (500/1000), 0.0 s, loss 0.5", lines);
        Assert.StartsWith("train: done in", lines[^1]);
    }

    [Fact]
    public void PlainReporterWritesAfterTenSilentSeconds()
    {
        var writer = new StringWriter();
        var now = TimeSpan.Zero;
        var reporter = new PlainProgressReporter(writer, () => now);
        var task = reporter.Start("slow", 1_000_000);
        task.Advance(); // 0.0001 %, no time passed: no line
        now = TimeSpan.FromSeconds(11);
        task.Advance();
        var lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Contains("11.0 s", lines[1]);
    }

    [Fact]
    public void TaskFinishedEarlySaysStoppedNotDone()
    {
        var writer = new StringWriter();
        var reporter = new PlainProgressReporter(writer, () => TimeSpan.FromSeconds(2));
        using (var task = reporter.Start("train", 10)) task.Advance(3);
        Assert.EndsWith("train: stopped at 30% (3/10) after 0.0 s", writer.ToString().TrimEnd());
    }

    [Fact]
    public void InvalidTotalIsRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PlainProgressReporter(TextWriter.Null).Start("x", 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PlainProgressReporter(TextWriter.Null).Start("x", double.NaN));
    }
}
