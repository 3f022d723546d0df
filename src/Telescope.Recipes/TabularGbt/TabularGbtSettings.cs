using Telescope.Data.Tabular;

namespace Telescope.Recipes.TabularGbt;

/// <summary>The settings of the tabular-gbt recipe (docs/recipes/tabular-gbt.md), one declaration each.</summary>
/// <param name="Target">The own CSV/Parquet files' target column; with TargetTransform, DropColumns, CsvSeparator and
/// DecimalComma what <see cref="TabularSources"/> reads them with.</param>
public sealed record TabularGbtSettings(long Seed, IReadOnlyList<string> Datasets, string Target,
    string TargetTransform, IReadOnlyList<string> DropColumns, string CsvSeparator, bool DecimalComma, int TrainSize,
    int PoolSize, int TestSize, int Repetitions, string Irregularity, IReadOnlyList<int> Hidden, string Activation,
    double LearningRate, int BatchSize, int Steps, int LogEvery, string WeightNorm, double GbtLearningRate,
    IReadOnlyList<int> GbtLeaves, IReadOnlyList<int> GbtMinDataInLeaf, int GbtMaxRounds,
    double GbtValidationFraction, double TinyGap, double FlatTolerance, IReadOnlyList<long> Seeds,
    VerdictCriteria Verdicts, ComputeSettings Compute)
{
    /// <summary>Name of the W_GBT flatness tolerance (the report cites it).</summary>
    public const string FlatToleranceName = "flat_tolerance";

    /// <summary>The <c>weight_norm</c> choice of the final network's tangent-kernel row (the other is the smoother row).</summary>
    public const string TangentKernel = "tangent-kernel";

    /// <summary>The irregularity score of the <c>irregularity</c> setting.</summary>
    public IrregularityMethod IrregularityMethod => Irregularity == "knn" ? IrregularityMethod.NearestNeighbours : IrregularityMethod.Mahalanobis;

    public static SettingsSchema<TabularGbtSettings> Schema { get; } = new SettingsSchema<TabularGbtSettings>()
        .Seed(x => x.Seed)
        .StringList(x => x.Datasets, "datasets", ["houses", "cpu_act", "house_16H", "wine_quality"],
            $"Data sets to run: suite names ({string.Join(", ", TabularGbtRecipe.DatasetNames)}) and/or {OwnCsvFile.Prefix}PATH / {OwnParquetFile.Prefix}PATH for your own CSV or Parquet file (header row, numeric columns; see target)",
            quick: ["houses"])
        .String(x => x.Target, "target", "", "The column to predict in csv:/parquet: data sets (header name, exact case)")
        .String(x => x.TargetTransform, "target_transform", "none", "Target transform of csv: data sets: none, log (positive targets) or log1p (targets > −1); the suite's own transforms are fixed",
            choices: ["none", "log", "log1p"])
        .StringList(x => x.DropColumns, "drop_columns", [], "Columns of csv:/parquet: data sets to ignore (IDs, categorical or text columns)", allowEmpty: true)
        .String(x => x.CsvSeparator, "csv_separator", "auto", "Field separator of csv: data sets: auto (detected from the header; the run records what it found), a character, or comma, semicolon, tab, pipe")
        .Bool(x => x.DecimalComma, "decimal_comma", false, "Numbers in csv: data sets use a decimal comma (1,5 = 1.5), as spreadsheet exports in many locales do")
        .Int(x => x.TrainSize, "train_size", 2000, "Training rows n (seeded subset); the smoother rows have n entries", quick: 1000, min: 20)
        .Int(x => x.PoolSize, "pool_size", 4000, "Test-pool rows (disjoint from training; capped at the rows left); its top 10% by irregularity is the irregular pool", quick: 3000, min: 20)
        .Int(x => x.TestSize, "test_size", 200, "Rows m of each test set T_π (≤ the irregular pool)", quick: 100, min: 1)
        .Int(x => x.Repetitions, "repetitions", 10, "Seeded repetitions R of the test-set draws", quick: 5, min: 1)
        .String(x => x.Irregularity, "irregularity", "mahalanobis", "Irregularity score: mahalanobis (the default of docs/method.md) or knn (mean distance to the 10 nearest training rows)",
            choices: ["mahalanobis", "knn"])
        .IntList(x => x.Hidden, "hidden", [128, 128], "Hidden-layer widths of the MLP", min: 1)
        .String(x => x.Activation, "activation", "relu", "Hidden activation: relu, sigmoid, tanh, identity, poly:EPS")
        .Double(x => x.LearningRate, "lr", 0.01, "SGD learning rate of the MLP (plain SGD: no momentum, no weight decay); larger rates train faster but widen the first-order gap between the smoother and the network", min: 0)
        .Int(x => x.BatchSize, "batch_size", 64, "SGD minibatch size", min: 1)
        .Int(x => x.Steps, "steps", 8000, "SGD steps", quick: 4000, min: 1)
        .Int(x => x.LogEvery, "log_every", 200, "Log the training curve every this many steps", quick: 100, min: 1)
        .String(x => x.WeightNorm, "weight_norm", "smoother", "The network's w(x): smoother (‖S_T(x)‖₂, docs/method.md §7) or tangent-kernel (‖K_T(x, X_train)‖₂ of the final network, the docs/method.md §7 option); the trees always use their smoother row",
            choices: ["smoother", TangentKernel])
        .Double(x => x.GbtLearningRate, "gbt_lr", 0.1, "LightGBM learning rate η (≤ 0.1 keeps S·Y within 1e-8 of LightGBM, which rounds residuals to float32)", min: 0)
        .IntList(x => x.GbtLeaves, "gbt_leaves", [8, 16, 31], "Tuning grid: num_leaves", min: 2)
        .IntList(x => x.GbtMinDataInLeaf, "gbt_min_data_in_leaf", [5, 20], "Tuning grid: min_data_in_leaf (≥ 2)", min: 2)
        .Int(x => x.GbtMaxRounds, "gbt_max_rounds", 1000, "Tuning: most boosting rounds (the best round on the validation rows is kept)", quick: 500, min: 1)
        .Double(x => x.GbtValidationFraction, "gbt_validation_fraction", 0.2, "Tuning: share of the training rows held out to choose the grid point and rounds", min: 0.01, max: 0.9)
        .Double(x => x.TinyGap, "tiny_gap", 0.01, "|Δ(0)| below this fraction of the constant predictor's MSE at π = 0 counts as tiny: Δ(π) is plotted instead of ρ(π)", min: 0)
        .Double(x => x.FlatTolerance, FlatToleranceName, 0.1, "W_GBT(π) counts as flat when it stays within this relative distance of 1 at every π (fixed before any run)", min: 0)
        .Seeds(x => x.Seeds, full: [0, 1, 2], quick: [])
        .Verdicts(x => x.Verdicts)
        .Compute(x => x.Compute);
}
