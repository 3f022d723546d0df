using System.Globalization;
using nietras.SeparatedValues;

namespace Telescope.Data.Tabular;

/// <summary>
/// A numeric table read strictly from a CSV file (through the Sep parser: RFC 4180 quoting, CRLF, separator
/// detection) or built from another source (<see cref="ParquetTable"/>): every row must have the header's field count,
/// every kept field must be a number or a missing marker (empty, "?", "NA", and — for the suite's files — "NaN"),
/// which becomes NaN. Errors name the file, the 1-based line number and the column.
/// </summary>
public sealed class CsvTable
{
    /// <summary>Column names (from the header, or the given names for headerless files).</summary>
    public IReadOnlyList<string> ColumnNames { get; }
    /// <summary>Row-major values of the kept columns; NaN where missing.</summary>
    public double[] Values { get; }
    public int Rows { get; }
    public int Columns => ColumnNames.Count;
    /// <summary>The 1-based file line of each row (blank lines are skipped), for messages about a row.</summary>
    public IReadOnlyList<int> LineNumbers { get; }
    /// <summary>The separator the file was read with (given or detected); null for a table not read from CSV.</summary>
    public char? Separator { get; }

    internal CsvTable(IReadOnlyList<string> names, double[] values, int rows, int[] lineNumbers, char? separator)
    {
        ColumnNames = names;
        Values = values;
        Rows = rows;
        LineNumbers = lineNumbers;
        Separator = separator;
    }

    /// <summary>
    /// Reads <paramref name="path"/>. With <paramref name="headerlessNames"/> null the first line is the header;
    /// otherwise the file has no header and these are its column names. Columns named in
    /// <paramref name="skipColumns"/> (ID, categorical or text columns) are checked for count only, never parsed.
    /// With <paramref name="nanIsMissing"/> false (a user's own file) a literal NaN is an error like infinity, so
    /// that a computation gone wrong upstream is not silently dropped as a missing value.
    /// <paramref name="format"/> defaults to <see cref="CsvFormat.Comma"/>.
    /// </summary>
    public static CsvTable Read(string path, IReadOnlyList<string>? headerlessNames = null, IReadOnlyCollection<string>? skipColumns = null,
        bool nanIsMissing = true, CsvFormat? format = null)
    {
        using var reader = new StreamReader(path);
        return Parse(reader, path, headerlessNames, skipColumns, nanIsMissing, format);
    }

    /// <summary>Parses CSV text from <paramref name="reader"/>; <paramref name="file"/> names it in errors. See <see cref="Read"/>.</summary>
    public static CsvTable Parse(TextReader reader, string file, IReadOnlyList<string>? headerlessNames = null,
        IReadOnlyCollection<string>? skipColumns = null, bool nanIsMissing = true, CsvFormat? format = null)
    {
        format ??= CsvFormat.Comma;
        var options = new SepReaderOptions(format.Separator is char c ? new Sep(c) : null)
        {
            HasHeader = false,   // the header is read as row 0, so its line number and problems are ours to report
            Unescape = true,
            Trim = SepTrim.All,
            DisableColCountCheck = true,
        };
        using var sep = options.From(reader);
        char separator = sep.Spec.Sep.Separator;
        var rows = new CsvRowReader(file, separator, format, nanIsMissing);
        string[]? allNames = headerlessNames?.ToArray();
        int[]? kept = allNames is null ? null : KeptColumns(file, allNames, skipColumns);
        foreach (var row in sep)
        {
            int line = row.LineNumberFrom;
            if (allNames is null)
            {
                allNames = CsvHeader.Names(row, file, separator, format.Separator is null);
                kept = KeptColumns(file, allNames, skipColumns);
                continue;
            }
            rows.Add(row, line, allNames, kept!);
        }
        if (allNames is null) throw new InvalidDataException($"{file}: the file is empty (expected a header line).");
        return rows.ToTable(kept!.Select(k => allNames[k]).ToArray());
    }

    private static int[] KeptColumns(string file, string[] allNames, IReadOnlyCollection<string>? skipColumns)
    {
        var skip = new HashSet<string>(skipColumns ?? [], StringComparer.Ordinal);
        foreach (string s in skip)
            if (!allNames.Contains(s)) throw new InvalidDataException($"{file}: expected a column '{s}' but the columns are {string.Join(", ", allNames)}.");
        return Enumerable.Range(0, allNames.Length).Where(c => !skip.Contains(allNames[c])).ToArray();
    }

    /// <summary>Key under which errors about one line carry its 1-based number in <see cref="Exception.Data"/>.</summary>
    public const string LineKey = "line";

    internal static InvalidDataException LineError(string file, int line, string problem)
    {
        var e = new InvalidDataException($"{file}:{line}: {problem}");
        e.Data[LineKey] = line;
        return e;
    }

    /// <summary>Index of a column by name.</summary>
    public int IndexOf(string name)
    {
        for (int c = 0; c < ColumnNames.Count; c++) if (ColumnNames[c] == name) return c;
        throw new KeyNotFoundException($"No column '{name}' (columns: {string.Join(", ", ColumnNames)}).");
    }
}
