using Telescope.Boosting;
using Xunit;

namespace Telescope.Tests.Boosting;

/// <summary>The LightGBM wrapper: parameter validation, error propagation, leaf values, handle lifetime.</summary>
public class LightGbmWrapperTests
{
    public static TheoryData<string, string, string> ForbiddenParameters => new()
    {
        // key, value, a word the message must contain
        { "lambda_l2", "1", "lambda_l2" },
        { "reg_lambda", "0.5", "lambda_l2" },
        { "lambda_l1", "0.1", "lambda_l1" },
        { "bagging_fraction", "0.8", "bagging" },
        { "bagging_freq", "1", "bagging" },
        { "subsample", "0.5", "bagging" },
        { "data_sample_strategy", "goss", "GOSS" },
        { "boosting", "goss", "GOSS" },
        { "boosting", "dart", "DART" },
        { "path_smooth", "1", "path_smooth" },
        { "max_delta_step", "0.7", "clips" },
        { "use_quantized_grad", "true", "quantized" },
        { "linear_tree", "true", "linear" },
        { "objective", "huber", "squared loss" },
        { "objective", "binary", "squared loss" },
        { "reg_sqrt", "true", "square root" },
        { "monotone_constraints", "1,0,0", "monotone" },
    };

    [Theory]
    [MemberData(nameof(ForbiddenParameters))]
    public void ForbiddenParametersAreRejectedWithTheReason(string key, string value, string reasonWord)
    {
        var options = new GbtOptions { ExtraParameters = new Dictionary<string, string> { [key] = value } };
        var ex = Assert.Throws<ArgumentException>(() => options.ToParameterString());
        Assert.Contains(key, ex.Message);
        Assert.Contains(reasonWord, ex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("docs/method.md §6", ex.Message);
        // Creating a model validates too, before anything native is allocated.
        Assert.Throws<ArgumentException>(() => GbtRegressor.Create(new double[4], 2, 2, new double[2], options));
    }

    [Theory]
    [InlineData("lambda_l2", "0")]
    [InlineData("bagging_fraction", "1")]
    [InlineData("objective", "regression")]
    [InlineData("max_bin", "63")]
    [InlineData("min_sum_hessian_in_leaf", "0")]
    public void HarmlessExtraParametersPass(string key, string value)
    {
        var options = new GbtOptions { ExtraParameters = new Dictionary<string, string> { [key] = value } };
        Assert.EndsWith($"{key}={value}", options.ToParameterString());
    }

    [Fact]
    public void TypedSettingsCannotBeOverriddenThroughExtraParameters()
    {
        var options = new GbtOptions { ExtraParameters = new Dictionary<string, string> { ["eta"] = "0.3" } };
        var ex = Assert.Throws<ArgumentException>(() => options.Validate());
        Assert.Contains(nameof(GbtOptions.LearningRate), ex.Message);
    }

    [Fact]
    public void InvalidTypedSettingsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => new GbtOptions { MinDataInLeaf = 0 }.Validate());
        Assert.Throws<ArgumentException>(() => new GbtOptions { FeatureFraction = 0 }.Validate());
        Assert.Throws<ArgumentException>(() => new GbtOptions { LearningRate = -0.1 }.Validate());
        Assert.Throws<ArgumentException>(() => new GbtOptions { NumLeaves = 1 }.Validate());
    }

    [Fact]
    public void ParameterStringPinsTheIdentitySettings()
    {
        string p = new GbtOptions { LearningRate = 0.25, NumLeaves = 9, BoostFromAverage = false }.ToParameterString();
        foreach (string token in new[] { "objective=regression", "learning_rate=0.25", "num_leaves=9", "boost_from_average=false",
                     "lambda_l1=0", "lambda_l2=0", "bagging_freq=0", "path_smooth=0", "max_delta_step=0", "use_quantized_grad=false",
                     "linear_tree=false", "deterministic=true", "verbosity=-1" })
            Assert.Contains(token, p.Split(' '));
    }

    [Fact]
    public void LightGbmErrorsBecomeExceptionsWithLightGbmsMessage()
    {
        var (x, y) = SyntheticRegression.Make(50, 3, seed: 1);
        float[] labels = y.Select(v => (float)v).ToArray();
        using var data = LightGbmDataset.FromMatrix(x, 50, 3, labels, "verbosity=-1");
        var ex = Assert.Throws<LightGbmException>(() => LightGbmBooster.Create(data, "objective=no_such_objective verbosity=-1"));
        Assert.Equal("LGBM_BoosterCreate", ex.Function);
        Assert.Contains("no_such_objective", ex.LightGbmMessage); // LightGBM's own text: "Unknown objective type name: …"
        Assert.Contains(ex.LightGbmMessage, ex.Message);

        // A bad dataset parameter fails in LGBM_DatasetCreateFromMat.
        var ex2 = Assert.Throws<LightGbmException>(() => LightGbmDataset.FromMatrix(x, 50, 3, labels, "max_bin=1 verbosity=-1"));
        Assert.Equal("LGBM_DatasetCreateFromMat", ex2.Function);
        Assert.Contains("max_bin", ex2.LightGbmMessage);

        // Through the validated path as well: a harmless-looking but invalid value reaches LightGBM and comes back.
        var options = new GbtOptions { ExtraParameters = new Dictionary<string, string> { ["max_bin"] = "1" } };
        Assert.Throws<LightGbmException>(() => GbtRegressor.Create(x, 50, 3, y, options));
    }

    [Fact]
    public void LeafValuesAreLearningRateTimesMeanResidual()
    {
        // The identity of docs/method.md §6 read straight from LightGBM's tree (LGBM_BoosterGetLeafValue), second tree,
        // residuals computed in double from LightGBM's training scores after tree 1.
        var (x, y) = SyntheticRegression.Make(200, 4, seed: 2);
        using var model = GbtRegressor.Create(x, 200, 4, y, new GbtOptions { LearningRate = 0.3, NumLeaves = 5, MinDataInLeaf = 10 });
        Assert.True(model.TrainOneIteration());
        double[] f1 = model.Booster.TrainingScores();
        Assert.True(model.TrainOneIteration());
        int[] leaves = model.PredictLeafIndices(model.TrainFeatures, 200, 1, 1);
        for (int leaf = 0; leaf <= leaves.Max(); leaf++)
        {
            var rows = Enumerable.Range(0, 200).Where(i => leaves[i] == leaf).ToArray();
            double meanResidual = rows.Average(i => model.TrainLabels[i] - f1[i]);
            // 1e-8: LightGBM rounds each residual to float32 before averaging (relative 6e-8 of |r| ≤ ~2).
            Assert.Equal(0.3 * meanResidual, model.Booster.LeafValue(1, leaf), 1e-8);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TreeZeroHoldsTheLabelMeanOnlyWithBoostFromAverage(bool boostFromAverage)
    {
        // LightGBM folds the start score into tree 0: leaf value = mean(y) + η·mean_leaf(y − mean(y)) with
        // boost_from_average, η·mean_leaf(y) without. This is why S_0 = (1/n)·1ᵀ or 0 in the smoother.
        var (x, y) = SyntheticRegression.Make(200, 4, seed: 6);
        const double eta = 0.2;
        using var model = GbtRegressor.Create(x, 200, 4, y, new GbtOptions { LearningRate = eta, NumLeaves = 4, MinDataInLeaf = 15, BoostFromAverage = boostFromAverage });
        Assert.True(model.TrainOneIteration());
        double mean = model.TrainLabels.Average();
        Assert.True(Math.Abs(mean) > 0.1); // the synthetic target has a clear offset, so the two cases differ
        double start = boostFromAverage ? mean : 0.0;
        int[] leaves = model.PredictLeafIndices(model.TrainFeatures, 200, 0, 1);
        for (int leaf = 0; leaf <= leaves.Max(); leaf++)
        {
            double meanResidual = Enumerable.Range(0, 200).Where(i => leaves[i] == leaf).Average(i => model.TrainLabels[i] - start);
            Assert.Equal(start + eta * meanResidual, model.Booster.LeafValue(0, leaf), 1e-8);
        }
    }

    [Fact]
    public void LeafKernelRowsAreNonNegativeAndSumToOne()
    {
        var (x, y) = SyntheticRegression.Make(150, 3, seed: 3);
        var (xq, _) = SyntheticRegression.Make(40, 3, seed: 4, shift: 5.0); // far outside the training data
        using var model = GbtRegressor.Create(x, 150, 3, y, new GbtOptions { NumRounds = 5, NumLeaves = 6, MinDataInLeaf = 4 });
        model.Train();
        int[] train = model.PredictLeafIndices(model.TrainFeatures, 150, 2, 1);
        int[] query = model.PredictLeafIndices(xq, 40, 2, 1);
        var kernel = LeafKernel.FromLeafIndices(train, query);
        var row = new double[150];
        for (int j = 0; j < 40; j++)
        {
            kernel.KernelRow(kernel.QueryLeaf(j), row);
            Assert.All(row, v => Assert.True(v >= 0));
            Assert.Equal(1.0, row.Sum(), 1e-12);
            Assert.Equal(1.0 / kernel.LeafSize(kernel.QueryLeaf(j)), row.Max(), 1e-15);
        }
        for (int i = 0; i < 150; i++)
        {
            kernel.KernelRow(kernel.TrainLeaf(i), row);
            Assert.Equal(1.0, row.Sum(), 1e-12);
            Assert.True(row[i] > 0); // a training row shares a leaf with itself
        }
    }

    [Fact]
    public void QueryInALeafWithoutTrainingRowsIsRejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => LeafKernel.FromLeafIndices([0, 0, 2, 2], [1]));
        Assert.Contains("leaf 1", ex.Message);
    }

    [Fact]
    public void DisposingTheDatasetBeforeTheBoosterIsSafe()
    {
        var (x, y) = SyntheticRegression.Make(60, 3, seed: 5);
        var data = LightGbmDataset.FromMatrix(x, 60, 3, y.Select(v => (float)v).ToArray(), "verbosity=-1 min_data_in_leaf=5");
        var booster = LightGbmBooster.Create(data, "objective=regression verbosity=-1 min_data_in_leaf=5 num_threads=1");
        data.Dispose(); // the booster still holds a reference: the native dataset stays alive
        booster.UpdateOneIteration();
        Assert.Equal(1, booster.NumTrees);
        booster.Dispose();
        booster.Dispose(); // idempotent
    }
}
