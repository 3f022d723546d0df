using System.Text;

namespace Telescope.Data.Tabular;

/// <summary>How a researcher's own CSV file becomes a regression data set.</summary>
/// <param name="TargetColumn">The column to predict (named in the header).</param>
/// <param name="Transform">Target transform (the suite's optional log target; <see cref="TargetTransform"/>).</param>
/// <param name="DropColumns">Columns to ignore (IDs, categorical or text columns); they are not parsed.</param>
/// <param name="MinimumRows">Fewest complete rows the run needs (e.g. training size + the smallest test pool).</param>
/// <param name="MinimumRowsReason">What needs them, for the message (e.g. "train_size = 1000 needs 1010").</param>
/// <param name="Format">Separator and decimal mark of a CSV file (null: detect the separator, decimal point); not used for Parquet.</param>
public sealed record OwnCsvOptions(string TargetColumn, TargetTransform Transform, IReadOnlyList<string> DropColumns,
    int MinimumRows = 2, string? MinimumRowsReason = null, CsvFormat? Format = null);

/// <summary>
/// A researcher's own tabular regression data in a CSV file (header row, comma-separated, numeric columns; may be
/// gzip-compressed), read strictly and preprocessed like the Grinsztajn et al. suite
/// (<see cref="TabularPreprocessing"/>): rows with a missing value (empty field, <c>NA</c> or <c>?</c>) are
/// dropped, the target is optionally log-transformed, feature columns with fewer than 10 distinct values are
/// dropped. Anything else stops the load with a <see cref="DataFileException"/> naming the file and the line: a
/// non-number, NaN or infinity, a ragged row, an unknown target column, a constant target, too few rows.
/// </summary>
/// <example>
/// <code>
/// var (data, record) = OwnCsvFile.Load("measurements.csv", new OwnCsvOptions("yield", TargetTransform.Log, ["id"]));
/// Console.WriteLine($"{data.Rows} rows, {data.Columns} features, sha256 {record.Sha256}");
/// </code>
/// </example>
public static class OwnCsvFile
{
    /// <summary>Prefix of an own CSV file in a <c>datasets</c> list: <c>csv:PATH</c>.</summary>
    public const string Prefix = "csv:";

    /// <summary>Loads and preprocesses the file; the data set is named after the file.</summary>
    /// <exception cref="DataFileException">Any problem with the file (see the class summary).</exception>
    public static (TabularDataset Data, DataFileRecord Record) Load(string path, OwnCsvOptions options, ChecksumTable? checksums = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.TargetColumn))
            throw new TelescopeException($"No target column given for the CSV file '{path}'.")
            { Hint = "Name the column to predict, e.g. --set target=price." };
        var file = OwnDataFile.Read(path, checksums);
        var format = options.Format ?? CsvFormat.Detect;
        CsvTable table;
        try
        {
            using var reader = new StreamReader(new MemoryStream(file.Payload), Encoding.UTF8);
            table = CsvTable.Parse(reader, file.FullPath, skipColumns: options.DropColumns, nanIsMissing: false, format: format);
        }
        catch (InvalidDataException e) { throw DataFileException.FromReader(file.FullPath, e); }
        string how = $"CSV (separator {CsvFormat.Describe(table.Separator!.Value)}{(format.Separator is null ? ", detected" : "")}" +
            $"{(format.DecimalComma ? ", decimal comma" : "")})";
        return FromTable(file, table, options, how);
    }

    /// <summary>
    /// What every own tabular file goes through once it is a table (CSV here, Parquet in <see cref="OwnParquetFile"/>):
    /// the target, missing values, the log target, categorical columns and the row count are checked, and the
    /// preprocessing of the suite is applied.
    /// </summary>
    internal static (TabularDataset Data, DataFileRecord Record) FromTable(
        (byte[] Payload, string FullPath, long Bytes, string Sha256, KnownDataFile? Known) file, CsvTable table, OwnCsvOptions options, string how)
    {
        string full = file.FullPath;
        int target = -1;
        for (int c = 0; c < table.Columns; c++) if (table.ColumnNames[c] == options.TargetColumn) target = c;
        if (target < 0)
            throw new DataFileException(full, options.DropColumns.Contains(options.TargetColumn)
                    ? $"the target column '{options.TargetColumn}' is also in drop_columns."
                    : $"the header has no column '{options.TargetColumn}' (columns: {string.Join(", ", table.ColumnNames)}).", line: 1)
            { Hint = "Set --set target=COLUMN to one of the header's names (exact spelling and case)." };
        if (table.Rows == 0) throw new DataFileException(full, "the file has a header but no data rows.");

        var complete = CompleteRows(table);
        if (complete.Count == 0)
            throw new DataFileException(full, $"every one of its {table.Rows} data rows has a missing value, and such rows are dropped.");
        CheckTarget(table, complete, target, options.Transform, full);

        var data = TabularPreprocessing.Apply(Path.GetFileName(full), full, table.Values, table.Rows, table.ColumnNames,
            options.TargetColumn, options.Transform);
        var droppedColumns = table.ColumnNames.Where((n, c) => c != target && !data.FeatureNames.Contains(n)).ToArray();
        if (data.Columns == 0)
            throw new DataFileException(full,
                $"no feature column is left: every column but the target has fewer than {TabularPreprocessing.MinDistinctValues} " +
                $"distinct values among the complete rows and is dropped as categorical ({string.Join(", ", droppedColumns)}).");
        if (data.Rows < options.MinimumRows)
            throw new DataFileException(full,
                $"it has {data.Rows} complete rows ({table.Rows - data.Rows} of its {table.Rows} data rows dropped for missing values), " +
                $"fewer than the {options.MinimumRows} the run needs{(options.MinimumRowsReason is null ? "" : $" ({options.MinimumRowsReason})")}.")
            { Hint = "Use a smaller train_size, or a larger file." };

        string transform = options.Transform switch { TargetTransform.Log => " (log)", TargetTransform.Log1p => " (log1p)", _ => "" };
        string details =
            $"{how}: {data.Rows} complete rows of {table.Rows} ({table.Rows - data.Rows} dropped for missing values); target " +
            $"'{options.TargetColumn}'{transform}; {data.Columns} features ({string.Join(", ", data.FeatureNames)})" +
            (droppedColumns.Length > 0 ? $"; dropped as categorical (< {TabularPreprocessing.MinDistinctValues} distinct values): {string.Join(", ", droppedColumns)}" : "") +
            (options.DropColumns.Count > 0 ? $"; ignored as asked (drop_columns): {string.Join(", ", options.DropColumns)}" : "");
        return (data, new DataFileRecord("tabular data set", full, file.Bytes, file.Sha256, file.Known?.RelativePath, details));
    }

    private static List<int> CompleteRows(CsvTable table)
    {
        var rows = new List<int>(table.Rows);
        for (int i = 0; i < table.Rows; i++)
        {
            bool ok = true;
            for (int c = 0; c < table.Columns && ok; c++) ok = !double.IsNaN(table.Values[i * table.Columns + c]);
            if (ok) rows.Add(i);
        }
        return rows;
    }

    private static void CheckTarget(CsvTable table, List<int> complete, int target, TargetTransform transform, string full)
    {
        double Value(int row) => table.Values[row * table.Columns + target];
        foreach (int i in complete)
        {
            double y = Value(i);
            if (transform == TargetTransform.Log && !(y > 0))
                throw new DataFileException(full, $"the target '{table.ColumnNames[target]}' is {y}; a log target needs positive values.",
                    line: table.LineNumbers[i]) { Hint = "Use --set target_transform=log1p (targets > −1) or none." };
            if (transform == TargetTransform.Log1p && !(y > -1))
                throw new DataFileException(full, $"the target '{table.ColumnNames[target]}' is {y}; log1p needs values > −1.",
                    line: table.LineNumbers[i]) { Hint = "Use --set target_transform=none." };
        }
        double first = Value(complete[0]);
        if (complete.All(i => Value(i) == first))
            throw new DataFileException(full,
                $"the target column '{table.ColumnNames[target]}' is constant: all {complete.Count} complete rows hold {first}, " +
                "so there is nothing to regress.") { Hint = "Check --set target=COLUMN names the column to predict." };
    }
}
