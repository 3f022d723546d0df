using Telescope.Data.Tabular;
using Telescope.Models;
using Telescope.Runs;

namespace Telescope.Recipes.TabularGbt;

/// <summary>
/// docs/method.md §9 row "tabular-gbt" (paper Figs. 5, 14): an MLP trained with plain SGD (its smoother exact by the
/// kernel recursion, docs/method.md §4.2) against LightGBM under identity-preserving settings (its smoother exact by the
/// leaf-kernel recursion, docs/method.md §6), on test sets with a growing share π of irregular inputs (docs/method.md §7): the
/// relative increase of the MSE gap ρ(π) and the normalized maximum kernel weight norm W(π) of both models.
/// </summary>
/// <remarks>
/// Its sub-runs are the data sets at every seed of <c>seeds</c>: they shard (<c>--shard i/N</c>) and merge (<see cref="Merge"/>), and the
/// network arm checkpoints every SGD step (the LightGBM arm, seconds long, is stored once it has finished).
/// </remarks>
public sealed class TabularGbtRecipe : ISweepRecipe
{
    private readonly Func<string, TabularDataset>? _loader;

    /// <summary>The recipe on the shared data folder (<c>--data</c> or TELESCOPE_DATA).</summary>
    public TabularGbtRecipe() { }

    /// <summary>The recipe on data sets supplied by <paramref name="loader"/> (by suite name); no data folder needed.</summary>
    public TabularGbtRecipe(Func<string, TabularDataset> loader) => _loader = loader ?? throw new ArgumentNullException(nameof(loader));

    public string Name => "tabular-gbt";
    public string Description => "Neural network (SGD, exact smoother) vs LightGBM on irregular tabular inputs: MSE gap and kernel weight norms against π (paper Figs. 5, 14)";

    /// <summary>Suite names accepted by the <c>datasets</c> setting.</summary>
    public static IReadOnlyList<string> DatasetNames { get; } = Enum.GetValues<TabularBenchmark>().Select(TabularSuite.NameOf).ToArray();

    public RecipeSettings CreateSettings(bool quick) => new RecipeSettings(quick)
        .AddStringList("datasets", ["houses", "cpu_act", "house_16H", "wine_quality"],
            $"Data sets to run: suite names ({string.Join(", ", DatasetNames)}) and/or {OwnCsvFile.Prefix}PATH / {OwnParquetFile.Prefix}PATH for your own CSV or Parquet file (header row, numeric columns; see target)",
            quick: ["houses"])
        .AddString("target", "", "The column to predict in csv:/parquet: data sets (header name, exact case)")
        .AddString("target_transform", "none", "Target transform of csv: data sets: none, log (positive targets) or log1p (targets > −1); the suite's own transforms are fixed",
            choices: ["none", "log", "log1p"])
        .AddStringList("drop_columns", [], "Columns of csv:/parquet: data sets to ignore (IDs, categorical or text columns)", allowEmpty: true)
        .AddString("csv_separator", "auto", "Field separator of csv: data sets: auto (detected from the header; the run records what it found), a character, or comma, semicolon, tab, pipe")
        .AddBool("decimal_comma", false, "Numbers in csv: data sets use a decimal comma (1,5 = 1.5), as spreadsheet exports in many locales do")
        .AddInt("train_size", 2000, "Training rows n (seeded subset); the smoother rows have n entries", quick: 1000, min: 20)
        .AddInt("pool_size", 4000, "Test-pool rows (disjoint from training; capped at the rows left); its top 10% by irregularity is the irregular pool", quick: 3000, min: 20)
        .AddInt("test_size", 200, "Rows m of each test set T_π (≤ the irregular pool)", quick: 100, min: 1)
        .AddInt("repetitions", 10, "Seeded repetitions R of the test-set draws", quick: 5, min: 1)
        .AddString("irregularity", "mahalanobis", "Irregularity score: mahalanobis (the default of docs/method.md) or knn (mean distance to the 10 nearest training rows)",
            choices: ["mahalanobis", "knn"])
        .AddIntList("hidden", [128, 128], "Hidden-layer widths of the MLP", min: 1)
        .AddString("activation", "relu", "Hidden activation: relu, sigmoid, tanh, identity, poly:EPS")
        .AddDouble("lr", 0.01, "SGD learning rate of the MLP (plain SGD: no momentum, no weight decay); larger rates train faster but widen the first-order gap between the smoother and the network", min: 0)
        .AddInt("batch_size", 64, "SGD minibatch size", min: 1)
        .AddInt("steps", 8000, "SGD steps", quick: 4000, min: 1)
        .AddInt("log_every", 200, "Log the training curve every this many steps", quick: 100, min: 1)
        .AddString("weight_norm", "smoother", "The network's w(x): smoother (‖S_T(x)‖₂, docs/method.md §7) or tangent-kernel (‖K_T(x, X_train)‖₂ of the final network, the docs/method.md §7 option); the trees always use their smoother row",
            choices: ["smoother", "tangent-kernel"])
        .AddDouble("gbt_lr", 0.1, "LightGBM learning rate η (≤ 0.1 keeps S·Y within 1e-8 of LightGBM, which rounds residuals to float32)", min: 0)
        .AddIntList("gbt_leaves", [8, 16, 31], "Tuning grid: num_leaves", min: 2)
        .AddIntList("gbt_min_data_in_leaf", [5, 20], "Tuning grid: min_data_in_leaf (≥ 2)", min: 2)
        .AddInt("gbt_max_rounds", 1000, "Tuning: most boosting rounds (the best round on the validation rows is kept)", quick: 500, min: 1)
        .AddDouble("gbt_validation_fraction", 0.2, "Tuning: share of the training rows held out to choose the grid point and rounds", min: 0.01, max: 0.9)
        .AddDouble("tiny_gap", 0.01, "|Δ(0)| below this fraction of the constant predictor's MSE at π = 0 counts as tiny: Δ(π) is plotted instead of ρ(π)", min: 0)
        .AddDouble(FlatToleranceKey, 0.1, "W_GBT(π) counts as flat when it stays within this relative distance of 1 at every π (fixed before any run)", min: 0)
        .AddSeeds(full: [0, 1, 2], quick: [])
        .AddVerdictCriteria()
        .AddComputeSettings();

    /// <summary>Setting key of the W_GBT flatness tolerance.</summary>
    public const string FlatToleranceKey = "flat_tolerance";

    public void Run(RunContext context)
    {
        var s = context.Settings;
        var datasets = s.GetStringList("datasets");

        Activation activation;
        try { activation = Activation.Parse(s.GetString("activation")); }
        catch (ArgumentException e) { throw new TelescopeException(e.Message); }
        var nn = new NeuralSettings(s.GetIntList("hidden"), activation, s.GetDouble("lr"), s.GetInt("batch_size"),
            s.GetInt("steps"), s.GetInt("log_every"), context.DType, s.GetString(RecipeSettings.DeviceKey),
            s.GetString("weight_norm") == "tangent-kernel" ? NeuralWeightNorm.TangentKernelRow : NeuralWeightNorm.SmootherRow);
        var tuning = new GbtTuning(s.GetDouble("gbt_lr"), s.GetIntList("gbt_leaves"), s.GetIntList("gbt_min_data_in_leaf"),
            s.GetInt("gbt_max_rounds"), s.GetDouble("gbt_validation_fraction"));
        if (nn.BatchSize > s.GetInt("train_size"))
            throw new TelescopeException($"batch_size = {nn.BatchSize} exceeds train_size = {s.GetInt("train_size")}.") { Hint = "Use a smaller batch." };
        var method = s.GetString("irregularity") == "knn" ? IrregularityMethod.NearestNeighbours : IrregularityMethod.Mahalanobis;

        // Every data set is read and checked before any training: a bad file stops the run at once.
        var sources = TabularSources.Load(context, datasets, _loader);
        // Sub-run k = data set k / S at seed k % S: every data set at every seed repetition.
        var seeds = s.GetSeeds();
        _sweep.Run(context, new SharedFacts(), datasets.Count * seeds.Count, TabularGbtOutput.CurveColumns,   // metrics.csv: the training curves, row by row
            assigned => $"{assigned} of {datasets.Count * seeds.Count} sub-runs (data set × seed) × {nn.Steps} SGD steps", _ => nn.Steps, sub =>
            {
                int k = sub.Index;
                var raw = sources[k / seeds.Count];
                long runSeed = seeds[k % seeds.Count];
                int seed = (int)(runSeed & int.MaxValue);
                string name = raw.Name;
                string label = seeds.Count > 1 ? $"{name}_seed={runSeed}" : name;
                var data = TabularGbtData.Prepare(raw, s.GetInt("train_size"), s.GetInt("pool_size"), s.GetInt("test_size"),
                    s.GetInt("repetitions"), method, (ulong)context.Seed);
                context.Progress.Message($"{name}: n = {data.Train.Rows}, {data.Train.Columns} features, pool {data.PoolRows} rows, {data.Tracked.Rows} tracked");
                // The trees take seconds: a resumed data set reuses their stored result instead of checkpointing inside LightGBM.
                var gbt = sub.Resume is not null
                    ? sub.LoadValue<GbtResult>(CurrentGbt)
                    : GbtArm.Run(data, tuning, seed, context.CancellationToken);
                context.Progress.Message($"{name}: LightGBM {gbt.Options.NumLeaves} leaves, min leaf {gbt.Options.MinDataInLeaf}, {gbt.Options.NumRounds} rounds; |S·Y − LightGBM| ≤ {gbt.SmootherMaxAbsError:G3}");
                var nnResult = NeuralArm.Run(data, nn, seed, sub.Progress, point => TabularGbtOutput.WritePoint(sub.Metrics, label, point),
                    sub.Checkpoints, state =>
                    {
                        sub.SaveHeader(state);
                        SweepSubRun.SaveValue(state, CurrentGbt, gbt);
                    }, sub.Resume, sub.Cancel);
                // Targets are standardized with training statistics, so the constant predictor (training mean) is 0.
                var reps = PiAnalysis.Repetitions(data.TestSets, data.Tracked.Target, nnResult.TrackedPredictions, gbt.TrackedPredictions,
                    0.0, nnResult.TrackedWeightNorms, gbt.TrackedWeightNorms);
                var points = PiAnalysis.Average(reps);
                bool tiny = Math.Abs(points[0].Delta) < s.GetDouble("tiny_gap") * points[0].MseConstant;
                return new DatasetOutcome(name, runSeed, seeds.Count > 1, DatasetFacts.Of(data), nnResult, gbt, reps, points, tiny);
            });
    }

    /// <summary>Key (inside the sub-run's scope) of the GBT arm's result of the data set in flight.</summary>
    private const string CurrentGbt = "gbt";

    /// <summary>The sweep-wide facts: none (every data set's result carries its own sizes; the settings say the rest).</summary>
    private sealed record SharedFacts;

    private readonly SweepSkeleton<DatasetOutcome, SharedFacts> _sweep = new((context, _, outcomes, liveMetrics) => WriteOutputs(context, outcomes, liveMetrics));

    /// <inheritdoc/>
    public void Merge(RunContext context, string facts, IReadOnlyList<string> results) => _sweep.Merge(context, facts, results);

    /// <summary>The π metrics, summary and report from every data set (and, for a merge, the curves' rows, which a run writes as it trains).</summary>
    private static void WriteOutputs(RunContext context, IReadOnlyList<DatasetOutcome> outcomes, MetricsCsvWriter? liveMetrics)
    {
        var output = new TabularGbtOutput(context, outcomes);
        if (liveMetrics is null) output.WriteCurveMetrics();
        output.WritePiMetrics();
        output.WriteSummary();
        output.WriteReport();
    }
}
