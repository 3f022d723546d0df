using Parquet;
using Parquet.Schema;
using Telescope.Data;
using Telescope.Data.Tabular;
using Xunit;

namespace Telescope.Tests.Data;

/// <summary>
/// Own tabular files as spreadsheets, pandas and Parquet writers produce them: RFC 4180 quoting (embedded separators,
/// doubled quotes) in a column dropped with drop_columns, semicolons with decimal commas, a detected separator that
/// the record names, wrong-separator and decimal-comma mistakes that say what to set, and Parquet files with nulls
/// and non-numeric columns. Every value is compared with the same table written as a plain comma CSV.
/// </summary>
public sealed class OwnTabularFormatsTests : IDisposable
{
    private readonly DataFixtures _files = new();
    private static readonly ChecksumTable NoKnownFiles = new([]);

    public void Dispose() => _files.Dispose();

    private string Write(string name, string text) => _files.Write(name, System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>30 rows: x1 = i/4, x2 = (7i mod 31)·1.5, y = 1 + i², and a free-text lot column.</summary>
    private static IEnumerable<(string Lot, double X1, double X2, double Y)> Rows() =>
        Enumerable.Range(0, 30).Select(i => ($"lot {i}, block \"{i % 3}\"", i / 4.0, (i * 7 % 31) * 1.5, 1.0 + i * i));

    private static string Plain() =>
        "x1,x2,y\n" + string.Concat(Rows().Select(r => FormattableString.Invariant($"{r.X1},{r.X2},{r.Y}\n")));

    private static OwnCsvOptions Options(CsvFormat? format = null, params string[] drop) => new("y", TargetTransform.None, drop, 2, null, format);

    private (TabularDataset Data, DataFileRecord Record) Reference() => OwnCsvFile.Load(Write("plain.csv", Plain()), Options(CsvFormat.Comma), NoKnownFiles);

    private static void AssertSameData(TabularDataset expected, TabularDataset actual)
    {
        Assert.Equal(expected.FeatureNames, actual.FeatureNames);
        Assert.Equal(expected.Features.ToArray(), actual.Features.ToArray());
        Assert.Equal(expected.Target.ToArray(), actual.Target.ToArray());
    }

    [Fact]
    public void QuotedTextColumnWithEmbeddedSeparatorsIsDroppedAndCrlfWorks()
    {
        string text = "lot,x1,x2,y\r\n" + string.Concat(Rows().Select(r =>
            FormattableString.Invariant($"\"{r.Lot.Replace("\"", "\"\"")}\",{r.X1},{r.X2},{r.Y}\r\n")));
        var (data, record) = OwnCsvFile.Load(Write("quoted.csv", "\uFEFF" + text), Options(CsvFormat.Detect, "lot"), NoKnownFiles);
        AssertSameData(Reference().Data, data);
        Assert.Contains("separator ',' (comma), detected", record.Details);
    }

    [Fact]
    public void SemicolonsWithDecimalCommasReadAsTheSameNumbers()
    {
        string text = "x1;x2;y\n" + string.Concat(Rows().Select(r =>
            FormattableString.Invariant($"{r.X1};{r.X2};{r.Y}\n").Replace('.', ',')));
        string path = Write("excel.csv", text);
        var (data, record) = OwnCsvFile.Load(path, Options(new CsvFormat(null, DecimalComma: true)), NoKnownFiles);
        AssertSameData(Reference().Data, data);
        Assert.Contains("separator ';' (semicolon), detected, decimal comma", record.Details);

        // Without decimal_comma: the file, line, column, and what to set.
        var e = Assert.Throws<DataFileException>(() => OwnCsvFile.Load(path, Options(CsvFormat.Detect), NoKnownFiles));
        Assert.Equal(3, e.Line);   // row i = 1 is the first with a fraction: x1 = 0,25
        Assert.Contains("column 'x1' holds '0,25'", e.Message);
        Assert.Contains("decimal_comma=true", e.Message);
        Assert.Contains("excel.csv", e.Message);

        // A comma forced on a semicolon file: the header is one column, and the message says which separator it contains.
        var wrong = Assert.Throws<DataFileException>(() => OwnCsvFile.Load(path, Options(new CsvFormat(',', DecimalComma: true)), NoKnownFiles));
        Assert.Equal(1, wrong.Line);
        Assert.Contains("set csv_separator=;", wrong.Message);
    }

    [Theory]
    [InlineData("auto", null)]
    [InlineData(";", ';')]
    [InlineData("tab", '\t')]
    [InlineData("comma", ',')]
    public void SeparatorSettingsParse(string value, char? expected) => Assert.Equal(expected, CsvFormat.ParseSeparator(value));

    [Fact]
    public void UnknownSeparatorSettingIsRefused() =>
        Assert.Contains("not a CSV separator", Assert.Throws<TelescopeException>(() => CsvFormat.ParseSeparator("colon")).Message);

    [Fact]
    public async Task ParquetCopyGivesTheSameDataAsItsCsvAndNullsAreMissing()
    {
        var rows = Rows().ToArray();
        double?[] x1 = rows.Select(r => (double?)r.X1).ToArray();
        x1[4] = null;   // a null: this row is dropped, as an empty CSV field would be
        string path = await WriteParquet("mine.parquet", x1, rows.Select(r => (int)r.X2 * 2).ToArray(), rows.Select(r => r.Y).ToArray(),
            rows.Select(r => r.Lot).ToArray());
        var (data, record) = OwnParquetFile.Load(path, Options(null, "lot"), NoKnownFiles);

        string csvWithGap = "x1,x2,y\n" + string.Concat(rows.Select((r, i) =>
            FormattableString.Invariant($"{(i == 4 ? "" : r.X1.ToString(System.Globalization.CultureInfo.InvariantCulture))},{(int)r.X2 * 2},{r.Y}\n")));
        var (fromCsv, _) = OwnCsvFile.Load(Write("mine.csv", csvWithGap), Options(CsvFormat.Comma), NoKnownFiles);
        AssertSameData(fromCsv, data);
        Assert.Equal(29, data.Rows);
        Assert.StartsWith("Parquet: 29 complete rows of 30", record.Details);

        var e = Assert.Throws<DataFileException>(() => OwnParquetFile.Load(path, Options(), NoKnownFiles));
        Assert.True(e.Message.Contains("column 'lot' holds text values, not numbers", StringComparison.Ordinal), e.Message);
        Assert.Contains("drop_columns", e.Message);
        Assert.Contains("mine.parquet", e.Message);
    }

    [Fact]
    public void CorruptParquetFileNamesTheFile()
    {
        string path = _files.Write("broken.parquet", [1, 2, 3, 4, 5, 6, 7, 8]);
        var e = Assert.Throws<DataFileException>(() => OwnParquetFile.Load(path, Options(), NoKnownFiles));
        Assert.Contains("not a readable Parquet file", e.Message);
        Assert.Contains("broken.parquet", e.Message);
    }

    private async Task<string> WriteParquet(string name, double?[] x1, int[] x2, double[] y, string[] lot)
    {
        var fx1 = new DataField<double?>("x1");
        var fx2 = new DataField<int>("x2");
        var fy = new DataField<double>("y");
        var flot = new DataField<string>("lot");
        using var stream = new MemoryStream();
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fx1, fx2, fy, flot), stream))
        {
            using var group = writer.CreateRowGroup();
            await group.WriteAsync<double>(fx1, x1.AsMemory());
            await group.WriteAsync<int>(fx2, x2.AsMemory());
            await group.WriteAsync<double>(fy, y.AsMemory());
            await group.WriteAsync(flot, lot);
        }
        return _files.Write(name, stream.ToArray());
    }
}
