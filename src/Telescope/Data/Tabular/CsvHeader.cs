using nietras.SeparatedValues;

namespace Telescope.Data.Tabular;

/// <summary>The header row of a CSV file: named, unique columns, and a clear word when the separator looks wrong.</summary>
internal static class CsvHeader
{
    private static readonly char[] OtherSeparators = [',', ';', '\t', '|'];

    public static string[] Names(SepReader.Row row, string file, char separator, bool detected)
    {
        var names = new string[row.ColCount];
        for (int c = 0; c < names.Length; c++) names[c] = row[c].ToString();
        if (names.Length == 1 && names[0].IndexOfAny(OtherSeparators) is int at and >= 0 && names[0][at] != separator)
            throw CsvTable.LineError(file, 1,
                $"the header is one column '{names[0]}' when read with separator {CsvFormat.Describe(separator)}" +
                $"{(detected ? " (detected)" : "")}, but it contains {CsvFormat.Describe(names[0][at])}: " +
                $"set csv_separator={(names[0][at] == '\t' ? "tab" : names[0][at].ToString())}.");
        for (int c = 0; c < names.Length; c++)
        {
            if (names[c].Length == 0)
                throw CsvTable.LineError(file, 1, $"column {c + 1} of the header has no name.");
            if (Array.IndexOf(names, names[c]) != c)
                throw CsvTable.LineError(file, 1, $"the header names column '{names[c]}' twice.");
        }
        return names;
    }
}
