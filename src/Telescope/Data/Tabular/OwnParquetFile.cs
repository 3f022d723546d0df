namespace Telescope.Data.Tabular;

/// <summary>
/// A researcher's own tabular regression data in a Parquet file, read through Parquet.Net
/// (<see cref="ParquetTable"/>: numeric columns of any width, nulls as missing values) and then checked and
/// preprocessed exactly like an own CSV file (<see cref="OwnCsvFile"/>): same target, drop_columns, missing-row,
/// categorical-column and row-count rules, same messages with the row in place of the line.
/// </summary>
/// <example>
/// <code>
/// var (data, record) = OwnParquetFile.Load("measurements.parquet", new OwnCsvOptions("yield", TargetTransform.None, ["site"]));
/// Console.WriteLine(record.Details);
/// </code>
/// </example>
public static class OwnParquetFile
{
    /// <summary>Prefix of an own Parquet file in a <c>datasets</c> list: <c>parquet:PATH</c>.</summary>
    public const string Prefix = "parquet:";

    /// <summary>Loads and preprocesses the file; the data set is named after the file.</summary>
    /// <exception cref="DataFileException">Any problem with the file.</exception>
    public static (TabularDataset Data, DataFileRecord Record) Load(string path, OwnCsvOptions options, ChecksumTable? checksums = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.TargetColumn))
            throw new TelescopeException($"No target column given for the Parquet file '{path}'.")
            { Hint = "Name the column to predict, e.g. --set target=price." };
        var file = OwnDataFile.Read(path, checksums);
        CsvTable table;
        try
        {
            table = ParquetTable.Read(file.Payload, file.FullPath, options.DropColumns);
        }
        catch (InvalidDataException e) { throw DataFileException.FromReader(file.FullPath, e); }
        return OwnCsvFile.FromTable(file, table, options, "Parquet");
    }
}
