using System.Globalization;
using Telescope.Runs;
using Xunit;

namespace Telescope.Tests.Runs;

public class MetricsCsvWriterTests() : TempFolderTest("telescope-csv-")
{
    [Fact]
    public void HeaderRowsAndFormattingAreCultureInvariantAndRoundTrip()
    {
        var previous = CultureInfo.CurrentCulture;
        // The build uses invariant globalization, so no real culture is available: make one that writes
        // a decimal comma and odd NaN/infinity symbols, which would show up if culture leaked into the file.
        var comma = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        comma.NumberFormat.NumberDecimalSeparator = ",";
        comma.NumberFormat.NaNSymbol = "nicht";
        comma.NumberFormat.NegativeInfinitySymbol = "-unendlich";
        CultureInfo.CurrentCulture = comma;
        Assert.Equal("0,5", 0.5.ToString(CultureInfo.CurrentCulture)); // the trap is armed
        try
        {
            using var folder = RunFolder.Create(Path.Combine(_root, "run"), false);
            var csv = folder.OpenMetrics(["loss", "err_abs"]);
            double tricky = 0.1 + 0.2;
            csv.WriteRow("sgd lr=0.1", 0, tricky, null);
            csv.WriteRow("a,\"b\"", 12345678901, double.NaN, double.NegativeInfinity);
            csv.WriteRow("dict", 2, new Dictionary<string, double> { ["err_abs"] = 1e-300 });
            // Streaming: the rows are on disk before the writer is closed.
            string[] lines = File.ReadAllText(csv.Path).Split('\n');
            Assert.Equal("run,step,loss,err_abs", lines[0]);
            Assert.Equal("sgd lr=0.1,0,0.30000000000000004,", lines[1]);
            Assert.Equal("\"a,\"\"b\"\"\",12345678901,NaN,-Infinity", lines[2]);
            Assert.Equal("dict,2,,1E-300", lines[3]);
            Assert.Equal(tricky, double.Parse(lines[1].Split(',')[2], CultureInfo.InvariantCulture));
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void EveryDoubleRoundTripsExactly()
    {
        var rng = new Random(1);
        for (int i = 0; i < 2000; i++)
        {
            double x = BitConverter.Int64BitsToDouble(rng.NextInt64());
            if (!double.IsFinite(x)) continue;
            Assert.Equal(x, double.Parse(MetricsCsvWriter.FormatValue(x), CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void WrongValueCountOrUnknownMetricIsRejected()
    {
        using var folder = RunFolder.Create(Path.Combine(_root, "run"), false);
        var csv = folder.OpenMetrics(["a", "b"]);
        Assert.Throws<ArgumentException>(() => csv.WriteRow("r", 0, 1.0));
        Assert.Throws<ArgumentException>(() => csv.WriteRow("r", 0, new Dictionary<string, double> { ["c"] = 1 }));
        Assert.Throws<ArgumentException>(() => folder.OpenMetrics(["step"], "other.csv"));
    }
}
