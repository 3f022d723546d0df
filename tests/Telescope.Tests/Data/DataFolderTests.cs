using Telescope.Data;
using Xunit;

namespace Telescope.Tests.Data;

public sealed class DataFolderTests : IDisposable
{
    private readonly DataFixtures _files = new();

    public void Dispose() => _files.Dispose();

    private static Func<string, string?> Env(string? value) => name => name == "TELESCOPE_DATA" ? value : null;

    [Fact]
    public void ExplicitPathWinsOverTheEnvironment()
    {
        var other = Directory.CreateDirectory(Path.Combine(_files.Root, "other")).FullName;
        var folder = DataFolder.Locate(_files.Root, Env(other))!;
        Assert.Equal(Path.GetFullPath(_files.Root), folder.Path);
        Assert.Equal(DataFolderSource.Explicit, folder.Source);
        var fromEnv = DataFolder.Locate(null, Env(other))!;
        Assert.Equal(other, fromEnv.Path);
        Assert.Equal(DataFolderSource.EnvironmentVariable, fromEnv.Source);
    }

    [Fact]
    public void NothingGivenMeansNoFolder_AndRequireExplainsWhatToDo()
    {
        Assert.Null(DataFolder.Locate(null, Env(null)));
        Assert.Null(DataFolder.Locate("  ", Env("")));
        var e = Assert.Throws<DirectoryNotFoundException>(() => DataFolder.Require(null, Env(null)));
        Assert.Contains("TELESCOPE_DATA", e.Message);
        Assert.Contains("--data", e.Message);
    }

    [Fact]
    public void MissingFolderMessageNamesThePathAndTheRemedies()
    {
        var missing = Path.Combine(_files.Root, "no-such-folder");
        foreach (var locate in new Func<DataFolder?>[] { () => DataFolder.Locate(missing, Env(null)), () => DataFolder.Locate(null, Env(missing)) })
        {
            var e = Assert.Throws<DirectoryNotFoundException>(locate);
            Assert.Contains(missing, e.Message);
            Assert.Contains("TELESCOPE_DATA", e.Message);
            Assert.Contains("--data", e.Message);
            Assert.Contains("synthetic", e.Message);
        }
    }

    [Fact]
    public void MissingMnistFilesMessageSaysWhereItLooked()
    {
        var folder = DataFolder.Open(_files.Root);
        var e = Assert.Throws<FileNotFoundException>(() => MnistData.Load(folder, DataSplit.Test));
        Assert.Contains(Path.Combine(_files.Root, "mnist"), e.Message);
        Assert.Contains("t10k-images-idx3-ubyte", e.Message);
        Assert.Throws<FileNotFoundException>(() => Cifar10Data.Load(folder, DataSplit.Train));
    }

    [Fact]
    public void WithoutAFolderMnistFallsBackToSyntheticData()
    {
        var ds = MnistData.LoadOrSynthetic(null, DataSplit.Test, 50);
        Assert.Equal("synthetic-test", ds.Name);
        Assert.Equal(new ImageShape(1, 28, 28), ds.Shape);
        Assert.Throws<FileNotFoundException>(() => MnistData.LoadOrSynthetic(DataFolder.Open(_files.Root), DataSplit.Test, 50));
    }

    [Fact]
    public void MnistLoaderPairsFilesAndPrefersTheFullOfficialSet()
    {
        var folder = DataFolder.Open(_files.Root);
        _files.Write("mnist/train-10k-images-idx3-ubyte.gz", DataFixtures.Gzip(DataFixtures.IdxImages(2, 28, 28)));
        _files.Write("mnist/train-10k-labels-idx1-ubyte.gz", DataFixtures.Gzip(DataFixtures.IdxLabels(4, 5)));
        // Not the published file, so the default table would reject it: use a table without entries.
        var none = new ChecksumTable([]);
        Assert.Equal([4, 5], MnistData.Load(folder, DataSplit.Train, checksums: none).Labels);
        var tooMany = Assert.Throws<ArgumentOutOfRangeException>(() => MnistData.Load(folder, DataSplit.Train, 3, none));
        Assert.Contains("train-images-idx3-ubyte.gz", tooMany.Message);
        // an official (here: fake, plain) full pair takes precedence
        _files.Write("mnist/train-images-idx3-ubyte", DataFixtures.IdxImages(3, 28, 28));
        _files.Write("mnist/train-labels-idx1-ubyte", DataFixtures.IdxLabels(1, 2, 3));
        Assert.Equal([1, 2, 3], MnistData.Load(folder, DataSplit.Train, checksums: none).Labels);
        File.Delete(Path.Combine(_files.Root, "mnist/train-labels-idx1-ubyte"));
        Assert.Contains("labels", Assert.Throws<FileNotFoundException>(() => MnistData.FindFiles(folder, DataSplit.Train)).Message);
    }

    [Fact]
    public void CifarLoaderConcatenatesOfficialBatches()
    {
        var folder = DataFolder.Open(_files.Root);
        for (int b = 1; b <= 5; b++)
            _files.Write($"cifar10/cifar-10-batches-bin/data_batch_{b}.bin", DataFixtures.CifarRecords((byte)b, (byte)(b + 1)));
        var none = new ChecksumTable([]);
        var all = Cifar10Data.Load(folder, DataSplit.Train, checksums: none);
        Assert.Equal([1, 2, 2, 3, 3, 4, 4, 5, 5, 6], all.Labels);
        Assert.Equal([1, 2, 2], Cifar10Data.Load(folder, DataSplit.Train, 3, none).Labels);
        Assert.Throws<ArgumentOutOfRangeException>(() => Cifar10Data.Load(folder, DataSplit.Train, 11, none));
    }
}
