using System.Globalization;

namespace Telescope.Verdicts;

/// <summary>
/// Whether single-run values along a grid are ordered the way a cited paper expects (e.g. "a smaller ε delays
/// generalization more"). One run per grid point carries no estimate of its own noise, so the outcome is always
/// <see cref="VerdictOutcome.Inconclusive"/>; the statement says which ordering was measured — the same, the
/// opposite, or mixed — so a contradiction is never passed over in silence. With seeds, judge the trend with
/// <see cref="TrendCheck"/> instead.
/// </summary>
public static class OrderingCheck
{
    /// <summary>Describes the measured ordering of <paramref name="values"/> (in grid order) against <paramref name="expected"/>.</summary>
    /// <param name="values">One value per grid point, in grid order (at least two).</param>
    /// <param name="labels">How to name each grid point, e.g. "ε = 0.02".</param>
    /// <param name="expected">Grows: the value should increase along the grid; Falls: decrease.</param>
    public static Verdict SingleRun(IReadOnlyList<double> values, IReadOnlyList<string> labels, TrendDirection expected)
    {
        if (values.Count != labels.Count || values.Count < 2)
            throw new ArgumentException("An ordering needs at least two values, one label each.");
        int up = 0, down = 0;
        for (int i = 1; i < values.Count; i++)
        {
            if (values[i] > values[i - 1]) up++;
            else if (values[i] < values[i - 1]) down++;
        }
        int steps = values.Count - 1;
        bool grows = up == steps, falls = down == steps;
        string measured = grows ? "increasing" : falls ? "decreasing" : "not monotone";
        bool same = expected == TrendDirection.Grows ? grows : falls;
        bool opposite = expected == TrendDirection.Grows ? falls : grows;
        string list = string.Join(", ", values.Select((v, i) => $"{labels[i]}: {v.ToString("G3", CultureInfo.InvariantCulture)}"));
        string relation = same ? "the expected ordering" : opposite ? "the OPPOSITE of the expected ordering" : "neither the expected ordering nor its opposite";
        return new Verdict(VerdictOutcome.Inconclusive,
            $"measured {measured} ({list}) — {relation}; one run per point, so whether the differences exceed the seed-to-seed noise is not known");
    }
}
