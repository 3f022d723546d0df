using Parquet;
using Parquet.Schema;

namespace Telescope.Data.Tabular;

/// <summary>
/// A Parquet file as a numeric <see cref="CsvTable"/> (through Parquet.Net): every kept column must hold numbers
/// (integers or floating point, any width); nulls become NaN (missing, so the row is dropped like an empty CSV field).
/// Columns named in <c>skipColumns</c> (text, dates, IDs) are not read. Errors name the file, the column and the
/// 1-based row; rows are numbered across row groups, and <see cref="CsvTable.LineNumbers"/> holds these row numbers.
/// </summary>
public static class ParquetTable
{
    /// <summary>Reads the table from <paramref name="payload"/> (the file's bytes); <paramref name="file"/> names it in errors.</summary>
    public static CsvTable Read(byte[] payload, string file, IReadOnlyCollection<string>? skipColumns = null)
    {
        ArgumentNullException.ThrowIfNull(payload);
        try
        {
            return ReadAsync(payload, file, skipColumns ?? []).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not InvalidDataException and not TelescopeException)
        {
            throw new InvalidDataException($"{file}: not a readable Parquet file ({e.Message}).", e);
        }
    }

    private static async Task<CsvTable> ReadAsync(byte[] payload, string file, IReadOnlyCollection<string> skipColumns)
    {
        using var stream = new MemoryStream(payload, writable: false);
        await using var reader = await ParquetReader.CreateAsync(stream);
        var fields = reader.Schema.GetDataFields();
        foreach (string s in skipColumns)
            if (!fields.Any(f => f.Name == s))
                throw new InvalidDataException($"{file}: expected a column '{s}' but the columns are {string.Join(", ", fields.Select(f => f.Name))}.");
        var kept = fields.Where(f => !skipColumns.Contains(f.Name)).ToArray();
        foreach (var f in kept)
            if (!IsNumeric(f.ClrType))
                throw new InvalidDataException($"{file}: column '{f.Name}' holds {Describe(f.ClrType)} values, not numbers. " +
                    "Add it to drop_columns to ignore it.");
        var columns = kept.Select(_ => new List<double>()).ToArray();
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            int rows = checked((int)group.RowCount);
            for (int c = 0; c < kept.Length; c++)
            {
                int first = columns[c].Count;
                var read = await NumericColumn.ReadAsync(group, kept[c], rows);
                for (int i = 0; i < read.Length; i++)
                    if (double.IsInfinity(read[i].Value) || (double.IsNaN(read[i].Value) && !read[i].IsNull))
                        throw new InvalidDataException($"{file}: column '{kept[c].Name}' holds {read[i].Value} in row {first + i + 1}, which is not a finite number (a null is a missing value: such rows are dropped).");
                columns[c].AddRange(read.Select(r => r.Value));
            }
        }
        int n = columns.Length == 0 ? 0 : columns[0].Count;
        var values = new double[n * kept.Length];
        for (int c = 0; c < kept.Length; c++)
            for (int i = 0; i < n; i++) values[i * kept.Length + c] = columns[c][i];
        return new CsvTable(kept.Select(f => f.Name).ToArray(), values, n, Enumerable.Range(1, n).ToArray(), separator: null);
    }

    /// <summary>"text" for strings (Parquet.Net reads them as ReadOnlyMemory&lt;char&gt;), "binary" for bytes, else the type's name.</summary>
    private static string Describe(Type type) =>
        type == typeof(string) || type == typeof(ReadOnlyMemory<char>) ? "text"
        : type == typeof(byte[]) || type == typeof(ReadOnlyMemory<byte>) ? "binary"
        : (Nullable.GetUnderlyingType(type) ?? type).Name;

    private static bool IsNumeric(Type type) => NumericColumn.Supports(Nullable.GetUnderlyingType(type) ?? type);
}
