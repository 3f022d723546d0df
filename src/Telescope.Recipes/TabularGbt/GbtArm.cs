using Telescope.Boosting;
using Telescope.Data.Tabular;

namespace Telescope.Recipes.TabularGbt;

/// <summary>The boosted-tree arm's choices and what it measured on one data set.</summary>
internal sealed record GbtResult(
    GbtOptions Options,
    double ValidationMse,
    double[] TrackedPredictions,
    double[] TrackedWeightNorms,
    double SmootherMaxAbsError,
    double SmootherMaxAbsErrorTrain,
    double SmootherMaxAbsErrorTracked,
    double TrainMse,
    double MinKernelRowSum,
    double MaxKernelRowSum,
    double MaxAbsLabel,
    TimeSpan WallTime);

/// <summary>
/// LightGBM with identity-preserving settings (docs/method.md §6, <see cref="GbtOptions"/>), tuned on a seeded
/// validation split of the training rows over a small grid (leaves × minimum leaf size × rounds), refitted on
/// all training rows, then turned into its exact smoother S_B: w(x) = ‖S_B(x)‖₂ on the tracked rows and the
/// check S_B·Y = LightGBM's own predictions on training and tracked rows.
/// </summary>
internal static class GbtArm
{
    /// <summary>Rounds between validation evaluations while tuning.</summary>
    private const int EvaluationInterval = 10;

    public static GbtResult Run(TabularGbtData data, TabularGbtSettings tuning, int seed, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        var best = Tune(data.Train, tuning, seed, cancel);
        var options = best.Options;
        var train = data.Train;
        using var model = GbtRegressor.Create(train.Features, train.Rows, train.Columns, train.Target, options);
        model.Train();
        options = options with { NumRounds = model.NumTrees };

        var tracked = data.Tracked;
        double[] trackedPrediction = model.PredictRaw(tracked.Features, tracked.Rows);
        double[] trainPrediction = model.PredictRaw(train.Features, train.Rows);
        var smoother = GbtSmoother.FromModel(model, tracked.Features, tracked.Rows);
        // Y = the labels as LightGBM stores them (float32-rounded), see GbtRegressor.TrainLabels.
        double errTrain = MaxAbsDifference(smoother.PredictTrain(model.TrainLabels), trainPrediction);
        double errTracked = MaxAbsDifference(smoother.PredictQuery(model.TrainLabels), trackedPrediction);
        double minSum = double.PositiveInfinity, maxSum = double.NegativeInfinity;
        for (int j = 0; j < tracked.Rows; j++)
        {
            double sum = 0;
            foreach (double v in smoother.QueryRow(j)) sum += v;
            minSum = Math.Min(minSum, sum);
            maxSum = Math.Max(maxSum, sum);
        }
        return new GbtResult(options, best.ValidationMse, trackedPrediction, smoother.QueryRowNorms(),
            Math.Max(errTrain, errTracked), errTrain, errTracked, Mse(trainPrediction, train.Target),
            minSum, maxSum, model.TrainLabels.Max(Math.Abs), clock.Elapsed);
    }

    /// <summary>The grid point and round count with the lowest validation MSE (first wins ties).</summary>
    internal static (GbtOptions Options, double ValidationMse) Tune(TabularDataset train, TabularGbtSettings tuning, int seed, CancellationToken cancel)
    {
        var order = SplitMix64.Permutation(train.Rows, (ulong)seed ^ 0x6B7A11DA7EUL);
        int validation = Math.Max(1, (int)Math.Round(tuning.GbtValidationFraction * train.Rows));
        if (validation >= train.Rows)
            throw new TelescopeException($"gbt_validation_fraction = {tuning.GbtValidationFraction} leaves no training rows for tuning.")
            { Hint = "Use a fraction well below 1, e.g. 0.2." };
        var fit = train.Select(order.AsSpan(validation));
        var val = train.Select(order.AsSpan(0, validation));
        GbtOptions? bestOptions = null;
        double bestMse = double.PositiveInfinity;
        foreach (int leaves in tuning.GbtLeaves)
            foreach (int minLeaf in tuning.GbtMinDataInLeaf)
            {
                var options = new GbtOptions
                {
                    LearningRate = tuning.GbtLearningRate, NumLeaves = leaves, MinDataInLeaf = minLeaf,
                    NumRounds = tuning.GbtMaxRounds, Seed = seed,
                };
                using var model = GbtRegressor.Create(fit.Features, fit.Rows, fit.Columns, fit.Target, options);
                while (model.NumTrees < tuning.GbtMaxRounds)
                {
                    cancel.ThrowIfCancellationRequested();
                    bool added = model.TrainOneIteration();
                    if (added && model.NumTrees % EvaluationInterval != 0 && model.NumTrees < tuning.GbtMaxRounds) continue;
                    double mse = Mse(model.PredictRaw(val.Features, val.Rows), val.Target);
                    if (mse < bestMse)
                    {
                        bestMse = mse;
                        bestOptions = options with { NumRounds = model.NumTrees };
                    }
                    if (!added) break;
                }
            }
        return (bestOptions!, bestMse);
    }

    internal static double Mse(ReadOnlySpan<double> prediction, ReadOnlySpan<double> target)
    {
        double sum = 0;
        for (int i = 0; i < target.Length; i++) sum += (prediction[i] - target[i]) * (prediction[i] - target[i]);
        return sum / target.Length;
    }

    private static double MaxAbsDifference(double[] a, double[] b)
    {
        double max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }
}
