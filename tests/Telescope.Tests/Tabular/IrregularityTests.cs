using Telescope.Data;
using Telescope.Data.Tabular;
using Xunit;

namespace Telescope.Tests.Tabular;

/// <summary>Irregularity scores against closed-form computations; pools and T_π composition.</summary>
public class IrregularityTests
{
    // Four training points in 2-D: mean (1, 1); deviations (−1,−1), (1,1), (−1,0), (1,0);
    // unbiased covariance [[4/3, 2/3], [2/3, 2/3]].
    private static readonly double[] Train = [0, 0, 2, 2, 0, 1, 2, 1];

    [Fact]
    public void MahalanobisMatchesTheClosedForm2x2Inverse()
    {
        var score = IrregularityScore.Fit(Train, 4, 2);
        double[] query = [3, 1, 1, 1, -1, 2];
        double[] got = score.Score(query, 3);
        // Σ + εI = [[a, b], [b, c]], a = 4/3 + ε, b = 2/3, c = 2/3 + ε; (Σ + εI)⁻¹ = [[c, −b], [−b, a]] / (ac − b²).
        double a = 4.0 / 3 + 1e-6, b = 2.0 / 3, c = 2.0 / 3 + 1e-6, det = a * c - b * b;
        for (int j = 0; j < 3; j++)
        {
            double u = query[2 * j] - 1, v = query[2 * j + 1] - 1;
            double expected = Math.Sqrt((c * u * u - 2 * b * u * v + a * v * v) / det);
            Assert.Equal(expected, got[j], 1e-12);
        }
        Assert.Equal(0.0, got[1], 1e-15); // the mean itself
    }

    [Fact]
    public void MahalanobisOfTrainingRowsSatisfiesTheTraceIdentity()
    {
        // Σ_i (x_i−μ)ᵀ Σ⁻¹ (x_i−μ) = tr(Σ⁻¹ · (n−1)Σ) = (n−1)·d for the unbiased covariance. The ridge lowers it by
        // ≈ (n−1)·1e-6·tr(Σ⁻¹) ≈ 2.5e-3 here, hence the tolerance 1e-2.
        var rng = new SplitMix64(5);
        int n = 200, d = 4;
        var x = new double[n * d];
        for (int i = 0; i < n; i++)
        {
            double common = rng.NextGaussian();
            for (int c = 0; c < d; c++) x[i * d + c] = common * (c + 1) + rng.NextGaussian() * 0.5 + c;
        }
        var s = IrregularityScore.Fit(x, n, d).Score(x, n);
        Assert.Equal((n - 1) * d, s.Sum(v => v * v), 1e-2);
    }

    [Fact]
    public void CholeskyReproducesTheMatrixAndRejectsIndefiniteInput()
    {
        double[] m = [4, 2, 0.4, 2, 5, 1, 0.4, 1, 3];
        var l = Cholesky.Factor(m, 3).Lower.ToArray();
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
            {
                double s = 0;
                for (int k = 0; k < 3; k++) s += l[i * 3 + k] * l[j * 3 + k];
                Assert.Equal(m[i * 3 + j], s, 1e-14);
            }
        Assert.Throws<ArgumentException>(() => Cholesky.Factor([1, 2, 2, 1], 2));
    }

    [Fact]
    public void NearestNeighbourScoreIsTheMeanDistanceToTheKNearest()
    {
        var score = IrregularityScore.Fit(Train, 4, 2, IrregularityMethod.NearestNeighbours, neighbours: 2);
        double[] got = score.Score([0, 0, 10, 0], 2);
        Assert.Equal((0 + 1) / 2.0, got[0], 15);                                  // itself and (0,1)
        Assert.Equal((Math.Sqrt(64 + 1) + Math.Sqrt(64 + 4)) / 2, got[1], 12);  // (2,1) and (2,2)
        Assert.Throws<ArgumentOutOfRangeException>(() => IrregularityScore.Fit(Train, 4, 2, IrregularityMethod.NearestNeighbours, neighbours: 5));
        Assert.Equal(IrregularityScore.DefaultNeighbours, IrregularityScore.Fit(new double[40], 20, 2, IrregularityMethod.NearestNeighbours).Neighbours);
    }

    [Fact]
    public void PoolsTakeTheTopTenPercentByScore()
    {
        double[] scores = Enumerable.Range(0, 1000).Select(i => (double)((i * 7919) % 1000)).ToArray();
        var pools = IrregularPools.FromScores(scores);
        Assert.Equal(100, pools.Irregular.Length);
        Assert.Equal(900, pools.Regular.Length);
        Assert.Equal(1000, pools.Irregular.Concat(pools.Regular).Distinct().Count());
        double minIrregular = pools.Irregular.Min(i => scores[i]), maxRegular = pools.Regular.Max(i => scores[i]);
        Assert.True(minIrregular > maxRegular);
        Assert.Equal(900.0, pools.Threshold);
        Assert.Equal(2, IrregularPools.FromScores(new double[15]).Irregular.Length); // round(1.5) = 2; ties by index
        Assert.Equal([0, 1], IrregularPools.FromScores(new double[15]).Irregular);
    }

    [Fact]
    public void MixedTestSetsHaveTheRightCompositionAndAreDeterministic()
    {
        double[] scores = Enumerable.Range(0, 1000).Select(i => Math.Sin(i) * i).ToArray();
        var pools = IrregularPools.FromScores(scores);
        var irregular = pools.Irregular.ToHashSet();
        const int m = 75, reps = 3;
        var sets = MixedTestSets.Build(pools, m, reps, seed: 42);
        Assert.Equal(reps * 11, sets.Count);
        foreach (var set in sets)
        {
            int k = (int)Math.Round(set.Pi * 10);
            int expected = (int)Math.Round(k * m / 10.0, MidpointRounding.AwayFromZero); // e.g. π = 0.5 → 37.5 → 38
            Assert.Equal(expected, set.IrregularCount);
            Assert.Equal(m, set.Rows.Length);
            Assert.Equal(m, set.Rows.Distinct().Count());
            Assert.Equal(expected, set.Rows.Count(irregular.Contains));
            Assert.All(set.Rows.Take(expected), r => Assert.Contains(r, irregular));
        }
        Assert.Equal(0, sets[0].IrregularCount);
        Assert.Equal(m, sets[10].IrregularCount);

        var again = MixedTestSets.Build(pools, m, reps, seed: 42);
        Assert.All(Enumerable.Range(0, sets.Count), i => Assert.Equal(sets[i].Rows, again[i].Rows));
        // A set does not depend on R, but does on the seed and the repetition.
        var fewer = MixedTestSets.Build(pools, m, 1, seed: 42);
        Assert.Equal(sets[5].Rows, fewer[5].Rows);
        Assert.NotEqual(sets[5].Rows, sets[16].Rows);
        Assert.NotEqual(sets[5].Rows, MixedTestSets.Build(pools, m, 1, seed: 43)[5].Rows);

        Assert.Throws<ArgumentException>(() => MixedTestSets.Build(pools, 101, 1, 0)); // T_1 needs m ≤ |irregular pool|
    }

    [RealDataFact]
    [Trait("Category", "RealData")]
    public void HousesPoolsAndMixedSetsOnTheRealData()
    {
        var data = TabularSuite.Load(TabularBenchmark.Houses, TabularSuite.DirectoryFromEnvironment()!);
        var split = TrainPoolSplit.Create(data.Rows, 2000, 5000, seed: 1);
        var train = data.Select(split.Train);
        var standardizer = Standardizer.Fit(train);
        var pool = standardizer.Transform(data.Select(split.Pool));
        var scores = IrregularityScore.Fit(standardizer.Transform(train)).Score(pool);
        var pools = IrregularPools.FromScores(scores);
        Assert.Equal(500, pools.Irregular.Length);
        Assert.Equal(4500, pools.Regular.Length);
        // Irregular rows really are far out: their median score exceeds the regular median clearly.
        double Median(IEnumerable<double> v) { var a = v.Order().ToArray(); return a[a.Length / 2]; }
        Assert.True(Median(pools.Irregular.Select(i => scores[i])) > 1.5 * Median(pools.Regular.Select(i => scores[i])));
        Assert.Equal(33, MixedTestSets.Build(pools, 500, 3, seed: 9).Count);
    }
}
