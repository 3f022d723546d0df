using Telescope.Data;
using Xunit;

namespace Telescope.Tests.Data;

/// <summary>The published data files, read from TELESCOPE_DATA (skipped when it is unset).</summary>
[Trait("Category", "RealData")]
public class RealDataTests
{
    private static DataFolder Folder => RealDataFactAttribute.Folder;

    [RealDataFact]
    public void MnistTrainSubsetHasTheKnownFirstLabelsShapeAndRange()
    {
        var train = MnistData.Load(Folder, DataSplit.Train);
        Assert.Equal(10000, train.Count);
        Assert.Equal(new ImageShape(1, 28, 28), train.Shape);
        Assert.Equal([5, 0, 4, 1, 9, 2, 1, 3, 1, 4], train.Labels[..10]);
        Assert.Equal(0f, train.Pixels.Min());
        Assert.Equal(1f, train.Pixels.Max());
        // Every pixel is k/255 for an integer k (the data are bytes).
        Assert.All(train.Pixels[..784], v => Assert.Equal(Math.Round(v * 255), v * 255, 3));
        Assert.Equal(10, train.ClassCounts().Count(c => c > 800));
    }

    [RealDataFact]
    public void MnistTestSetAndTheAllLabelsFileAgree()
    {
        var test = MnistData.Load(Folder, DataSplit.Test, count: 500);
        Assert.Equal(500, test.Count);
        Assert.Equal([7, 2, 1, 0, 4], test.Labels[..5]);
        // The 60000-label file starts with the labels of the 10k training subset.
        var all = IdxReader.ReadLabels(Folder.Combine("mnist", "train-labels-idx1-ubyte.gz"));
        var subset = IdxReader.ReadLabels(Folder.Combine("mnist", "train-10k-labels-idx1-ubyte.gz"));
        Assert.Equal(60000, all.Length);
        Assert.Equal(subset, all[..10000]);
    }

    [RealDataFact]
    public void CifarFilesAreClassInterleavedAndScaled()
    {
        var train = Cifar10Data.Load(Folder, DataSplit.Train);
        Assert.Equal(10000, train.Count);
        Assert.Equal(new ImageShape(3, 32, 32), train.Shape);
        Assert.True(train.Labels.Select((label, i) => label == i % 10).All(ok => ok), "Records must cycle through classes 0..9.");
        Assert.Equal(Enumerable.Repeat(1000, 10), train.ClassCounts());
        Assert.InRange(train.Pixels.Min(), 0f, 0.01f);
        Assert.InRange(train.Pixels.Max(), 0.99f, 1f);
        // Channel means of CIFAR-10 are ≈ (0.491, 0.482, 0.447); the README says these match to 1e-4 (we allow 0.01).
        var (mean, _) = train.ChannelStatistics();
        Assert.Equal(0.491, mean[0], 0.01);
        Assert.Equal(0.482, mean[1], 0.01);
        Assert.Equal(0.447, mean[2], 0.01);
        var test = Cifar10Data.Load(Folder, DataSplit.Test, count: 30);
        Assert.Equal(Enumerable.Range(0, 30).Select(i => i % 10), test.Labels);
    }

    [RealDataFact]
    public void DigitsHave1797ExamplesOf8x8()
    {
        var digits = DigitsReader.Load(Folder);
        Assert.Equal(1797, digits.Count);
        Assert.Equal(new ImageShape(1, 8, 8), digits.Shape);
        Assert.Equal([0, 1, 2], digits.Labels[..3]);
        Assert.Equal(1f, digits.Pixels.Max());
        Assert.Equal(5 / 16f, digits.Pixels[2]); // first row of the first digit is 0,0,5,13,9,1,0,0
    }

    [RealDataFact]
    public void EveryKnownFileInTheFolderVerifies()
    {
        foreach (var known in KnownDataFiles.All)
        {
            var path = Folder.Combine(known.RelativePath);
            if (File.Exists(path)) KnownDataFiles.Table.Verify(path); // throws on a mismatch
        }
    }

    [RealDataFact]
    public void GunzippedAndRecompressedCopiesOfAKnownFileVerifyButAlteredOnesDoNot()
    {
        using var files = new DataFixtures();
        var path = Folder.Combine("mnist", "t10k-labels-idx1-ubyte.gz");
        var original = File.ReadAllBytes(path);
        var content = KnownDataFiles.Table.ReadPayload(path);
        // The uncompressed content is the official t10k-labels-idx1-ubyte (its published sha256 is in the table),
        // so a gunzipped copy under the official plain name and a re-compressed copy both verify…
        Assert.Equal(10000, IdxReader.ReadLabels(files.Write("plain/t10k-labels-idx1-ubyte", content)).Length);
        Assert.Equal(10000, IdxReader.ReadLabels(files.Write("regz/t10k-labels-idx1-ubyte.gz", DataFixtures.Gzip(content))).Length);
        // …while a changed label or a truncated download does not.
        var altered = (byte[])content.Clone();
        altered[^1] ^= 1;
        Assert.Throws<DataChecksumException>(() => IdxReader.ReadLabels(files.Write("alt/t10k-labels-idx1-ubyte", altered)));
        var cut = files.Write("cut/t10k-labels-idx1-ubyte.gz", original[..^100]);
        Assert.Contains(cut, Assert.Throws<DataChecksumException>(() => IdxReader.ReadLabels(cut)).Message);
    }

    [RealDataFact]
    public void DoubleDescentInputsPoolTo7x7WithPlusMinusOneTargets()
    {
        var task = BinaryTask.Create(MnistData.Load(Folder, DataSplit.Train, 1000).AveragePool(4), 3, 5).WithLabelNoise(0.2, 0);
        Assert.Equal(new ImageShape(1, 7, 7), task.Data.Shape);
        Assert.Equal(LabelNoise.FlipCount(task.Count, 0.2), task.FlippedIndices.Length);
        Assert.All(task.Targets, t => Assert.True(t is 1.0 or -1.0));
    }
}
