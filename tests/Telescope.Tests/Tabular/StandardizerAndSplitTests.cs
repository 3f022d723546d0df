using Telescope.Data;
using Telescope.Data.Tabular;
using Xunit;

namespace Telescope.Tests.Tabular;

public class StandardizerAndSplitTests
{
    private static TabularDataset Small() => new("s", [1, 10, 2, 20, 3, 30, 4, 40], 4, 2, [5, 6, 7, 8], ["a", "b"], "y");

    [Fact]
    public void StandardizerUsesTrainingStatisticsOnly()
    {
        var data = Small();
        var train = data.Select([0, 1, 2]);
        var s = Standardizer.Fit(train);
        Assert.Equal(2.0, s.FeatureMean[0], 15);
        Assert.Equal(Math.Sqrt(2.0 / 3.0), s.FeatureStd[0], 15); // population std of 1,2,3
        Assert.Equal(6.0, s.TargetMean, 15);
        var z = s.Transform(data);
        Assert.Equal((4 - 2.0) / Math.Sqrt(2.0 / 3.0), z[3, 0], 12); // the held-out row uses the training statistics
        Assert.Equal((8 - 6.0) / Math.Sqrt(2.0 / 3.0), z.Target[3], 12);
        Assert.Equal(8.0, s.InverseTarget(z.Target[3]), 12);
        var zt = s.Transform(train);
        Assert.Equal(0.0, Enumerable.Range(0, 3).Average(i => zt[i, 1]), 14);
        Assert.False(Standardizer.Fit(train, standardizeTarget: false).StandardizesTarget);
    }

    [Fact]
    public void ConstantColumnMapsToZero()
    {
        var d = new TabularDataset("c", [1, 5, 2, 5, 3, 5], 3, 2, [0, 0, 0], ["a", "const"], "y");
        var z = Standardizer.Fit(d).Transform(d);
        Assert.All(Enumerable.Range(0, 3), i => Assert.Equal(0.0, z[i, 1]));
    }

    [Fact]
    public void SplitsAreSeededDisjointAndDeterministic()
    {
        var a = TrainPoolSplit.Create(1000, 300, 500, seed: 7);
        var b = TrainPoolSplit.Create(1000, 300, 500, seed: 7);
        var c = TrainPoolSplit.Create(1000, 300, 500, seed: 8);
        Assert.Equal(a.Train, b.Train);
        Assert.Equal(a.Pool, b.Pool);
        Assert.NotEqual(a.Train, c.Train);
        Assert.Equal(300, a.Train.Length);
        Assert.Equal(500, a.Pool.Length);
        Assert.Empty(a.Train.Intersect(a.Pool));
        Assert.Equal(800, a.Train.Concat(a.Pool).Distinct().Count());
        Assert.Equal(700, TrainPoolSplit.Create(1000, 300, null, 1).Pool.Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => TrainPoolSplit.Create(10, 8, 5, 1));
    }

    [Fact]
    public void SplitMix64MatchesTheReferenceSequence()
    {
        // Reference outputs of SplitMix64 seeded with 0 (Vigna's splitmix64.c): the generator is a contract.
        var rng = new SplitMix64(0);
        Assert.Equal(0xE220A8397B1DCDAFUL, rng.NextUInt64());
        Assert.Equal(0x6E789E6AA1B965F4UL, rng.NextUInt64());
        Assert.Equal(0x06C45D188009454FUL, rng.NextUInt64());
        var counts = new int[5];
        var r = new SplitMix64(3);
        for (int i = 0; i < 50000; i++) counts[r.NextInt(5)]++;
        Assert.All(counts, k => Assert.InRange(k, 9500, 10500)); // ±5σ-ish of 10000
    }
}
