using System.Globalization;
using nietras.SeparatedValues;

namespace Telescope.Data.Tabular;

/// <summary>
/// Turns CSV data rows into numbers, strictly (see <see cref="CsvTable"/>), and says what a failure most likely
/// means: a field count that does not match, or a decimal comma read as a separator or a number.
/// </summary>
internal sealed class CsvRowReader(string file, char separator, CsvFormat format, bool nanIsMissing)
{
    private readonly List<double> _values = [];
    private readonly List<int> _lines = [];

    public void Add(SepReader.Row row, int line, string[] allNames, int[] kept)
    {
        if (row.ColCount == 1 && row[0].Span.IsWhiteSpace()) return;   // tolerate blank lines (e.g. at the end)
        if (row.ColCount != allNames.Length)
            throw CsvTable.LineError(file, line, $"{row.ColCount} fields, expected {allNames.Length} (separator {CsvFormat.Describe(separator)}" +
                (format.Separator is null ? ", detected from the header" : "") + ").");
        foreach (int c in kept)
        {
            var field = row[c].Span;
            if (field.Length == 0 || field is "?" or "NA" || (nanIsMissing && field is "NaN" or "nan")) { _values.Add(double.NaN); continue; }
            if (!double.TryParse(field, NumberStyles.Float, format.Numbers, out double v) || !double.IsFinite(v))
                throw CsvTable.LineError(file, line, $"column '{allNames[c]}' holds '{field}', which is not a finite number" +
                    (nanIsMissing ? "." : " (mark a missing value with an empty field or NA: such rows are dropped).") + DecimalHint(field));
            _values.Add(v);
        }
        _lines.Add(line);
    }

    public CsvTable ToTable(string[] keptNames) =>
        new(keptNames, _values.ToArray(), _lines.Count, _lines.ToArray(), separator);

    private string DecimalHint(ReadOnlySpan<char> field) =>
        !format.DecimalComma && field.Contains(',') && separator != ','
            && double.TryParse(field, NumberStyles.Float, new CsvFormat(separator, DecimalComma: true).Numbers, out _)
            ? " It looks like a decimal comma: set decimal_comma=true."
            : "";
}
