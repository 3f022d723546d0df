namespace Telescope.Boosting;

/// <summary>
/// A LightGBM training dataset built from a dense row-major float64 matrix and float32 labels
/// (LightGBM stores labels as float32 whatever the caller passes; <see cref="Labels"/> keeps exactly those values).
/// </summary>
public sealed class LightGbmDataset : IDisposable
{
    internal DatasetSafeHandle Handle { get; }

    /// <summary>Number of rows.</summary>
    public int Rows { get; }
    /// <summary>Number of feature columns.</summary>
    public int Columns { get; }
    /// <summary>The labels as LightGBM holds them (float32).</summary>
    public IReadOnlyList<float> Labels { get; }

    private LightGbmDataset(DatasetSafeHandle handle, int rows, int columns, float[] labels)
    {
        Handle = handle;
        Rows = rows;
        Columns = columns;
        Labels = labels;
    }

    /// <summary>
    /// Creates a dataset (<c>LGBM_DatasetCreateFromMat</c> + <c>LGBM_DatasetSetField("label")</c>).
    /// <paramref name="parameters"/> is a raw LightGBM parameter string ("key=value key=value"); dataset
    /// parameters (max_bin, min_data_in_bin, …) take effect here, so pass the same string as to the booster.
    /// </summary>
    public static unsafe LightGbmDataset FromMatrix(ReadOnlySpan<double> rowMajorFeatures, int rows, int columns,
        ReadOnlySpan<float> labels, string parameters)
    {
        ValidateMatrix(rowMajorFeatures.Length, rows, columns, nameof(rowMajorFeatures));
        if (labels.Length != rows)
            throw new ArgumentException($"labels has {labels.Length} entries but the matrix has {rows} rows.", nameof(labels));

        IntPtr raw;
        fixed (double* x = rowMajorFeatures)
        {
            LightGbmNative.Check(LightGbmNative.LGBM_DatasetCreateFromMat(x, LightGbmNative.DTypeFloat64, rows, columns,
                1, parameters, IntPtr.Zero, out raw), "LGBM_DatasetCreateFromMat");
        }
        var handle = new DatasetSafeHandle(raw);
        try
        {
            fixed (float* y = labels)
            {
                LightGbmNative.Check(LightGbmNative.LGBM_DatasetSetField(handle, "label", y, rows, LightGbmNative.DTypeFloat32),
                    "LGBM_DatasetSetField");
            }
        }
        catch
        {
            handle.Dispose();
            throw;
        }
        return new LightGbmDataset(handle, rows, columns, labels.ToArray());
    }

    internal static void ValidateMatrix(int length, int rows, int columns, string name)
    {
        if (rows <= 0) throw new ArgumentOutOfRangeException(nameof(rows), rows, "Need at least one row.");
        if (columns <= 0) throw new ArgumentOutOfRangeException(nameof(columns), columns, "Need at least one column.");
        if ((long)rows * columns != length)
            throw new ArgumentException($"{name} has {length} values but rows×columns = {rows}×{columns} = {(long)rows * columns}; pass a dense row-major matrix.", name);
    }

    /// <summary>Frees the native dataset (deferred by LightGBM boosters that still train on it).</summary>
    public void Dispose() => Handle.Dispose();
}
