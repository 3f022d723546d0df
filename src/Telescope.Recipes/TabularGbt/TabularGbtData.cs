using Telescope.Data.Tabular;

namespace Telescope.Recipes.TabularGbt;

/// <summary>
/// One data set prepared for the comparison (docs/method.md §7): a seeded training subset and disjoint test pool,
/// features and target standardized with training statistics, the pool split into irregular and regular
/// rows by irregularity score, the mixed test sets T_π, and the <em>tracked rows</em> — the union of the pool
/// rows that appear in any T_π, the only test rows on which smoother rows are needed.
/// </summary>
/// <param name="Train">Standardized training rows (n × d) and targets.</param>
/// <param name="Tracked">Standardized tracked pool rows, in ascending pool-row order.</param>
/// <param name="TestSets">Test sets whose <see cref="MixedTestSet.Rows"/> index <paramref name="Tracked"/> (not the pool).</param>
/// <param name="TrackedIsIrregular">Per tracked row: whether it comes from the irregular pool.</param>
/// <param name="SourceRows">Rows of the data set after preprocessing (before the split).</param>
internal sealed record TabularGbtData(TabularDataset Train, TabularDataset Tracked, IReadOnlyList<MixedTestSet> TestSets,
    bool[] TrackedIsIrregular, int PoolRows, int IrregularPoolRows, int SourceRows)
{
    /// <summary>The training and tracked rows and targets as [rows, columns] tensors (tracked targets in float64, for the errors).</summary>
    public (Tensor XTrain, Tensor YTrain, Tensor XTracked, Tensor YTracked) Tensors(ScalarType dtype, Device device) =>
        (Matrix(Train.Features, Train.Rows, Train.Columns, dtype, device), Matrix(Train.Target, Train.Rows, 1, dtype, device),
            Matrix(Tracked.Features, Tracked.Rows, Tracked.Columns, dtype, device), Matrix(Tracked.Target, Tracked.Rows, 1, ScalarType.Float64, device));

    /// <summary>An MLP from the training rows' columns to one output.</summary>
    public Mlp Network(IReadOnlyList<int> hidden, Activation activation, ComputeSettings compute, int seed) => new(new MlpOptions
    {
        InputSize = Train.Columns, HiddenWidths = hidden.ToArray(), OutputSize = 1,
        Activation = activation, DType = compute.DType, Device = compute.DeviceName,
    }, seed);

    private static Tensor Matrix(ReadOnlySpan<double> values, int rows, int columns, ScalarType dtype, Device device) =>
        torch.tensor(values.ToArray(), [rows, columns], dtype: ScalarType.Float64).to(dtype, device);

    /// <summary>Splits, standardizes, scores and samples; throws <see cref="TelescopeException"/> when the sizes do not fit.</summary>
    public static TabularGbtData Prepare(TabularDataset data, int trainSize, int poolSize, int testSize, int repetitions,
        IrregularityMethod method, ulong seed)
    {
        if (trainSize + TabularSources.MinimumPoolRows > data.Rows)
            throw new TelescopeException($"{data.Name} has {data.Rows} rows; train_size = {trainSize} leaves fewer than {TabularSources.MinimumPoolRows} for the test pool.")
            { Hint = "Use a smaller train_size." };
        int pool = Math.Min(poolSize, data.Rows - trainSize);
        var split = TrainPoolSplit.Create(data.Rows, trainSize, pool, seed);
        var rawTrain = data.Select(split.Train);
        var standardizer = Standardizer.Fit(rawTrain, standardizeTarget: true);
        var train = standardizer.Transform(rawTrain);
        var poolData = standardizer.Transform(data.Select(split.Pool));
        var scores = IrregularityScore.Fit(train, method).Score(poolData);
        var pools = IrregularPools.FromScores(scores);
        if (testSize > pools.Irregular.Length)
            throw new TelescopeException($"{data.Name}: test_size = {testSize} exceeds the irregular pool ({pools.Irregular.Length} rows = 10% of a {pool}-row test pool), so T_1 cannot be drawn.")
            { Hint = $"Use test_size ≤ {pools.Irregular.Length} or a larger pool_size." };
        var sets = MixedTestSets.Build(pools, testSize, repetitions, seed ^ 0x7AB1E5EEDUL);

        // Track only the pool rows some T_π uses: every smoother row costs n values and n·b work per step.
        var used = sets.SelectMany(s => s.Rows).Distinct().Order().ToArray();
        var position = new Dictionary<int, int>(used.Length);
        for (int i = 0; i < used.Length; i++) position[used[i]] = i;
        var remapped = sets.Select(s => s with { Rows = s.Rows.Select(r => position[r]).ToArray() }).ToList();
        var irregularRows = pools.Irregular.ToHashSet();
        return new TabularGbtData(train, poolData.Select(used), remapped, used.Select(irregularRows.Contains).ToArray(), pool,
            pools.Irregular.Length, data.Rows);
    }
}
