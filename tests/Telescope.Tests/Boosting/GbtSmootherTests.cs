using Xunit;
using Telescope.Boosting;
using Xunit.Abstractions;

namespace Telescope.Tests.Boosting;

/// <summary>
/// The smoother recursion S_b = S_{b−1} + η L_b (I − S_{b−1}) checked against LightGBM's own raw-score
/// predictions — an independent computation (LightGBM never sees the smoother).
/// </summary>
public class GbtSmootherTests(ITestOutputHelper output)
{
    private const int N = 300, M = 120, D = 5;
    private const double Tolerance = 1e-8; // absolute, targets are O(1)
    // LightGBM computes each gradient fl32(f(x_i) − y_i) in float32 (score_t = float), so its leaf values carry a
    // rounding of up to 2⁻²⁴·|residual| that no linear smoother can reproduce. With large steps (η ≥ 0.2) and tiny
    // leaves (min_data_in_leaf = 1) this floor reaches a few 1e-8; the emulation test below shows it is exactly that rounding.
    private const double AggressiveTolerance = 1e-7;

    public static TheoryData<bool, int, double, int, double, bool, int> TypicalSettings => new()
    {
        // boostFromAverage, numLeaves, learningRate, minDataInLeaf, featureFraction, extraTrees, rounds
        { true, 31, 0.1, 20, 1.0, false, 60 },
        { false, 31, 0.1, 20, 1.0, false, 60 },
        { false, 7, 0.1, 5, 1.0, false, 40 },
        { true, 15, 0.05, 10, 0.6, false, 80 },
        { true, 8, 0.1, 3, 1.0, true, 40 },
        { false, 4, 0.1, 2, 0.8, true, 30 },
    };

    public static TheoryData<bool, int, double, int, double, bool, int> AggressiveSettings => new()
    {
        { false, 7, 0.3, 5, 1.0, false, 40 },
        { true, 8, 0.2, 3, 1.0, true, 40 },
        { false, 4, 1.0, 1, 0.8, true, 30 },
        { true, 63, 0.5, 2, 1.0, false, 25 },
        { false, 4, 0.1, 1, 0.8, true, 30 }, // single-row leaves: no averaging of the float32 roundings
    };

    [Theory]
    [MemberData(nameof(TypicalSettings))]
    public void SmootherTimesLabelsReproducesLightGbmRawScores(bool boostFromAverage, int numLeaves, double learningRate,
        int minDataInLeaf, double featureFraction, bool extraTrees, int rounds)
        => CheckAgainstLightGbm(boostFromAverage, numLeaves, learningRate, minDataInLeaf, featureFraction, extraTrees, rounds, Tolerance);

    [Theory]
    [MemberData(nameof(AggressiveSettings))]
    public void SmootherTimesLabelsReproducesLightGbmWithLargeStepsUpToFloat32GradientRounding(bool boostFromAverage, int numLeaves,
        double learningRate, int minDataInLeaf, double featureFraction, bool extraTrees, int rounds)
        => CheckAgainstLightGbm(boostFromAverage, numLeaves, learningRate, minDataInLeaf, featureFraction, extraTrees, rounds, AggressiveTolerance);

    private void CheckAgainstLightGbm(bool boostFromAverage, int numLeaves, double learningRate,
        int minDataInLeaf, double featureFraction, bool extraTrees, int rounds, double tolerance)
    {
        var (x, y) = SyntheticRegression.Make(N, D, seed: 11);
        // Query rows: held-out rows from the same law, plus shifted (irregular) rows far from the training data.
        var (xq1, _) = SyntheticRegression.Make(M / 2, D, seed: 12);
        var (xq2, _) = SyntheticRegression.Make(M / 2, D, seed: 13, shift: 3.0);
        double[] xq = [.. xq1, .. xq2];
        var options = new GbtOptions
        {
            BoostFromAverage = boostFromAverage, NumLeaves = numLeaves, LearningRate = learningRate,
            MinDataInLeaf = minDataInLeaf, FeatureFraction = featureFraction, ExtraTrees = extraTrees,
            NumRounds = rounds, Seed = 3,
        };
        using var model = GbtRegressor.Create(x, N, D, y, options);
        int trees = model.Train();
        Assert.Equal(rounds, trees);

        var smoother = GbtSmoother.FromModel(model, xq, M);
        double[] fTrain = smoother.PredictTrain(model.TrainLabels);
        double[] fQuery = smoother.PredictQuery(model.TrainLabels);
        double[] lgbTrain = model.PredictRaw(model.TrainFeatures, N);
        double[] lgbQuery = model.PredictRaw(xq, M);
        double[] lgbTrainScores = model.Booster.TrainingScores();

        double errTrain = MaxAbsDiff(fTrain, lgbTrain), errQuery = MaxAbsDiff(fQuery, lgbQuery);
        double errScores = MaxAbsDiff(fTrain, lgbTrainScores);
        output.WriteLine($"trees={trees} max|S·Y − LightGBM|: train {errTrain:E2}, query {errQuery:E2}, training scores {errScores:E2}");
        Assert.True(errTrain <= tolerance, $"train error {errTrain:E3}");
        Assert.True(errQuery <= tolerance, $"query error {errQuery:E3}");
        Assert.True(errScores <= tolerance, $"training-score error {errScores:E3}");
        // The model is not trivial: predictions actually vary.
        Assert.True(lgbTrain.Max() - lgbTrain.Min() > 0.5);
    }

    [Theory]
    [MemberData(nameof(AggressiveSettings))]
    public void DeviationFromLightGbmIsExactlyItsFloat32GradientRounding(bool boostFromAverage, int numLeaves, double learningRate,
        int minDataInLeaf, double featureFraction, bool extraTrees, int rounds)
    {
        // Independent emulation of LightGBM's arithmetic on the training rows: f ← f + η·mean over the leaf of
        // −fl32(f − y) (float32 gradients, double sums), started from the label mean or 0. It must match LightGBM to
        // double rounding, while the smoother (exact arithmetic) matches the same recursion without the fl32.
        var (x, y) = SyntheticRegression.Make(N, D, seed: 11);
        var options = new GbtOptions
        {
            BoostFromAverage = boostFromAverage, NumLeaves = numLeaves, LearningRate = learningRate,
            MinDataInLeaf = minDataInLeaf, FeatureFraction = featureFraction, ExtraTrees = extraTrees,
            NumRounds = rounds, Seed = 3,
        };
        using var model = GbtRegressor.Create(x, N, D, y, options);
        int trees = model.Train();
        int[] leaves = model.PredictLeafIndices(model.TrainFeatures, N, 0, trees);
        double[] yf = model.TrainLabels;
        double[] emulated = Recursion(yf, leaves, trees, learningRate, boostFromAverage, float32Gradients: true);
        double[] exact = Recursion(yf, leaves, trees, learningRate, boostFromAverage, float32Gradients: false);
        double[] lgb = model.Booster.TrainingScores();
        double[] smoother = GbtSmoother.FromModel(model, [], 0).PredictTrain(yf);

        double errEmulated = MaxAbsDiff(emulated, lgb), errExact = MaxAbsDiff(exact, smoother), gap = MaxAbsDiff(smoother, lgb);
        output.WriteLine($"|fl32 emulation − LightGBM| {errEmulated:E2}; |exact recursion − smoother| {errExact:E2}; |smoother − LightGBM| {gap:E2}");
        // 1e-10: double-rounding differences in the leaf sums can flip one float32 rounding of a tiny residual.
        Assert.True(errEmulated <= 1e-10, $"emulation vs LightGBM {errEmulated:E3}");
        Assert.True(errEmulated < gap / 10 || gap <= 1e-10, "the float32 emulation must explain the smoother's gap to LightGBM");
        Assert.True(errExact <= 1e-12, $"exact recursion vs smoother {errExact:E3}");
    }

    /// <summary>Leaf-wise boosting recursion on the training rows, given each tree's leaf of every row.</summary>
    private static double[] Recursion(double[] y, int[] leaves, int trees, double eta, bool fromAverage, bool float32Gradients)
    {
        int n = y.Length;
        var f = new double[n];
        if (fromAverage) Array.Fill(f, y.Average());
        for (int b = 0; b < trees; b++)
        {
            var sum = new Dictionary<int, (double G, int Count)>();
            for (int i = 0; i < n; i++)
            {
                double g = float32Gradients ? (float)(f[i] - y[i]) : f[i] - y[i];
                int leaf = leaves[i * trees + b];
                var s = sum.GetValueOrDefault(leaf);
                sum[leaf] = (s.G + g, s.Count + 1);
            }
            for (int i = 0; i < n; i++)
            {
                var s = sum[leaves[i * trees + b]];
                f[i] += -eta * s.G / s.Count;
            }
        }
        return f;
    }

    [Fact]
    public void SmootherRowsSumToOneWithBoostFromAverageAndRowNormsMatchDenseComputation()
    {
        // With S_0 = (1/n)1ᵀ every row of every leaf kernel sums to one, so S_b·1 = 1 for all b:
        // S_b 1 = S_{b−1} 1 + η L_b (1 − S_{b−1}(X) 1) = 1 by induction.
        var (x, y) = SyntheticRegression.Make(N, D, seed: 21);
        var (xq, _) = SyntheticRegression.Make(M, D, seed: 22, shift: 2.0);
        using var model = GbtRegressor.Create(x, N, D, y, new GbtOptions { NumRounds = 30, NumLeaves = 10, LearningRate = 0.3 });
        model.Train();
        var s = GbtSmoother.FromModel(model, xq, M);
        var ones = Enumerable.Repeat(1.0, N).ToArray();
        Assert.All(s.PredictTrain(ones), v => Assert.Equal(1.0, v, 1e-12));
        Assert.All(s.PredictQuery(ones), v => Assert.Equal(1.0, v, 1e-12));

        double[] norms = s.QueryRowNorms();
        for (int j = 0; j < M; j++)
        {
            double sq = 0;
            foreach (double v in s.QueryRow(j)) sq += v * v;
            Assert.Equal(Math.Sqrt(sq), norms[j], 1e-14);
        }
    }

    [Fact]
    public void IncrementalTreesMatchLightGbmAfterEveryIteration()
    {
        // Telescoping one tree at a time while training, compared with LightGBM's prediction of the first b trees.
        var (x, y) = SyntheticRegression.Make(200, D, seed: 31);
        var options = new GbtOptions { NumRounds = 15, NumLeaves = 6, LearningRate = 0.4, MinDataInLeaf = 5, BoostFromAverage = false };
        using var model = GbtRegressor.Create(x, 200, D, y, options);
        var smoother = new GbtSmoother(200, 0, options.LearningRate, options.BoostFromAverage);
        for (int b = 0; b < options.NumRounds; b++)
        {
            Assert.True(model.TrainOneIteration());
            int[] leaves = model.PredictLeafIndices(model.TrainFeatures, 200, b, 1);
            smoother.AddTree(LeafKernel.FromLeafIndices(leaves, []));
            double err = MaxAbsDiff(smoother.PredictTrain(model.TrainLabels), model.Booster.TrainingScores());
            Assert.True(err <= Tolerance, $"after tree {b}: {err:E3}");
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void UnsplittableFirstTreeIsTheLabelMeanAsInLightGbm(bool boostFromAverage)
    {
        // min_data_in_leaf > n/2: no split is possible. LightGBM keeps tree 0 as a constant equal to the label
        // mean (even without boost_from_average) and reports that training is finished.
        var (x, y) = SyntheticRegression.Make(40, D, seed: 41);
        using var model = GbtRegressor.Create(x, 40, D, y, new GbtOptions { MinDataInLeaf = 30, NumRounds = 5, BoostFromAverage = boostFromAverage });
        Assert.Equal(1, model.Train());
        Assert.True(model.IsFinished);
        var s = GbtSmoother.FromModel(model, x, 40);
        double[] lgb = model.PredictRaw(x, 40);
        Assert.True(MaxAbsDiff(s.PredictQuery(model.TrainLabels), lgb) <= Tolerance);
        Assert.Equal(model.TrainLabels.Average(), lgb[0], 1e-6);
    }

    [Fact]
    public void SmootherCostIsModestAtAFewThousandRows()
    {
        const int n = 2000, m = 500;
        var (x, y) = SyntheticRegression.Make(n, D, seed: 51);
        var (xq, _) = SyntheticRegression.Make(m, D, seed: 52);
        using var model = GbtRegressor.Create(x, n, D, y, new GbtOptions { NumRounds = 10 });
        model.Train();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var s = GbtSmoother.FromModel(model, xq, m);
        sw.Stop();
        output.WriteLine($"n={n}, m={m}, 10 trees: {sw.Elapsed.TotalMilliseconds:F0} ms ({sw.Elapsed.TotalMilliseconds / 10:F1} ms/tree)");
        Assert.True(MaxAbsDiff(s.PredictQuery(model.TrainLabels), model.PredictRaw(xq, m)) <= Tolerance);
    }

    internal static double MaxAbsDiff(double[] a, double[] b)
    {
        Assert.Equal(a.Length, b.Length);
        double max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }
}
