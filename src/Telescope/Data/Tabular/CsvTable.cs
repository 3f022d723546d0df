using System.Globalization;

namespace Telescope.Data.Tabular;

/// <summary>
/// A comma-separated numeric table read strictly: every row must have the header's field count, every kept
/// field must be a number or a missing marker (empty, "?", "NA", "NaN"), which becomes NaN. Errors name the
/// file and the 1-based line number.
/// </summary>
public sealed class CsvTable
{
    /// <summary>Column names (from the header, or the given names for headerless files).</summary>
    public IReadOnlyList<string> ColumnNames { get; }
    /// <summary>Row-major values of the kept columns; NaN where missing.</summary>
    public double[] Values { get; }
    public int Rows { get; }
    public int Columns => ColumnNames.Count;

    private CsvTable(IReadOnlyList<string> names, double[] values, int rows)
    {
        ColumnNames = names;
        Values = values;
        Rows = rows;
    }

    /// <summary>
    /// Reads <paramref name="path"/>. With <paramref name="headerlessNames"/> null the first line is the header;
    /// otherwise the file has no header and these are its column names. Columns named in
    /// <paramref name="skipColumns"/> (ID or categorical columns) are checked for count only, never parsed.
    /// </summary>
    public static CsvTable Read(string path, IReadOnlyList<string>? headerlessNames = null, IReadOnlyCollection<string>? skipColumns = null)
    {
        string file = Path.GetFileName(path);
        using var reader = new StreamReader(path);
        int lineNumber = 0;
        string[] allNames;
        if (headerlessNames is null)
        {
            string header = reader.ReadLine() ?? throw new InvalidDataException($"{file}: the file is empty (expected a header line).");
            lineNumber = 1;
            allNames = header.Split(',').Select(Unquote).ToArray();
        }
        else allNames = headerlessNames.ToArray();

        var skip = new HashSet<string>(skipColumns ?? [], StringComparer.Ordinal);
        foreach (string s in skip)
            if (!allNames.Contains(s)) throw new InvalidDataException($"{file}: expected a column '{s}' but the columns are {string.Join(", ", allNames)}.");
        int[] kept = Enumerable.Range(0, allNames.Length).Where(c => !skip.Contains(allNames[c])).ToArray();

        var values = new List<double>();
        int rows = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (line.Length == 0 || line.All(char.IsWhiteSpace)) continue; // tolerate blank lines (e.g. at the end)
            string[] fields = line.Split(',');
            if (fields.Length != allNames.Length)
                throw new InvalidDataException($"{file}:{lineNumber}: {fields.Length} fields, expected {allNames.Length}.");
            foreach (int c in kept)
            {
                string field = Unquote(fields[c]);
                if (field.Length == 0 || field is "?" or "NA" or "NaN" or "nan") { values.Add(double.NaN); continue; }
                if (!double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
                    throw new InvalidDataException($"{file}:{lineNumber}: column '{allNames[c]}' holds '{field}', which is not a finite number.");
                values.Add(v);
            }
            rows++;
        }
        return new CsvTable(kept.Select(c => allNames[c]).ToArray(), values.ToArray(), rows);
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
