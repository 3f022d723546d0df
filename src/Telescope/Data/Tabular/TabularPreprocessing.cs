namespace Telescope.Data.Tabular;

/// <summary>
/// The preprocessing of Grinsztajn, Oyallon &amp; Varoquaux (2022) for numerical regression: drop rows with a
/// missing value, transform the target, drop feature columns with fewer than 10 distinct values. ID and
/// categorical columns are removed before (see <see cref="CsvTable.Read"/>).
/// </summary>
public static class TabularPreprocessing
{
    /// <summary>The benchmark's threshold: numeric columns with fewer distinct values are treated as categorical and dropped.</summary>
    public const int MinDistinctValues = 10;

    /// <summary>
    /// Builds a data set from a row-major table (<paramref name="values"/>, rows × names.Count, NaN = missing).
    /// <paramref name="source"/> names the origin in error messages.
    /// </summary>
    public static TabularDataset Apply(string name, string source, double[] values, int rows, IReadOnlyList<string> columnNames,
        string targetColumn, TargetTransform transform, int minDistinctValues = MinDistinctValues)
    {
        int cols = columnNames.Count;
        if ((long)rows * cols != values.Length) throw new ArgumentException($"{source}: {values.Length} values for {rows}×{cols}.", nameof(values));
        int targetIndex = -1;
        for (int c = 0; c < cols; c++) if (columnNames[c] == targetColumn) targetIndex = c;
        if (targetIndex < 0) throw new InvalidDataException($"{source}: no target column '{targetColumn}' (columns: {string.Join(", ", columnNames)}).");

        // 1. rows with any missing value go.
        var keptRows = new List<int>(rows);
        for (int i = 0; i < rows; i++)
        {
            bool complete = true;
            for (int c = 0; c < cols && complete; c++) complete = !double.IsNaN(values[i * cols + c]);
            if (complete) keptRows.Add(i);
        }

        // 2. target transform.
        var target = new double[keptRows.Count];
        for (int k = 0; k < keptRows.Count; k++)
        {
            double y = values[keptRows[k] * cols + targetIndex];
            target[k] = transform switch
            {
                TargetTransform.None => y,
                TargetTransform.Log => y > 0 ? Math.Log(y) : throw new InvalidDataException($"{source}: data row {keptRows[k] + 1} has target {y}; a log transform needs positive targets (use Log1p for targets with zeros)."),
                TargetTransform.Log1p => y > -1 ? Math.Log(1 + y) : throw new InvalidDataException($"{source}: data row {keptRows[k] + 1} has target {y}; log1p needs targets > −1."),
                _ => throw new ArgumentOutOfRangeException(nameof(transform)),
            };
        }

        // 3. feature columns with fewer than minDistinctValues distinct values go (the target is never dropped).
        var featureColumns = new List<int>();
        var distinct = new HashSet<double>();
        for (int c = 0; c < cols; c++)
        {
            if (c == targetIndex) continue;
            distinct.Clear();
            foreach (int i in keptRows)
            {
                distinct.Add(values[i * cols + c]);
                if (distinct.Count >= minDistinctValues) break;
            }
            if (distinct.Count >= minDistinctValues) featureColumns.Add(c);
        }

        int d = featureColumns.Count;
        var x = new double[(long)keptRows.Count * d];
        for (int k = 0; k < keptRows.Count; k++)
            for (int j = 0; j < d; j++)
                x[k * d + j] = values[keptRows[k] * cols + featureColumns[j]];
        return new TabularDataset(name, x, keptRows.Count, d, target, featureColumns.Select(c => columnNames[c]).ToArray(), targetColumn);
    }
}
