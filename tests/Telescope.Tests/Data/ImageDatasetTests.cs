using Telescope.Data;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Telescope.Tests.Data;

public class ImageDatasetTests
{
    /// <summary>n images of shape; value at flat index j of image i is i·1000 + j (exactly representable).</summary>
    private static ImageDataset Numbered(int n, ImageShape shape, int numClasses = 3)
    {
        var pixels = new float[n * shape.Size];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < shape.Size; j++) pixels[i * shape.Size + j] = i * 1000 + j;
        return new ImageDataset("numbered", shape, pixels, Enumerable.Range(0, n).Select(i => i % numClasses).ToArray(), numClasses);
    }

    [Fact]
    public void AveragePoolMatchesAHandComputation()
    {
        // One 2-channel 4×4 image, pooled by 2. Channel c, row r, column k holds 100c + 10r + k... via explicit values.
        float[] pixels =
        [
            // channel 0
            1, 2, 3, 4,
            5, 6, 7, 8,
            9, 10, 11, 12,
            13, 14, 15, 16,
            // channel 1
            0, 0, 4, 4,
            0, 0, 4, 4,
            1, 3, 0, 8,
            5, 7, 0, 0,
        ];
        var ds = new ImageDataset("t", new ImageShape(2, 4, 4), pixels, [1], 2);
        var pooled = ds.AveragePool(2);
        Assert.Equal(new ImageShape(2, 2, 2), pooled.Shape);
        // channel 0: (1+2+5+6)/4 = 3.5, (3+4+7+8)/4 = 5.5, (9+10+13+14)/4 = 11.5, (11+12+15+16)/4 = 13.5
        // channel 1: 0, 4, (1+3+5+7)/4 = 4, (0+8+0+0)/4 = 2
        Assert.Equal([3.5f, 5.5f, 11.5f, 13.5f, 0f, 4f, 4f, 2f], pooled.Pixels);
        Assert.Equal([1], pooled.Labels);
        Assert.Throws<ArgumentException>(() => ds.AveragePool(3));
    }

    [Fact]
    public void AveragePoolTurnsMnistShapeInto7x7()
    {
        var pooled = Numbered(2, new ImageShape(1, 28, 28)).AveragePool(4);
        Assert.Equal(new ImageShape(1, 7, 7), pooled.Shape);
        // Block (row 1, col 2) of image 1: mean of 1000 + (4+dr)·28 + 8+dc over dr,dc in 0..3 = 1000 + 5.5·28 + 9.5
        Assert.Equal(1000 + 5.5f * 28 + 9.5f, pooled.Pixels[49 + 1 * 7 + 2], 3);
    }

    [Fact]
    public void SubsetTakeSkipAndWhereClassSelectTheRightRows()
    {
        var ds = Numbered(6, new ImageShape(1, 2, 2)); // labels 0,1,2,0,1,2
        var s = ds.Subset([4, 1, 4]);
        Assert.Equal([1, 1, 1], s.Labels);
        Assert.Equal([4000f, 4001f, 4002f, 4003f, 1000f, 1001f, 1002f, 1003f], s.Pixels[..8]);
        Assert.Equal([0, 1], ds.Take(2).Labels);
        Assert.Equal(2000f, ds.Skip(2).Pixels[0]);
        var w = ds.WhereClass(2, 0);
        Assert.Equal([0, 2, 0, 2], w.Labels);
        Assert.Equal([0f, 2000f, 3000f, 5000f], Enumerable.Range(0, 4).Select(i => w.Image(i)[0]));
        Assert.Equal(3, w.NumClasses);
        Assert.Throws<ArgumentOutOfRangeException>(() => ds.WhereClass(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => ds.Subset([6]));
    }

    [Fact]
    public void ClassBalancedTakesFirstOrSeededMembersOfEveryClass()
    {
        var ds = Numbered(30, new ImageShape(1, 1, 1)); // 10 of each of 3 classes
        var first = ds.ClassBalanced(2);
        Assert.Equal([0f, 1, 2, 3, 4, 5], first.Pixels.Select(p => p / 1000)); // examples 0..5, in order
        var seeded = ds.ClassBalanced(4, seed: 9);
        Assert.Equal([4, 4, 4], seeded.ClassCounts());
        Assert.Equal(seeded.Pixels, ds.ClassBalanced(4, seed: 9).Pixels);
        Assert.Equal(seeded.Pixels.Order(), seeded.Pixels); // data set order kept
        Assert.NotEqual(seeded.Pixels, ds.ClassBalanced(4, seed: 10).Pixels);
        Assert.Throws<InvalidOperationException>(() => ds.ClassBalanced(11));
        // after a class filter only the kept classes are balanced
        var pair = ds.WhereClass(0, 2).ClassBalanced(3);
        Assert.Equal([3, 0, 3], pair.ClassCounts());
    }

    [Fact]
    public void ShuffleIsASeededPermutation()
    {
        var ds = Numbered(20, new ImageShape(1, 1, 2));
        var a = ds.Shuffle(5);
        Assert.Equal(a.Pixels, ds.Shuffle(5).Pixels);
        Assert.Equal(ds.Pixels.Order(), a.Pixels.Order());
        Assert.NotEqual(ds.Pixels, a.Pixels);
        for (int i = 0; i < 20; i++) Assert.Equal((int)(a.Image(i)[0] / 1000) % 3, a.Labels[i]); // rows stay intact
    }

    [Fact]
    public void CenteringAndChannelNormalizationUseTheGivenStatistics()
    {
        float[] pixels = [0, 2, 10, 20, /* image 2 */ 4, 6, 30, 40]; // 2 channels of 1×2
        var ds = new ImageDataset("t", new ImageShape(2, 1, 2), pixels, [0, 1], 2);
        Assert.Equal([2f, 4, 20, 30], ds.FeatureMeans());
        Assert.Equal([-2f, -2, -10, -10, 2, 2, 10, 10], ds.CenterFeatures(ds.FeatureMeans()).Pixels);
        var (mean, std) = ds.ChannelStatistics();
        Assert.Equal([3f, 25f], mean);
        Assert.Equal(Math.Sqrt(5), std[0], 5);          // values 0,2,4,6: population variance 5
        Assert.Equal(Math.Sqrt(125), std[1], 4);        // values 10,20,30,40: population variance 125
        var normalized = ds.NormalizeChannels(mean, std);
        Assert.Equal((0 - 3) / Math.Sqrt(5), normalized.Pixels[0], 5);
        Assert.Equal((40 - 25) / Math.Sqrt(125), normalized.Pixels[7], 5);
    }

    [Fact]
    public void TensorsHaveTheRightShapesTypesAndValues()
    {
        var ds = Numbered(3, new ImageShape(2, 2, 3));
        using var flat = ds.ToTensor(ScalarType.Float64, torch.CPU);
        Assert.Equal([3L, 12], flat.shape);
        Assert.Equal(ScalarType.Float64, flat.dtype);
        Assert.Equal(2007.0, flat[2, 7].item<double>());
        using var images = ds.ToImageTensor(ScalarType.Float32, torch.CPU);
        Assert.Equal([3L, 2, 2, 3], images.shape);
        // channel 1, row 0, column 2 of image 1 is flat index 1·6 + 0·3 + 2 = 8
        Assert.Equal(1008f, images[1, 1, 0, 2].item<float>());
        using var oneHot = ds.OneHot(ScalarType.Float32, torch.CPU);
        Assert.Equal([3L, 3], oneHot.shape);
        Assert.Equal(new float[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 }, oneHot.data<float>().ToArray());
        using var labels = ds.LabelsTensor(torch.CPU);
        Assert.Equal(ScalarType.Int64, labels.dtype);
        Assert.Equal(new long[] { 0, 1, 2 }, labels.data<long>().ToArray());
        // the tensor owns a copy: changing it leaves the data set alone
        using (torch.no_grad()) images.zero_();
        Assert.Equal(1008f, ds.Pixels[12 + 8]);
    }

    [Fact]
    public void ConstructorRejectsInconsistentInput()
    {
        Assert.Throws<ArgumentException>(() => new ImageDataset("x", new ImageShape(1, 2, 2), new float[7], [0, 0], 2));
        Assert.Contains("label 5", Assert.Throws<ArgumentException>(() => new ImageDataset("x", new ImageShape(1, 1, 1), new float[1], [5], 2)).Message);
    }

    [Fact]
    public void ConcatKeepsOrder()
    {
        var a = Numbered(2, new ImageShape(1, 1, 1));
        var c = ImageDataset.Concat("c", a, a.Subset([1]));
        Assert.Equal([0f, 1000, 1000], c.Pixels);
        Assert.Equal([0, 1, 1], c.Labels);
    }
}
