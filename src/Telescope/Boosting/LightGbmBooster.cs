namespace Telescope.Boosting;

/// <summary>
/// A raw LightGBM booster (<c>LGBM_BoosterCreate</c>) trained one iteration at a time. The parameter string is
/// passed through unchecked: use <see cref="GbtRegressor"/> for the validated configuration under which the
/// booster is an exact telescoping model (docs/method.md §6).
/// </summary>
public sealed class LightGbmBooster : IDisposable
{
    private readonly BoosterSafeHandle _handle;
    private readonly string _predictParameters;

    /// <summary>The dataset the booster trains on.</summary>
    public LightGbmDataset TrainData { get; }

    private LightGbmBooster(BoosterSafeHandle handle, LightGbmDataset trainData, string predictParameters)
    {
        _handle = handle;
        TrainData = trainData;
        _predictParameters = predictParameters;
    }

    /// <summary>Creates a booster on <paramref name="trainData"/> with a raw LightGBM parameter string.</summary>
    /// <param name="predictParameters">Parameter string for prediction calls (e.g. "num_threads=1").</param>
    public static LightGbmBooster Create(LightGbmDataset trainData, string parameters, string predictParameters = "")
    {
        ArgumentNullException.ThrowIfNull(trainData);
        LightGbmNative.Check(LightGbmNative.LGBM_BoosterCreate(trainData.Handle, parameters, out IntPtr raw), "LGBM_BoosterCreate");
        return new LightGbmBooster(new BoosterSafeHandle(raw, trainData.Handle), trainData, predictParameters);
    }

    /// <summary>
    /// One boosting iteration (<c>LGBM_BoosterUpdateOneIter</c>). Returns true when LightGBM reports that it
    /// cannot split any more; that iteration's tree is then discarded by LightGBM (unless it is the first).
    /// </summary>
    public bool UpdateOneIteration()
    {
        LightGbmNative.Check(LightGbmNative.LGBM_BoosterUpdateOneIter(_handle, out int finished), "LGBM_BoosterUpdateOneIter");
        return finished != 0;
    }

    /// <summary>Number of trees in the model (<c>LGBM_BoosterNumberOfTotalModel</c>).</summary>
    public int NumTrees
    {
        get
        {
            LightGbmNative.Check(LightGbmNative.LGBM_BoosterNumberOfTotalModel(_handle, out int n), "LGBM_BoosterNumberOfTotalModel");
            return n;
        }
    }

    /// <summary>Number of completed iterations (<c>LGBM_BoosterGetCurrentIteration</c>).</summary>
    public int CurrentIteration
    {
        get
        {
            LightGbmNative.Check(LightGbmNative.LGBM_BoosterGetCurrentIteration(_handle, out int n), "LGBM_BoosterGetCurrentIteration");
            return n;
        }
    }

    /// <summary>Output value of leaf <paramref name="leaf"/> of tree <paramref name="tree"/> (includes the shrinkage).</summary>
    public double LeafValue(int tree, int leaf)
    {
        LightGbmNative.Check(LightGbmNative.LGBM_BoosterGetLeafValue(_handle, tree, leaf, out double v), "LGBM_BoosterGetLeafValue");
        return v;
    }

    /// <summary>The training-set scores LightGBM accumulated while training (<c>LGBM_BoosterGetPredict</c>, data index 0).</summary>
    public unsafe double[] TrainingScores()
    {
        var result = new double[TrainData.Rows];
        fixed (double* r = result)
        {
            LightGbmNative.Check(LightGbmNative.LGBM_BoosterGetPredict(_handle, 0, out long len, r), "LGBM_BoosterGetPredict");
            if (len != result.Length) throw new InvalidOperationException($"LGBM_BoosterGetPredict returned {len} values, expected {result.Length}.");
        }
        return result;
    }

    /// <summary>Raw scores (sum of all tree outputs) of dense row-major rows.</summary>
    public unsafe double[] PredictRaw(ReadOnlySpan<double> rowMajorFeatures, int rows)
    {
        LightGbmDataset.ValidateMatrix(rowMajorFeatures.Length, rows, TrainData.Columns, nameof(rowMajorFeatures));
        var result = new double[rows];
        fixed (double* x = rowMajorFeatures)
        fixed (double* r = result)
        {
            LightGbmNative.Check(LightGbmNative.LGBM_BoosterPredictForMat(_handle, x, LightGbmNative.DTypeFloat64, rows,
                TrainData.Columns, 1, LightGbmNative.PredictRawScore, 0, -1, _predictParameters, out long len, r),
                "LGBM_BoosterPredictForMat");
            if (len != rows) throw new InvalidOperationException($"LGBM_BoosterPredictForMat returned {len} values, expected {rows}.");
        }
        return result;
    }

    /// <summary>
    /// Leaf index of every row in trees <paramref name="startIteration"/> … startIteration+numIterations−1
    /// (predict type 2). Result is row-major rows × numIterations.
    /// </summary>
    public unsafe int[] PredictLeafIndices(ReadOnlySpan<double> rowMajorFeatures, int rows, int startIteration, int numIterations)
    {
        LightGbmDataset.ValidateMatrix(rowMajorFeatures.Length, rows, TrainData.Columns, nameof(rowMajorFeatures));
        int trees = NumTrees;
        if (startIteration < 0 || numIterations <= 0 || startIteration + numIterations > trees)
            throw new ArgumentOutOfRangeException(nameof(numIterations),
                $"Trees {startIteration}..{startIteration + numIterations - 1} requested but the model has {trees}.");
        var raw = new double[(long)rows * numIterations];
        fixed (double* x = rowMajorFeatures)
        fixed (double* r = raw)
        {
            LightGbmNative.Check(LightGbmNative.LGBM_BoosterPredictForMat(_handle, x, LightGbmNative.DTypeFloat64, rows,
                TrainData.Columns, 1, LightGbmNative.PredictLeafIndex, startIteration, numIterations, _predictParameters,
                out long len, r), "LGBM_BoosterPredictForMat");
            if (len != raw.Length) throw new InvalidOperationException($"Leaf-index prediction returned {len} values, expected {raw.Length}.");
        }
        var leaves = new int[raw.Length];
        for (int i = 0; i < raw.Length; i++) leaves[i] = (int)raw[i];
        return leaves;
    }

    /// <summary>Frees the native booster now (then releases its hold on the dataset).</summary>
    public void Dispose() => _handle.Dispose();
}
