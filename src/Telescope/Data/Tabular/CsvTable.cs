using System.Globalization;

namespace Telescope.Data.Tabular;

/// <summary>
/// A comma-separated numeric table read strictly: every row must have the header's field count, every kept
/// field must be a number or a missing marker (empty, "?", "NA", and — for the suite's files — "NaN"), which
/// becomes NaN. Errors name the file and the 1-based line number.
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

    private CsvTable(IReadOnlyList<string> names, double[] values, int rows, int[] lineNumbers)
    {
        ColumnNames = names;
        Values = values;
        Rows = rows;
        LineNumbers = lineNumbers;
    }

    /// <summary>
    /// Reads <paramref name="path"/>. With <paramref name="headerlessNames"/> null the first line is the header;
    /// otherwise the file has no header and these are its column names. Columns named in
    /// <paramref name="skipColumns"/> (ID or categorical columns) are checked for count only, never parsed.
    /// With <paramref name="nanIsMissing"/> false (a user's own file) a literal NaN is an error like infinity, so
    /// that a computation gone wrong upstream is not silently dropped as a missing value.
    /// </summary>
    public static CsvTable Read(string path, IReadOnlyList<string>? headerlessNames = null, IReadOnlyCollection<string>? skipColumns = null,
        bool nanIsMissing = true)
    {
        using var reader = new StreamReader(path);
        return Parse(reader, path, headerlessNames, skipColumns, nanIsMissing);
    }

    /// <summary>Parses CSV text from <paramref name="reader"/>; <paramref name="file"/> names it in errors. See <see cref="Read"/>.</summary>
    public static CsvTable Parse(TextReader reader, string file, IReadOnlyList<string>? headerlessNames = null,
        IReadOnlyCollection<string>? skipColumns = null, bool nanIsMissing = true)
    {
        int lineNumber = 0;
        string[] allNames;
        if (headerlessNames is null)
        {
            string header = reader.ReadLine() ?? throw new InvalidDataException($"{file}: the file is empty (expected a header line).");
            lineNumber = 1;
            allNames = header.Split(',').Select(Unquote).ToArray();
            for (int c = 0; c < allNames.Length; c++)
            {
                if (allNames[c].Length == 0)
                    throw LineError(file, 1, $"column {c + 1} of the header has no name.");
                if (Array.IndexOf(allNames, allNames[c]) != c)
                    throw LineError(file, 1, $"the header names column '{allNames[c]}' twice.");
            }
        }
        else allNames = headerlessNames.ToArray();

        var skip = new HashSet<string>(skipColumns ?? [], StringComparer.Ordinal);
        foreach (string s in skip)
            if (!allNames.Contains(s)) throw new InvalidDataException($"{file}: expected a column '{s}' but the columns are {string.Join(", ", allNames)}.");
        int[] kept = Enumerable.Range(0, allNames.Length).Where(c => !skip.Contains(allNames[c])).ToArray();

        var values = new List<double>();
        var lines = new List<int>();
        int rows = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (line.Length == 0 || line.All(char.IsWhiteSpace)) continue; // tolerate blank lines (e.g. at the end)
            string[] fields = line.Split(',');
            if (fields.Length != allNames.Length)
                throw LineError(file, lineNumber, $"{fields.Length} fields, expected {allNames.Length}.");
            foreach (int c in kept)
            {
                string field = Unquote(fields[c]);
                if (field.Length == 0 || field is "?" or "NA" || (nanIsMissing && field is "NaN" or "nan")) { values.Add(double.NaN); continue; }
                if (!double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
                    throw LineError(file, lineNumber, $"column '{allNames[c]}' holds '{field}', which is not a finite number" +
                        (nanIsMissing ? "." : " (mark a missing value with an empty field or NA: such rows are dropped)."));
                values.Add(v);
            }
            rows++;
            lines.Add(lineNumber);
        }
        return new CsvTable(kept.Select(c => allNames[c]).ToArray(), values.ToArray(), rows, lines.ToArray());
    }

    /// <summary>Key under which errors about one line carry its 1-based number in <see cref="Exception.Data"/>.</summary>
    public const string LineKey = "line";

    private static InvalidDataException LineError(string file, int line, string problem)
    {
        var e = new InvalidDataException($"{file}:{line}: {problem}");
        e.Data[LineKey] = line;
        return e;
    }

    private static string Unquote(string s)
    {
        s = s.Trim();
        return s.Length >= 2 && s[0] == '"' && s[^1] == '"' ? s[1..^1] : s;
    }

    /// <summary>Index of a column by name.</summary>
    public int IndexOf(string name)
    {
        for (int c = 0; c < ColumnNames.Count; c++) if (ColumnNames[c] == name) return c;
        throw new KeyNotFoundException($"No column '{name}' (columns: {string.Join(", ", ColumnNames)}).");
    }
}
