using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Telescope.Tests.Docs;

/// <summary>
/// The convention by which the docs quote a measured number (docs/reproduce.md §4): a markdown link whose text is the
/// number as shown and whose target is the committed file plus a JSON pointer to the value, e.g.
/// <c>[7.94](../../results/grokking-modular/quick/summary.json#/runs/0/delay_ratio)</c>. A quote matches when the value,
/// rounded to the digits the text shows, is the text (strings and booleans: equal text).
/// </summary>
internal static partial class ResultQuotes
{
    [GeneratedRegex(@"\[(?<text>[^\[\]]+)\]\((?<path>[^()\s#]+\.json)#(?<pointer>/[^()\s]*)\)")]
    private static partial Regex QuoteLink();

    /// <summary>One quote found in a markdown file.</summary>
    internal sealed record Quote(string MarkdownFile, int Line, string Text, string JsonFile, string Pointer);

    /// <summary>Every quote in <paramref name="markdownFile"/>.</summary>
    public static IEnumerable<Quote> In(string markdownFile)
    {
        var lines = File.ReadAllLines(markdownFile);
        for (int i = 0; i < lines.Length; i++)
            foreach (Match m in QuoteLink().Matches(lines[i]))
                yield return new Quote(markdownFile, i + 1, m.Groups["text"].Value,
                    Path.GetFullPath(Path.Combine(Path.GetDirectoryName(markdownFile)!, Uri.UnescapeDataString(m.Groups["path"].Value))),
                    Uri.UnescapeDataString(m.Groups["pointer"].Value));
    }

    /// <summary>Null when the quote matches its file, else what is wrong.</summary>
    public static string? Check(Quote quote)
    {
        string where = $"{quote.MarkdownFile}:{quote.Line} quotes '{quote.Text}' from {quote.JsonFile}#{quote.Pointer}";
        if (!File.Exists(quote.JsonFile)) return $"{where}: the file does not exist";
        JsonNode? node = JsonNode.Parse(File.ReadAllText(quote.JsonFile));
        foreach (string raw in quote.Pointer.Split('/').Skip(1))
        {
            string token = raw.Replace("~1", "/").Replace("~0", "~");
            node = node switch
            {
                JsonObject o when o.ContainsKey(token) => o[token],
                JsonArray a when int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out int i) && i < a.Count => a[i],
                _ => throw new KeyNotFoundException($"{where}: no '{token}' at that point of the file"),
            };
        }
        if (node is not JsonValue value) return $"{where}: the pointer names an object or array, not a value";
        if (value.TryGetValue(out double number)) return Matches(quote.Text, number) ? null : $"{where}: the file holds {number.ToString("R", CultureInfo.InvariantCulture)}";
        string text = value.ToString();
        return text == quote.Text ? null : $"{where}: the file holds '{text}'";
    }

    /// <summary>Does <paramref name="text"/> show <paramref name="value"/> to the digits it has ("7.94" is 7.935 … 7.945)?</summary>
    public static bool Matches(string text, double value)
    {
        string t = text.Replace('−', '-').Replace(",", "").Replace(" ", "").Replace("\u2009", "");
        if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double shown)) return false;
        string mantissa = t.Split('e', 'E')[0];
        int exponent = t.Contains('e') || t.Contains('E') ? int.Parse(t.Split('e', 'E')[1], CultureInfo.InvariantCulture) : 0;
        int decimals = mantissa.Contains('.') ? mantissa.Length - mantissa.IndexOf('.') - 1 : 0;
        double halfUnit = 0.5 * Math.Pow(10, exponent - decimals);
        return Math.Abs(value - shown) <= halfUnit * (1 + 1e-9);
    }
}
