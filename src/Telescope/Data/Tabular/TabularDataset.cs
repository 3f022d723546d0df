namespace Telescope.Data.Tabular;

/// <summary>A numerical regression data set: dense row-major features, one target, feature names.</summary>
public sealed class TabularDataset
{
    private readonly double[] _features;
    private readonly double[] _target;

    /// <summary>Benchmark name (e.g. "houses").</summary>
    public string Name { get; }
    public int Rows { get; }
    public int Columns { get; }
    /// <summary>Row-major Rows × Columns features.</summary>
    public ReadOnlySpan<double> Features => _features;
    public ReadOnlySpan<double> Target => _target;
    public IReadOnlyList<string> FeatureNames { get; }
    public string TargetName { get; }

    public TabularDataset(string name, double[] rowMajorFeatures, int rows, int columns, double[] target,
        IReadOnlyList<string> featureNames, string targetName)
    {
        ArgumentNullException.ThrowIfNull(rowMajorFeatures);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(featureNames);
        if (rows < 0 || columns < 0 || (long)rows * columns != rowMajorFeatures.Length)
            throw new ArgumentException($"Features have {rowMajorFeatures.Length} values, expected {rows}×{columns}.", nameof(rowMajorFeatures));
        if (target.Length != rows) throw new ArgumentException($"Target has {target.Length} values, expected {rows}.", nameof(target));
        if (featureNames.Count != columns) throw new ArgumentException($"{featureNames.Count} feature names for {columns} columns.", nameof(featureNames));
        Name = name;
        _features = rowMajorFeatures;
        _target = target;
        Rows = rows;
        Columns = columns;
        FeatureNames = featureNames;
        TargetName = targetName;
    }

    /// <summary>Features of row i.</summary>
    public ReadOnlySpan<double> Row(int i) => _features.AsSpan(checked(i * Columns), Columns);

    /// <summary>The value of feature column c in row i.</summary>
    public double this[int i, int c] => _features[i * Columns + c];

    /// <summary>A new data set with the given rows, in the given order.</summary>
    public TabularDataset Select(ReadOnlySpan<int> rows)
    {
        var x = new double[(long)rows.Length * Columns];
        var y = new double[rows.Length];
        for (int k = 0; k < rows.Length; k++)
        {
            int i = rows[k];
            if ((uint)i >= (uint)Rows) throw new ArgumentOutOfRangeException(nameof(rows), i, $"Row index outside 0..{Rows - 1}.");
            Row(i).CopyTo(x.AsSpan(k * Columns, Columns));
            y[k] = _target[i];
        }
        return new TabularDataset(Name, x, rows.Length, Columns, y, FeatureNames, TargetName);
    }

    /// <summary>A new data set with the same rows and names and replaced values (e.g. after standardization).</summary>
    public TabularDataset WithValues(double[] rowMajorFeatures, double[] target)
        => new(Name, rowMajorFeatures, Rows, Columns, target, FeatureNames, TargetName);
}
