using Telescope.Data;
using Xunit;

namespace Telescope.Tests.Data;

public sealed class IdxReaderTests : IDisposable
{
    private readonly DataFixtures _files = new();
    private static readonly ChecksumTable NoKnownFiles = new([]);

    public void Dispose() => _files.Dispose();

    [Fact]
    public void GzipAndPlainFilesGiveIdenticalData_WhateverTheExtension()
    {
        var images = DataFixtures.IdxImages(3, 4, 5);
        var labels = DataFixtures.IdxLabels(7, 0, 9);
        var plain = IdxReader.ReadDataset(_files.Write("a/img", images), _files.Write("a/lbl", labels), "plain", checksums: NoKnownFiles);
        // gzip content behind a misleading plain name, and plain content behind a .gz name
        var gz = IdxReader.ReadDataset(_files.Write("b/img", DataFixtures.Gzip(images)), _files.Write("b/lbl.gz", labels), "gz",
            checksums: NoKnownFiles);
        Assert.Equal(plain.Pixels, gz.Pixels);
        Assert.Equal(plain.Labels, gz.Labels);
        Assert.Equal(new ImageShape(1, 4, 5), plain.Shape);
        Assert.Equal([7, 0, 9], plain.Labels);
        // exact byte → float mapping, pixel j of image i
        Assert.Equal(DataFixtures.PixelByte(2, 13) / 255f, plain.Pixels[2 * 20 + 13]);
    }

    [Fact]
    public void CountTakesThePrefix()
    {
        var ds = IdxReader.ReadDataset(_files.Write("img", DataFixtures.IdxImages(5, 2, 2)),
            _files.Write("lbl", DataFixtures.IdxLabels(1, 2, 3, 4, 5)), "x", count: 2, checksums: NoKnownFiles);
        Assert.Equal(2, ds.Count);
        Assert.Equal([1, 2], ds.Labels);
        Assert.Throws<ArgumentOutOfRangeException>(() => IdxReader.ReadDataset(_files.Write("img2", DataFixtures.IdxImages(5, 2, 2)),
            _files.Write("lbl2", DataFixtures.IdxLabels(1, 2, 3, 4, 5)), "x", count: 6, checksums: NoKnownFiles));
    }

    [Fact]
    public void TruncatedImageFileIsAnErrorNamingTheFile()
    {
        var bytes = DataFixtures.IdxImages(3, 4, 4);
        var path = _files.Write("short-images.gz", DataFixtures.Gzip(bytes[..^5]));
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path, NoKnownFiles));
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void CutGzipStreamIsAnErrorNamingTheFile()
    {
        var gz = DataFixtures.Gzip(DataFixtures.IdxImages(20, 8, 8));
        var path = _files.Write("cut-stream.gz", gz[..(gz.Length / 2)]);
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path, NoKnownFiles));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void TrailingBytesAreAnError()
    {
        var path = _files.Write("long-labels", [.. DataFixtures.IdxLabels(1, 2), 0]);
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(path, NoKnownFiles));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void WrongMagicIsAnErrorNamingTheFileAndBothMagics()
    {
        var path = _files.Write("bad-magic", DataFixtures.IdxImages(1, 2, 2, magic: 0x0803_0000));
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path, NoKnownFiles));
        Assert.Contains(path, e.Message);
        Assert.Contains("0x08030000", e.Message);
        Assert.Contains("0x00000803", e.Message);
        // a label file passed as images is recognised as such
        var labels = _files.Write("labels-as-images", DataFixtures.IdxLabels(1));
        Assert.Contains("label file", Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(labels, NoKnownFiles)).Message);
    }

    [Fact]
    public void ImageLabelCountMismatchIsAnErrorNamingBothFiles()
    {
        var img = _files.Write("img", DataFixtures.IdxImages(3, 2, 2));
        var lbl = _files.Write("lbl", DataFixtures.IdxLabels(1, 2));
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadDataset(img, lbl, "x", checksums: NoKnownFiles));
        Assert.Contains(img, e.Message);
        Assert.Contains(lbl, e.Message);
        Assert.Contains("3 images", e.Message);
        Assert.Contains("2 labels", e.Message);
    }

    [Fact]
    public void LabelAboveTheClassCountIsAnError()
    {
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadDataset(_files.Write("img", DataFixtures.IdxImages(1, 2, 2)),
            _files.Write("lbl", DataFixtures.IdxLabels(10)), "x", checksums: NoKnownFiles));
        Assert.Contains("label 10", e.Message);
    }
}
