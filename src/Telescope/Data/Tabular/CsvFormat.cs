using System.Globalization;

namespace Telescope.Data.Tabular;

/// <summary>
/// How a CSV file separates fields and writes decimals. <see cref="Separator"/> null detects the separator from the
/// header line (comma, semicolon, tab, pipe, …; the table reports what it found); <see cref="DecimalComma"/> reads
/// "1,5" as 1.5 (exports from spreadsheets in many locales, usually with ';' as separator). Fields may be quoted
/// (RFC 4180: embedded separators, quotes doubled, line breaks), lines may end in CRLF, a UTF-8 byte-order mark is
/// ignored.
/// </summary>
/// <param name="Separator">The field separator, or null to detect it from the header.</param>
/// <param name="DecimalComma">Numbers use ',' as the decimal mark (no thousands separator).</param>
public sealed record CsvFormat(char? Separator = ',', bool DecimalComma = false)
{
    /// <summary>Comma-separated, decimal point: the tabular suite's files.</summary>
    public static CsvFormat Comma { get; } = new(',');

    /// <summary>Separator detected from the header, decimal point.</summary>
    public static CsvFormat Detect { get; } = new(Separator: null);

    /// <summary>The number format numbers are parsed with.</summary>
    internal NumberFormatInfo Numbers => DecimalComma ? CommaDecimal : NumberFormatInfo.InvariantInfo;

    private static readonly NumberFormatInfo CommaDecimal = new() { NumberDecimalSeparator = ",", NumberGroupSeparator = "\u00a0" };

    /// <summary>
    /// Parses a <c>csv_separator</c> setting: "auto", a single character, or the names "comma", "semicolon", "tab",
    /// "pipe".
    /// </summary>
    public static char? ParseSeparator(string value) => value switch
    {
        "auto" => null,
        "comma" => ',',
        "semicolon" => ';',
        "tab" or "\\t" => '\t',
        "pipe" => '|',
        { Length: 1 } => value[0],
        _ => throw new TelescopeException($"'{value}' is not a CSV separator.")
            { Hint = "Use auto, a single character (e.g. ;), or comma, semicolon, tab, pipe." },
    };

    /// <summary>The separator for messages: "',' (comma)", "';' (semicolon)", "tab".</summary>
    public static string Describe(char separator) => separator switch
    {
        ',' => "',' (comma)",
        ';' => "';' (semicolon)",
        '\t' => "tab",
        '|' => "'|' (pipe)",
        _ => $"'{separator}'",
    };
}
