using System.Text;
using Telescope.Reporting;
using Telescope.Reporting.TensorBoard;
using Xunit;

namespace Telescope.Tests.Reporting.TensorBoard;

/// <summary>
/// The engine's event-file writer read back by <see cref="EventFileReader"/> (bit-by-bit CRC-32C, Google.Protobuf's
/// decoder): scalars, PNG images, text and hparams round-trip; a corrupted byte is caught by the CRCs.
/// </summary>
public sealed class EventFileWriterTests() : TempFolderTest("telescope-tb-")
{
    [Fact]
    public void TheReadersCrc32CGivesTheStandardCheckValue()
    {
        // The CRC-32C check value of the ASCII digits 1–9 (RFC 3720, appendix B.4 lists CRC-32C test vectors).
        Assert.Equal(0xE3069283u, EventFileReader.Crc32C("123456789"u8));
        Assert.Equal(0u, EventFileReader.Crc32C([]));
    }

    [Fact]
    public void ScalarsImagesTextAndHParamsRoundTrip()
    {
        string png = Path.Combine(_root, "fig.png");
        new LineChart { Title = "t" }.AddSeries("a", [1, 2, 3], [3, 1, 2]).Save(png, Path.Combine(_root, "fig.svg"));
        byte[] pngBytes = File.ReadAllBytes(png);
        string path;
        using (var writer = new EventFileWriter(Path.Combine(_root, "run"), wallTime: 1700000000.25))
        {
            path = writer.FilePath;
            writer.WriteScalars(0, [("loss", 2.5), ("acc", 0.125)], wallTime: 1700000001.5);
            writer.WriteScalars(-3, [("loss", double.NaN), ("big", 1e300)]);   // steps and values as given; 1e300 → +∞ in float32
            writer.WriteScalars(1L << 40, [("loss", -0.1)]);
            writer.WriteImage("figures/fig", 7, pngBytes);
            writer.WriteText("settings", 0, "| a | b |\n|---|---|\n| `lr` | 0.1 — α |");
            writer.WriteHParams([("lr", 0.01), ("width", 64), ("seeds", 3L), ("quick", true), ("optimizer", "adamw")]);
        }
        Assert.Matches(@"^events\.out\.tfevents\.1700000000\.", Path.GetFileName(path));

        var events = EventFileReader.ReadEvents(path);
        Assert.Equal(7, events.Count);
        Assert.Equal("brain.Event:2", events[0].FileVersion);
        Assert.Equal(1700000000.25, events[0].WallTime);

        Assert.Equal((0L, 1700000001.5), (events[1].Step, events[1].WallTime));
        Assert.Equal([("loss", 2.5f), ("acc", 0.125f)], events[1].Values.Select(v => (v.Tag, v.Simple!.Value)));
        Assert.Equal(-3L, events[2].Step);
        Assert.True(float.IsNaN(events[2].Values[0].Simple!.Value));
        Assert.True(float.IsPositiveInfinity(events[2].Values[1].Simple!.Value));
        Assert.Equal(1L << 40, events[3].Step);
        Assert.Equal(-0.1f, events[3].Values[0].Simple);   // float32, as TensorBoard stores simple_value

        var image = Assert.Single(events[4].Values);
        Assert.Equal(("figures/fig", 7L), (image.Tag, events[4].Step));
        Assert.Equal((500, 800, 4), (image.Image!.Height, image.Image.Width, image.Image.Colorspace));   // LineChart default 800×500 RGBA
        Assert.Equal(pngBytes, image.Image.Encoded);

        var text = Assert.Single(events[5].Values);
        Assert.Equal(("settings", "text", 7), (text.Tag, text.Plugin, text.Tensor!.DType));   // DT_STRING = 7
        Assert.Empty(text.Tensor.Shape);   // rank 0
        Assert.Equal("| a | b |\n|---|---|\n| `lr` | 0.1 — α |", Encoding.UTF8.GetString(Assert.Single(text.Tensor.Strings)));

        var hparams = Assert.Single(events[6].Values);
        Assert.Equal(("_hparams_/session_start_info", "hparams"), (hparams.Tag, hparams.Plugin));
        var values = EventFileReader.SessionStartHParams(hparams.PluginContent!);
        Assert.Equal(0.01, values["lr"]);
        Assert.Equal(64.0, values["width"]);
        Assert.Equal(3.0, values["seeds"]);
        Assert.Equal(true, values["quick"]);
        Assert.Equal("adamw", values["optimizer"]);
    }

    [Theory]
    [InlineData(0)]    // inside the length field: the length CRC fails
    [InlineData(14)]   // inside the first record's data: the data CRC fails
    [InlineData(-1)]   // inside the last record's data CRC
    public void ACorruptedByteIsDetected(int offset)
    {
        string path;
        using (var writer = new EventFileWriter(_root))
        {
            path = writer.FilePath;
            writer.WriteScalars(1, [("loss", 1.0)]);
        }
        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal(2, EventFileReader.ReadRecords(bytes).Count);
        bytes[offset >= 0 ? offset : bytes.Length + offset] ^= 0x10;
        var error = Assert.Throws<InvalidDataException>(() => EventFileReader.ReadRecords(bytes));
        Assert.Contains("CRC", error.Message);
    }

    [Fact]
    public void ALogKeepsOneFolderPerSubRunWithSafeUniqueNames_AndReopensClosedFilesToAppend()
    {
        using var log = new TensorBoardLog(Path.Combine(_root, "tb"), maxOpenFiles: 2);
        string[] runs = ["lr=0.1", "a/b", "a:b", "..", "width 64"];
        for (int step = 0; step < 4; step++)
            foreach (string run in runs)
                log.AddScalars(run, step, ["loss", "acc"], [step + run.Length, step == 2 ? null : 0.5]);
        log.AddScalars("empty", 0, ["loss"], [null]);   // nothing measured: no file either
        log.AddText(null, "settings", 0, "x");
        log.Dispose();

        Assert.Equal(["lr=0.1", "a_b", "a_b~2", "_..", "width_64"], runs.Select(log.RunFolder));
        var read = EventFileReader.ReadLog(log.Directory);
        Assert.Equal(["", "_..", "a_b", "a_b~2", "lr=0.1", "width_64"], read.Keys.Order(StringComparer.Ordinal));
        foreach (string run in runs)
        {
            var events = read[log.RunFolder(run)];
            Assert.Single(Directory.GetFiles(Path.Combine(log.Directory, log.RunFolder(run))));   // reopened, not a new file
            Assert.Equal("brain.Event:2", events[0].FileVersion);
            Assert.Equal([0L, 1, 2, 3], events.Skip(1).Select(e => e.Step));
            Assert.Equal([2, 2, 1, 2], events.Skip(1).Select(e => e.Values.Count));   // null left out
            Assert.Equal(3f + run.Length, events[4].Values[0].Simple);
        }
    }
}
