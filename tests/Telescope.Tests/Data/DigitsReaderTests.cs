using System.Text;
using Telescope.Data;
using Xunit;

namespace Telescope.Tests.Data;

public sealed class DigitsReaderTests : IDisposable
{
    private readonly DataFixtures _files = new();
    private static readonly ChecksumTable NoKnownFiles = new([]);

    public void Dispose() => _files.Dispose();

    private static string Line(int label, int fill) => string.Join(",", Enumerable.Repeat(fill, 64).Append(label));

    [Fact]
    public void ReadsPixelsScaledBySixteenAndTheLastColumnAsLabel()
    {
        var text = Line(3, 16) + "\n" + Line(7, 4) + "\r\n";
        var ds = DigitsReader.Read(_files.Write("d.csv.gz", DataFixtures.Gzip(Encoding.UTF8.GetBytes(text))), checksums: NoKnownFiles);
        Assert.Equal([3, 7], ds.Labels);
        Assert.Equal(new ImageShape(1, 8, 8), ds.Shape);
        Assert.All(ds.Image(0).ToArray(), v => Assert.Equal(1f, v));
        Assert.All(ds.Image(1).ToArray(), v => Assert.Equal(0.25f, v));
    }

    [Fact]
    public void WrongFieldCountOrRangeIsAnErrorNamingFileAndLine()
    {
        var path = _files.Write("d.csv", Encoding.UTF8.GetBytes(Line(1, 0) + "\n1,2,3\n"));
        var e = Assert.Throws<InvalidDataException>(() => DigitsReader.Read(path, checksums: NoKnownFiles));
        Assert.Contains(path, e.Message);
        Assert.Contains("line 2", e.Message);
        var big = _files.Write("e.csv", Encoding.UTF8.GetBytes(Line(1, 17)));
        Assert.Contains("0–16", Assert.Throws<InvalidDataException>(() => DigitsReader.Read(big, checksums: NoKnownFiles)).Message);
    }
}
