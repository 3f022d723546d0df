using Telescope.Data;
using Xunit;

namespace Telescope.Tests.Data;

public sealed class Cifar10ReaderTests : IDisposable
{
    private readonly DataFixtures _files = new();
    private static readonly ChecksumTable NoKnownFiles = new([]);

    public void Dispose() => _files.Dispose();

    [Fact]
    public void ReadsRecordsInChwOrder_GzipAndPlainAlike()
    {
        var records = DataFixtures.CifarRecords(3, 9, 0);
        var plain = Cifar10Reader.Read(_files.Write("x.bin", records), checksums: NoKnownFiles);
        var gz = Cifar10Reader.Read(_files.Write("y.bin", DataFixtures.Gzip(records)), checksums: NoKnownFiles);
        Assert.Equal(plain.Pixels, gz.Pixels);
        Assert.Equal([3, 9, 0], plain.Labels);
        Assert.Equal(new ImageShape(3, 32, 32), plain.Shape);
        // record 1, channel 2 (blue), row 5, column 7 = byte 2·1024 + 5·32 + 7 of its image
        int j = 2 * 1024 + 5 * 32 + 7;
        Assert.Equal(((1 * 13 + j) % 256) / 255f, plain.Pixels[1 * 3072 + j]);
        Assert.Equal("truck", plain.ClassNames![9]);
        Assert.Equal(2, Cifar10Reader.Read(_files.Write("z.bin", records), count: 2, checksums: NoKnownFiles).Count);
    }

    [Fact]
    public void SizeNotAMultipleOfTheRecordIsAnErrorNamingTheFile()
    {
        var path = _files.Write("cut.bin.gz", DataFixtures.Gzip(DataFixtures.CifarRecords(1, 2)[..^1]));
        var e = Assert.Throws<InvalidDataException>(() => Cifar10Reader.Read(path, checksums: NoKnownFiles));
        Assert.Contains(path, e.Message);
        Assert.Contains("3073", e.Message);
    }

    [Fact]
    public void LabelByteAboveNineIsAnError()
    {
        var path = _files.Write("bad.bin", DataFixtures.CifarRecords(1, 12));
        Assert.Contains("record 1", Assert.Throws<InvalidDataException>(() => Cifar10Reader.Read(path, checksums: NoKnownFiles)).Message);
    }
}
