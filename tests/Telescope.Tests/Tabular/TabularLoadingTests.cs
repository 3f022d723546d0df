using Telescope.Data.Tabular;
using Xunit;

namespace Telescope.Tests.Tabular;

/// <summary>CSV parsing, checksums and preprocessing on small generated files.</summary>
public sealed class TabularLoadingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("telescope-tabular-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void MalformedRowsNameTheFileAndLine()
    {
        string path = Write("bad.csv", "a,b,y\n1,2,3\n4,5\n6,7,8\n");
        var ex = Assert.Throws<InvalidDataException>(() => CsvTable.Read(path));
        Assert.Contains("bad.csv:3", ex.Message);
        Assert.Contains("2 fields, expected 3", ex.Message);

        string path2 = Write("bad2.csv", "a,b,y\n1,2,3\n4,x5,6\n");
        var ex2 = Assert.Throws<InvalidDataException>(() => CsvTable.Read(path2));
        Assert.Contains("bad2.csv:3", ex2.Message);
        Assert.Contains("'b'", ex2.Message);
    }

    [Fact]
    public void HeaderlessFilesUseGivenNamesAndSkippedColumnsAreNotParsed()
    {
        string path = Write("nohdr.csv", "1,red,2\n3,blue,4\n");
        var t = CsvTable.Read(path, ["a", "colour", "y"], ["colour"]);
        Assert.Equal(["a", "y"], t.ColumnNames);
        Assert.Equal([1.0, 2.0, 3.0, 4.0], t.Values);
    }

    [Fact]
    public void MissingMarkersBecomeNaNAndSuchRowsAreDropped()
    {
        // 12 rows; column 'few' has 3 distinct values (dropped); row 2 has '?' and row 5 an empty field.
        var lines = new List<string> { "x,few,y" };
        for (int i = 0; i < 12; i++)
            lines.Add(i == 2 ? "?,1,5" : i == 5 ? $"{i},,7" : $"{i * 1.5},{i % 3},{i + 1}");
        var t = CsvTable.Read(Write("m.csv", string.Join('\n', lines)));
        Assert.True(double.IsNaN(t.Values[2 * 3]));
        var data = TabularPreprocessing.Apply("m", "m.csv", t.Values, t.Rows, t.ColumnNames, "y", TargetTransform.Log);
        Assert.Equal(10, data.Rows);
        Assert.Equal(["x"], data.FeatureNames); // 'few' dropped; x has 10 distinct values left
        Assert.Equal(Math.Log(1), data.Target[0], 15);
        Assert.Equal(Math.Log(12), data.Target[9], 15);
    }

    [Fact]
    public void LogOfNonPositiveTargetIsAnError()
    {
        var ex = Assert.Throws<InvalidDataException>(() =>
            TabularPreprocessing.Apply("z", "z.csv", [1, 0, 2, 3], 2, ["x", "y"], "y", TargetTransform.Log));
        Assert.Contains("z.csv", ex.Message);
        Assert.Equal(Math.Log(1 + 0.0), TabularPreprocessing.Apply("z", "z.csv", [1, 0, 2, 3], 2, ["x", "y"], "y", TargetTransform.Log1p).Target[0]);
    }

    [Fact]
    public void ChecksumMismatchNamesTheFile()
    {
        string path = Write("tampered.csv", "a,y\n1,2\n");
        Assert.Equal(64, FileIntegrity.Sha256Hex(path).Length);
        var ex = Assert.Throws<InvalidDataException>(() => FileIntegrity.VerifySha256(path, new string('0', 64)));
        Assert.Contains("tampered.csv", ex.Message);
        FileIntegrity.VerifySha256(path, FileIntegrity.Sha256Hex(path)); // matching digest passes
        // Known vector: sha256("abc").
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", FileIntegrity.Sha256Hex(Write("abc.txt", "abc")));
    }

    [Fact]
    public void SuiteLoaderVerifiesTheChecksumBeforeParsing()
    {
        Write("houses_cal_housing.csv", "longitude,median_house_value\n1,2\n");
        var ex = Assert.Throws<InvalidDataException>(() => TabularSuite.Load(TabularBenchmark.Houses, _dir));
        Assert.Contains("houses_cal_housing.csv", ex.Message);
        Assert.Contains("Checksum", ex.Message);
    }
}
