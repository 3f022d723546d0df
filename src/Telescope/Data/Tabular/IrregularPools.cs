namespace Telescope.Data.Tabular;

/// <summary>
/// The test pool split by irregularity score (docs/method.md §7): the top <see cref="IrregularFraction"/> (10%) of rows by
/// score form the irregular pool, the rest the regular pool. Indices refer to rows of the scored pool.
/// </summary>
public sealed class IrregularPools
{
    /// <summary>Pool rows in the irregular pool, most irregular first.</summary>
    public int[] Irregular { get; }
    /// <summary>Remaining pool rows, most irregular first.</summary>
    public int[] Regular { get; }
    /// <summary>Fraction of the pool declared irregular.</summary>
    public double IrregularFraction { get; }
    /// <summary>The smallest score in the irregular pool.</summary>
    public double Threshold { get; }

    private IrregularPools(int[] irregular, int[] regular, double fraction, double threshold)
    {
        Irregular = irregular;
        Regular = regular;
        IrregularFraction = fraction;
        Threshold = threshold;
    }

    /// <summary>
    /// Ranks the pool by score (descending; ties by row index so the split is deterministic) and takes the top
    /// round(fraction·N) rows (at least one, at most N − 1) as the irregular pool.
    /// </summary>
    public static IrregularPools FromScores(ReadOnlySpan<double> scores, double irregularFraction = 0.1)
    {
        int n = scores.Length;
        if (n < 2) throw new ArgumentException("The pool needs at least two rows to split.", nameof(scores));
        if (!(irregularFraction > 0 && irregularFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(irregularFraction), irregularFraction, "The irregular fraction must be in (0, 1).");
        foreach (double s in scores) if (double.IsNaN(s)) throw new ArgumentException("Scores contain NaN.", nameof(scores));
        var s0 = scores.ToArray();
        var order = Enumerable.Range(0, n).ToArray();
        Array.Sort(order, (a, b) => s0[b].CompareTo(s0[a]) is var c && c != 0 ? c : a.CompareTo(b));
        int count = Math.Clamp((int)Math.Round(irregularFraction * n, MidpointRounding.AwayFromZero), 1, n - 1);
        return new IrregularPools(order[..count], order[count..], irregularFraction, s0[order[count - 1]]);
    }
}
