namespace Telescope.Boosting;

/// <summary>
/// LightGBM gradient boosted regression trees under the validated <see cref="GbtOptions"/>, trained one
/// iteration at a time. Owns its native dataset and booster; dispose to free them.
/// </summary>
public sealed class GbtRegressor : IDisposable
{
    private readonly LightGbmDataset _dataset;
    private readonly LightGbmBooster _booster;
    private readonly double[] _trainFeatures;
    private bool _finished;

    /// <summary>The options the model was created with.</summary>
    public GbtOptions Options { get; }
    /// <summary>Number of training rows n.</summary>
    public int TrainRows => _dataset.Rows;
    /// <summary>Number of feature columns.</summary>
    public int Columns => _dataset.Columns;
    /// <summary>The training features (row-major copy).</summary>
    public ReadOnlySpan<double> TrainFeatures => _trainFeatures;
    /// <summary>
    /// The training labels exactly as LightGBM fits them: LightGBM stores labels in float32, so these are the
    /// caller's targets rounded to float32. Use them as Y in S·Y.
    /// </summary>
    public double[] TrainLabels { get; }
    /// <summary>Number of trees so far.</summary>
    public int NumTrees => _booster.NumTrees;
    /// <summary>True once LightGBM reported that no further split is possible; later calls add no tree.</summary>
    public bool IsFinished => _finished;
    /// <summary>The underlying raw booster (for leaf values, training scores, predictions).</summary>
    public LightGbmBooster Booster => _booster;

    private GbtRegressor(GbtOptions options, LightGbmDataset dataset, LightGbmBooster booster, double[] trainFeatures)
    {
        Options = options;
        _dataset = dataset;
        _booster = booster;
        _trainFeatures = trainFeatures;
        TrainLabels = dataset.Labels.Select(v => (double)v).ToArray();
    }

    /// <summary>Creates an untrained model on dense row-major training features and targets.</summary>
    public static GbtRegressor Create(ReadOnlySpan<double> rowMajorFeatures, int rows, int columns, ReadOnlySpan<double> target, GbtOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string parameters = options.ToParameterString(); // validates
        if (target.Length != rows)
            throw new ArgumentException($"target has {target.Length} entries but there are {rows} rows.", nameof(target));
        var labels = new float[rows];
        for (int i = 0; i < rows; i++)
        {
            if (!double.IsFinite(target[i])) throw new ArgumentException($"target[{i}] = {target[i]} is not finite.", nameof(target));
            labels[i] = (float)target[i];
        }
        var dataset = LightGbmDataset.FromMatrix(rowMajorFeatures, rows, columns, labels, parameters);
        try
        {
            var booster = LightGbmBooster.Create(dataset, parameters, $"num_threads={options.NumThreads}");
            return new GbtRegressor(options, dataset, booster, rowMajorFeatures.ToArray());
        }
        catch
        {
            dataset.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Adds one tree. Returns false (and adds nothing) once LightGBM cannot split any more; LightGBM then
    /// drops the unsplittable tree, except as the very first tree, which it keeps as a constant.
    /// </summary>
    public bool TrainOneIteration()
    {
        if (_finished) return false;
        int before = _booster.NumTrees;
        _finished = _booster.UpdateOneIteration();
        return _booster.NumTrees > before;
    }

    /// <summary>Trains up to <see cref="GbtOptions.NumRounds"/> trees in total; returns the number of trees.</summary>
    public int Train()
    {
        while (NumTrees < Options.NumRounds && TrainOneIteration()) { }
        return NumTrees;
    }

    /// <summary>LightGBM's raw-score prediction for dense row-major rows.</summary>
    public double[] PredictRaw(ReadOnlySpan<double> rowMajorFeatures, int rows) => _booster.PredictRaw(rowMajorFeatures, rows);

    /// <summary>Leaf indices, row-major rows × numTrees, of trees startTree … startTree+numTrees−1.</summary>
    public int[] PredictLeafIndices(ReadOnlySpan<double> rowMajorFeatures, int rows, int startTree, int numTrees)
        => _booster.PredictLeafIndices(rowMajorFeatures, rows, startTree, numTrees);

    /// <summary>Frees the booster, then the dataset.</summary>
    public void Dispose()
    {
        _booster.Dispose();
        _dataset.Dispose();
    }
}
