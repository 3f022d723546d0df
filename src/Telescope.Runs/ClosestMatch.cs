namespace Telescope.Runs;

/// <summary>Finds the candidate closest to a mistyped name (Levenshtein distance, case-insensitive).</summary>
internal static class ClosestMatch
{
    /// <summary>The closest candidate, or null when none is plausibly what was meant.</summary>
    public static string? Find(string typed, IEnumerable<string> candidates)
    {
        string? best = candidates.MinBy(c => Distance(typed, c));   // the first of the closest
        return best is not null && Distance(typed, best) <= Math.Max(2, typed.Length / 3) ? best : null;
    }

    /// <summary>" Did you mean 'x'?" for the closest candidate x, or "" when none is plausibly what was meant.</summary>
    public static string Suggestion(string typed, IEnumerable<string> candidates) =>
        Find(typed, candidates) is { } closest ? $" Did you mean '{closest}'?" : "";

    // A substring match ("lr" for "lr_max") counts as close even if many letters are missing.
    private static int Distance(string typed, string candidate) => Math.Min(Levenshtein(typed.ToLowerInvariant(), candidate.ToLowerInvariant()),
        candidate.Contains(typed, StringComparison.OrdinalIgnoreCase) || typed.Contains(candidate, StringComparison.OrdinalIgnoreCase) ? 1 : int.MaxValue);

    private static int Levenshtein(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
