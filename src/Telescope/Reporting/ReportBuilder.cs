using System.Globalization;
using System.Text;

namespace Telescope.Reporting;

/// <summary>
/// Builds a markdown report: headings, paragraphs, bullet lists, tables, figure links and a standard
/// header (recipe, date, seed, settings, definitions, machine). Methods return the builder for chaining;
/// <see cref="ToString"/> gives the markdown. Numbers in tables are formatted with
/// <see cref="FormatNumber"/> (6 significant digits, culture-invariant); the CSV keeps full precision.
/// </summary>
public sealed class ReportBuilder
{
    private readonly StringBuilder _md = new();

    /// <summary>Adds a heading; level 1 is the document title.</summary>
    public ReportBuilder Heading(string text, int level = 2)
    {
        if (level is < 1 or > 6) throw new ArgumentOutOfRangeException(nameof(level), level, "Markdown headings have levels 1 to 6.");
        return Block($"{new string('#', level)} {OneLine(text)}");
    }

    /// <summary>Adds a paragraph.</summary>
    public ReportBuilder Paragraph(string text) => Block(text.Trim());

    /// <summary>Adds a bullet list.</summary>
    public ReportBuilder Bullets(IEnumerable<string> items) =>
        Block(string.Join("\n", items.Select(i => "- " + i.Trim().Replace("\n", "\n  "))));

    /// <summary>Adds a table; cells are formatted with <see cref="FormatCell"/>.</summary>
    public ReportBuilder Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<object?>> rows)
    {
        if (header.Count == 0) throw new ArgumentException("A table needs at least one column.", nameof(header));
        var sb = new StringBuilder();
        sb.Append("| ").Append(string.Join(" | ", header.Select(EscapeCell))).Append(" |\n");
        sb.Append('|').Append(string.Concat(Enumerable.Repeat("---|", header.Count))).Append('\n');
        int r = 0;
        foreach (var row in rows)
        {
            if (row.Count != header.Count)
                throw new ArgumentException($"Table row {r} has {row.Count} cells but the header has {header.Count}.", nameof(rows));
            sb.Append("| ").Append(string.Join(" | ", row.Select(c => EscapeCell(FormatCell(c))))).Append(" |\n");
            r++;
        }
        return Block(sb.ToString().TrimEnd('\n'));
    }

    /// <summary>Adds a table with one row per item, each column given as (header, cell selector).</summary>
    public ReportBuilder Table<T>(IEnumerable<T> items, params (string Header, Func<T, object?> Cell)[] columns) =>
        Table(columns.Select(c => c.Header).ToArray(),
            items.Select(item => (IReadOnlyList<object?>)columns.Select(c => c.Cell(item)).ToArray()));

    /// <summary>Adds a figure: the PNG inline, a link to the SVG, and any notes about dropped points.</summary>
    public ReportBuilder Figure(FigureFiles files, string caption)
    {
        var sb = new StringBuilder();
        sb.Append($"![{OneLine(caption)}]({files.Png})\n\n*{OneLine(caption)}* ([SVG]({files.Svg}))");
        foreach (string note in files.Notes) sb.Append($"\n\n> Note: {OneLine(note)}");
        return Block(sb.ToString());
    }

    /// <summary>Adds markdown as is (for anything the other methods do not cover).</summary>
    public ReportBuilder Raw(string markdown) => Block(markdown.TrimEnd());

    /// <summary>
    /// Adds the standard header: title, a facts table (recipe, date, mode, seed, version), the settings,
    /// the definitions the recipe uses, and the machine.
    /// </summary>
    public ReportBuilder StandardHeader(string title, string recipe, DateTimeOffset startedUtc, long seed, bool quick,
        string telescopeVersion,
        IEnumerable<(string Name, string Value, string Description)> settings,
        IEnumerable<(string Term, string Definition)> definitions,
        IEnumerable<(string Name, string Value)> machine)
    {
        Heading(title, 1);
        Table(["", ""], new List<IReadOnlyList<object?>>
        {
            new object?[] { "recipe", $"`{recipe}`" },
            new object?[] { "date (UTC)", startedUtc.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) },
            new object?[] { "mode", quick ? "quick (--quick)" : "full" },
            new object?[] { "seed", seed.ToString(CultureInfo.InvariantCulture) },
            new object?[] { "Telescope", telescopeVersion },
        });
        Heading("Settings");
        Table(["setting", "value", "meaning"],
            settings.Select(s => (IReadOnlyList<object?>)new object?[] { $"`{s.Name}`", $"`{s.Value}`", s.Description }));
        var defs = definitions.ToList();
        if (defs.Count > 0)
        {
            Heading("Definitions");
            Bullets(defs.Select(d => $"**{d.Term}**: {d.Definition}"));
        }
        var facts = machine.ToList();
        if (facts.Count > 0)
        {
            Heading("Machine");
            Table(["", ""], facts.Select(m => (IReadOnlyList<object?>)new object?[] { m.Name, m.Value }));
        }
        return this;
    }

    /// <summary>Formats a table cell: numbers via <see cref="FormatNumber"/>, null as "—", others via ToString.</summary>
    public static string FormatCell(object? value) => value switch
    {
        null => "—",
        double d => FormatNumber(d),
        float f => FormatNumber(f),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>Six significant digits, culture-invariant; NaN and ±∞ spelled out.</summary>
    public static string FormatNumber(double value) => value switch
    {
        double.NaN => "NaN",
        double.PositiveInfinity => "∞",
        double.NegativeInfinity => "−∞",
        _ => value.ToString("G6", CultureInfo.InvariantCulture),
    };

    /// <summary>The markdown built so far.</summary>
    public override string ToString() => _md.ToString();

    private ReportBuilder Block(string text)
    {
        if (_md.Length > 0) _md.Append('\n');
        _md.Append(text).Append('\n');
        return this;
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();

    private static string EscapeCell(string text) => OneLine(text).Replace("|", "\\|");
}
