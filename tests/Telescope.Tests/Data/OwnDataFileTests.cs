using System.Security.Cryptography;
using Telescope.Data;
using Telescope.Data.Tabular;
using Xunit;

namespace Telescope.Tests.Data;

/// <summary>
/// A researcher's own files read by path: every bad case stops with a <see cref="DataFileException"/> naming the
/// file and the line (CSV, 1-based) or record (binary, 0-based); good files load with exactly the values written
/// (pixels byte/255, rows with missing values dropped, log targets) and a provenance record whose sha256 matches
/// an independent hash of the file.
/// </summary>
public sealed class OwnDataFileTests : IDisposable
{
    private readonly DataFixtures _files = new();
    private static readonly ChecksumTable NoKnownFiles = new([]);

    public void Dispose() => _files.Dispose();

    private string Csv(string name, params string[] lines) => _files.Write(name, System.Text.Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n"));

    /// <summary>A well-formed CSV: header x1,x2,id,y and 30 rows with 30 distinct values per column.</summary>
    private static string[] GoodRows(int rows = 30) =>
        ["x1,x2,id,y", .. Enumerable.Range(0, rows).Select(i => $"{i * 0.5},{(i * 7) % 31},{1000 + i},{1 + i * i}")];

    private static OwnCsvOptions Target(string column = "y", TargetTransform t = TargetTransform.None, int minRows = 2) =>
        new(column, t, [], minRows);

    private static DataFileException CsvError(string path, OwnCsvOptions? options = null) =>
        Assert.Throws<DataFileException>(() => OwnCsvFile.Load(path, options ?? Target(), NoKnownFiles));

    [Fact]
    public void AGoodCsvLoadsWithMissingRowsDroppedALogTargetAndItsSha256()
    {
        var lines = GoodRows();
        lines[3] = "1,,1002,5";          // a missing field: this row is dropped
        lines[5] = "2,9,1004,NA";        // a missing target: dropped too
        string path = Csv("mine.csv", lines);
        var (data, record) = OwnCsvFile.Load(path, new OwnCsvOptions("y", TargetTransform.Log, ["id"]), NoKnownFiles);

        Assert.Equal("mine.csv", data.Name);
        Assert.Equal(28, data.Rows);
        Assert.Equal(["x1", "x2"], data.FeatureNames);           // id ignored as asked
        Assert.Equal(Math.Log(1 + 0 * 0), data.Target[0], 15);    // data row 0
        Assert.Equal(Math.Log(1 + 3 * 3), data.Target[2], 15);    // data rows 2 and 4 were dropped: row 3 is third
        Assert.Equal(3 * 0.5, data[2, 0], 15);
        Assert.Equal(Path.GetFullPath(path), record.Path);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))), record.Sha256);
        Assert.Equal(new FileInfo(path).Length, record.Bytes);
        Assert.False(record.IsKnown);
        Assert.Contains("28 complete rows of 30", record.Details);
    }

    [Fact]
    public void AGzippedCsvReadsLikeThePlainOne()
    {
        string plain = Csv("plain.csv", GoodRows());
        string gz = _files.Write("packed.csv.gz", DataFixtures.Gzip(File.ReadAllBytes(plain)));
        var a = OwnCsvFile.Load(plain, Target(), NoKnownFiles).Data;
        var b = OwnCsvFile.Load(gz, Target(), NoKnownFiles).Data;
        Assert.Equal(a.Features.ToArray(), b.Features.ToArray());
        Assert.Equal(a.Target.ToArray(), b.Target.ToArray());
    }

    [Fact]
    public void AStringInANumericColumnNamesTheFileLineAndColumn()
    {
        var lines = GoodRows();
        lines[4] = "1.5,abc,1003,10";
        var e = CsvError(Csv("text.csv", lines));
        Assert.Equal(5, e.Line);
        Assert.Contains("text.csv:5", e.Message);
        Assert.Contains("'x2'", e.Message);
        Assert.Contains("'abc'", e.Message);
    }

    [Fact]
    public void ARaggedRowNamesItsLine()
    {
        var lines = GoodRows();
        lines[7] = "1,2,3";
        var e = CsvError(Csv("ragged.csv", lines));
        Assert.Equal(8, e.Line);
        Assert.Contains("3 fields, expected 4", e.Message);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("nan")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("1e999")]
    public void NaNAndInfinityAreErrorsNotMissingValues(string value)
    {
        var lines = GoodRows();
        lines[10] = $"4.5,{value},1009,82";
        var e = CsvError(Csv("nonfinite.csv", lines));
        Assert.Equal(11, e.Line);
        Assert.Contains("not a finite number", e.Message);
        Assert.Contains("empty field or NA", e.Message);
    }

    [Fact]
    public void AConstantTargetIsAnError()
    {
        string[] lines = ["a,y", .. Enumerable.Range(0, 20).Select(i => $"{i},3.5")];
        var e = CsvError(Csv("constant.csv", lines));
        Assert.Contains("constant.csv", e.Message);
        Assert.Contains("constant: all 20 complete rows hold 3.5", e.Message);
    }

    [Fact]
    public void FewerRowsThanTheRunNeedsNamesTheFileAndTheCounts()
    {
        var e = CsvError(Csv("small.csv", GoodRows(30)), new OwnCsvOptions("y", TargetTransform.None, [], 110, "train_size = 100 needs 110"));
        Assert.Contains("small.csv", e.Message);
        Assert.Contains("30 complete rows", e.Message);
        Assert.Contains("train_size = 100", e.Message);
    }

    [Fact]
    public void AnUnknownTargetColumnListsTheHeader()
    {
        var e = CsvError(Csv("cols.csv", GoodRows()), Target("price"));
        Assert.Equal(1, e.Line);
        Assert.Contains("no column 'price'", e.Message);
        Assert.Contains("x1, x2, id, y", e.Message);
    }

    [Fact]
    public void ANonPositiveTargetUnderALogTransformNamesItsLine()
    {
        var lines = GoodRows();
        lines[6] = "2.5,5,1005,0";
        var e = CsvError(Csv("zero.csv", lines), Target("y", TargetTransform.Log));
        Assert.Equal(7, e.Line);
        Assert.Contains("log target needs positive values", e.Message);
    }

    [Fact]
    public void AMissingFileAndADuplicateHeaderAreNamed()
    {
        var missing = CsvError(Path.Combine(_files.Root, "nope.csv"));
        Assert.Contains("nope.csv", missing.Message);
        Assert.Contains("does not exist", missing.Message);
        var twice = CsvError(Csv("twice.csv", "a,a,y", "1,2,3"));
        Assert.Equal(1, twice.Line);
        Assert.Contains("'a' twice", twice.Message);
    }

    // ---- images -------------------------------------------------------------------------------------

    private (string Images, string Labels) Idx(string name, int count, int rows, int cols, byte[] labels)
        => (_files.Write(name + "-images.idx3", DataFixtures.IdxImages(count, rows, cols)), _files.Write(name + "-labels.idx1", DataFixtures.IdxLabels(labels)));

    private DataFileException ImageError(string images, string? labels, int classes = 10) =>
        Assert.Throws<DataFileException>(() => OwnImageFiles.Load(images, labels, classes, "train", "train", NoKnownFiles));

    [Fact]
    public void AGoodIdxPairLoadsBytesOver255AndRecordsBothFiles()
    {
        var (images, labels) = Idx("good", 4, 3, 5, [0, 2, 1, 2]);
        var (data, records) = OwnImageFiles.Load(images, labels, 3, "train", "train", NoKnownFiles);
        Assert.Equal(new ImageShape(1, 3, 5), data.Shape);
        Assert.Equal([0, 2, 1, 2], data.Labels);
        Assert.Equal(3, data.NumClasses);
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 15; j++)
                Assert.Equal(DataFixtures.PixelByte(i, j) / 255f, data.Image(i)[j]);
        Assert.Equal(["train images", "train labels"], records.Select(r => r.Role));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(labels))), records[1].Sha256);
        Assert.All(records, r => Assert.False(r.IsKnown));
    }

    /// <summary>IDX float images (big-endian), pixel j of image i = (i·10 + j) / 8 − 1, with an optional bad value.</summary>
    private static byte[] FloatIdx(int count, int rows, int cols, bool doubles, (int Image, int Pixel, double Value)? bad = null)
    {
        int size = doubles ? 8 : 4;
        var bytes = new byte[16 + count * rows * cols * size];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes, doubles ? 0x0E03 : 0x0D03);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), rows);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), cols);
        for (int i = 0; i < count; i++)
            for (int j = 0; j < rows * cols; j++)
            {
                double v = bad is { } b && b.Image == i && b.Pixel == j ? b.Value : (i * 10 + j) / 8.0 - 1;
                var at = bytes.AsSpan(16 + (i * rows * cols + j) * size);
                if (doubles) System.Buffers.Binary.BinaryPrimitives.WriteDoubleBigEndian(at, v);
                else System.Buffers.Binary.BinaryPrimitives.WriteSingleBigEndian(at, (float)v);
            }
        return bytes;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void FloatIdxImagesLoadAsStoredAndANaNNamesItsRecord(bool doubles)
    {
        string labels = _files.Write("f-labels.idx1", DataFixtures.IdxLabels(0, 1, 0));
        string images = _files.Write($"f{doubles}.idx3", FloatIdx(3, 2, 3, doubles));
        var (data, records) = OwnImageFiles.Load(images, labels, 2, "train", "train", NoKnownFiles);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 6; j++)
                Assert.Equal((i * 10 + j) / 8.0 - 1, data.Image(i)[j], 6);   // eighths are exact in float32
        Assert.Contains(doubles ? "float64" : "float32", records[0].Details);

        var e = ImageError(_files.Write($"fnan{doubles}.idx3", FloatIdx(3, 2, 3, doubles, (2, 4, double.NaN))), labels, classes: 2);
        Assert.Equal(2, e.Record);
        Assert.Contains("NaN at pixel 4 of record 2", e.Message);
        var inf = ImageError(_files.Write($"finf{doubles}.idx3", FloatIdx(3, 2, 3, doubles, (1, 0, double.PositiveInfinity))), labels, classes: 2);
        Assert.Equal(1, inf.Record);
    }

    [RealDataFact]
    [Trait("Category", "RealData")]
    public void KnownFilesGivenByPathAreVerifiedAndSayWhichKnownFileTheyAre()
    {
        string mnist = RealDataFactAttribute.Folder.Combine(MnistData.Subfolder);
        var (data, records) = OwnImageFiles.Load(Path.Combine(mnist, "t10k-images-idx3-ubyte.gz"),
            Path.Combine(mnist, "t10k-labels-idx1-ubyte.gz"), 10, "test", "test");
        Assert.Equal(10000, data.Count);
        Assert.Equal(["mnist/t10k-images-idx3-ubyte.gz", "mnist/t10k-labels-idx1-ubyte.gz"], records.Select(r => r.KnownAs));
        // The same bytes under an unknown name are read but not verified.
        string copy = _files.Write("renamed-t10k-labels", File.ReadAllBytes(Path.Combine(mnist, "t10k-labels-idx1-ubyte.gz")));
        var (_, copied) = OwnImageFiles.Load(Path.Combine(mnist, "t10k-images-idx3-ubyte.gz"), copy, 10, "test", "test");
        Assert.Null(copied[1].KnownAs);
        Assert.Equal(records[1].Sha256, copied[1].Sha256);
    }

    [Fact]
    public void AWrongIdxMagicNumberNamesTheFile()
    {
        var (_, labels) = Idx("magic", 2, 2, 2, [0, 1]);
        string images = _files.Write("magic-bad.idx3", DataFixtures.IdxImages(2, 2, 2, magic: 0x0A03));
        var e = ImageError(images, labels);
        Assert.Contains("magic-bad.idx3", e.Message);
        Assert.Contains("magic number 0x00000A03", e.Message);
        // Image and label files swapped: the magic says which is which.
        Assert.Contains("label file", ImageError(labels, images).Message);
    }

    [Fact]
    public void ARecordCountThatDoesNotMatchTheFileSizeNamesTheRecord()
    {
        var (images, labels) = Idx("count", 5, 4, 4, [0, 1, 2, 3, 4]);
        string truncated = _files.Write("cut.idx3", File.ReadAllBytes(images)[..^10]);
        var e = ImageError(truncated, labels);
        Assert.Equal(4, e.Record);
        Assert.Contains("cut.idx3", e.Message);
        Assert.Contains("record 4 is incomplete", e.Message);

        string longer = _files.Write("long.idx1", [.. File.ReadAllBytes(labels), 7, 7]);
        var extra = ImageError(images, longer);
        Assert.Equal(5, extra.Record);
        Assert.Contains("long.idx1", extra.Message);
        Assert.Contains("2 bytes after the 5 labels", extra.Message);
    }

    [Fact]
    public void ALabelOutOfRangeNamesTheRecordAndSuggestsNumClasses()
    {
        var (images, labels) = Idx("range", 4, 2, 2, [0, 1, 5, 1]);
        var e = ImageError(images, labels, classes: 3);
        Assert.Equal(2, e.Record);
        Assert.Contains("range-labels.idx1", e.Message);
        Assert.Contains("label 5 is outside 0..2", e.Message);
        Assert.Contains("num_classes=6", e.Hint);
    }

    [Fact]
    public void ImageAndLabelFilesOfDifferentLengthsNameBoth()
    {
        var (images, _) = Idx("pair", 4, 2, 2, [0, 1, 2, 3]);
        string labels = _files.Write("three.idx1", DataFixtures.IdxLabels(0, 1, 2));
        var e = ImageError(images, labels);
        Assert.Contains("three.idx1", e.Message);
        Assert.Contains("pair-images.idx3", e.Message);
    }

    [Fact]
    public void CifarFilesLoadAndTheirBadSizesAndLabelsAreNamed()
    {
        string good = _files.Write("batch.bin", DataFixtures.CifarRecords(3, 9, 0));
        var (data, records) = OwnImageFiles.Load(good, null, 10, "train", "train", NoKnownFiles);
        Assert.Equal([3, 9, 0], data.Labels);
        Assert.Equal(((1 * 13 + 5) % 256) / 255f, data.Image(1)[5]);
        Assert.Single(records);

        string ragged = _files.Write("ragged.bin", [.. DataFixtures.CifarRecords(1, 2), 1, 2, 3]);
        var size = ImageError(ragged, null);
        Assert.Equal(2, size.Record);
        Assert.Contains("ragged.bin", size.Message);
        Assert.Contains("not a multiple of the 3073-byte record", size.Message);

        string label = _files.Write("label.bin", DataFixtures.CifarRecords(1, 2, 10, 4));
        var range = ImageError(label, "");
        Assert.Equal(2, range.Record);
        Assert.Contains("label byte 10 in record 2", range.Message);
    }
}
