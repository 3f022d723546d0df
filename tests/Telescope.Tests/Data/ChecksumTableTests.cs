using System.Security.Cryptography;
using Telescope.Data;
using Xunit;

namespace Telescope.Tests.Data;

public sealed class ChecksumTableTests : IDisposable
{
    private readonly DataFixtures _files = new();

    public void Dispose() => _files.Dispose();

    private static string Sha(byte[] b) => Convert.ToHexStringLower(SHA256.HashData(b));

    [Fact]
    public void KnownFileWithMatchingContentVerifies_AndSoDoRecompressedAndPlainCopies()
    {
        var content = DataFixtures.IdxLabels(1, 2, 3);
        var gz = DataFixtures.Gzip(content);
        var table = new ChecksumTable([new KnownDataFile("mnist/fixture-labels.gz", "fixture", [Sha(gz)], Sha(content))]);
        Assert.Equal(content, table.ReadPayload(_files.Write("a/fixture-labels.gz", gz)));
        // another gzip of the same content (different bytes) and the gunzipped file under the name without .gz
        var regz = DataFixtures.Gzip([.. content]);
        regz[4] ^= 0x01; // change the gzip header's mtime field: other file bytes, same content
        Assert.NotEqual(Sha(gz), Sha(regz));
        Assert.Equal(content, table.ReadPayload(_files.Write("b/fixture-labels.gz", regz)));
        Assert.Equal(content, table.ReadPayload(_files.Write("c/fixture-labels", content)));
    }

    [Fact]
    public void KnownFileWithOtherContentFailsNamingFileExpectedAndActualDigests()
    {
        var good = DataFixtures.Gzip(DataFixtures.IdxLabels(1, 2, 3));
        var table = new ChecksumTable([new KnownDataFile("mnist/fixture-labels.gz", "fixture", [Sha(good)], Sha(DataFixtures.IdxLabels(1, 2, 3)))]);
        var bad = DataFixtures.Gzip(DataFixtures.IdxLabels(1, 2, 4));
        var path = _files.Write("fixture-labels.gz", bad);
        var e = Assert.Throws<DataChecksumException>(() => table.ReadPayload(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(Sha(good), e.Message);
        Assert.Contains(Sha(bad), e.Message);
        Assert.Contains("re-download", e.Message);
        Assert.Equal(Sha(bad), e.ActualSha256);
    }

    [Fact]
    public void ARealKnownNameWithWrongContentFailsInTheDefaultTable()
    {
        // A structurally valid IDX label file that is not the published one.
        var path = _files.Write("mnist/t10k-labels-idx1-ubyte.gz", DataFixtures.Gzip(DataFixtures.IdxLabels(7, 2, 1)));
        var e = Assert.Throws<DataChecksumException>(() => IdxReader.ReadLabels(path));
        Assert.Contains("fc607395669ec21321ea83e4b82c0544b7e8e63ff5b34337c06bc0a17cc0da3c", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void UnknownNamesAreAcceptedWithoutChecksum()
    {
        var content = DataFixtures.IdxLabels(5);
        Assert.Equal(content, KnownDataFiles.Table.ReadPayload(_files.Write("my-own-labels-idx1-ubyte", content)));
        Assert.Null(KnownDataFiles.Table.Find("train-images.idx3-ubyte"));
    }

    [Fact]
    public void VerdictIsCachedUntilTheFileChanges()
    {
        var content = DataFixtures.IdxLabels(1);
        var table = new ChecksumTable([new KnownDataFile("x/cached.bin", "fixture", [Sha(content)])]);
        var path = _files.Write("cached.bin", content);
        table.Verify(path);
        table.Verify(path); // cached: no exception, no re-hash needed
        var other = DataFixtures.IdxLabels(2);
        File.WriteAllBytes(path, other);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(1));
        Assert.Throws<DataChecksumException>(() => table.Verify(path));
    }

    [Fact]
    public void TheTableCoversEveryFileOfTheDataReadme()
    {
        string[] names =
        [
            "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "train-10k-images-idx3-ubyte.gz",
            "train-10k-labels-idx1-ubyte.gz", "train-labels-idx1-ubyte.gz", "cifar10-train-10k.bin.gz",
            "cifar10-test-10k.bin.gz", "houses_cal_housing.csv", "cpu_act.csv", "house_16h.csv", "winequality-red.csv",
            "winequality-white.csv", "winequality.names", "elevators.csv", "ailerons.csv", "miami-housing.csv",
            "diamonds.csv", "pole_telecomm.csv", "sklearn-digits.csv.gz",
        ];
        foreach (var n in names) Assert.NotNull(KnownDataFiles.Table.Find(n));
        Assert.All(KnownDataFiles.All, k => Assert.All(k.FileSha256, s => Assert.Matches("^[0-9a-f]{64}$", s)));
    }
}
