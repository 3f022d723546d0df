namespace Telescope.Data.Tabular;

/// <summary>One test set T_π: <see cref="IrregularCount"/> rows from the irregular pool, the rest regular.</summary>
/// <param name="Pi">Share of irregular rows π.</param>
/// <param name="Repetition">Repetition r = 0..R−1.</param>
/// <param name="Rows">Pool row indices: the irregular draws first, then the regular ones.</param>
/// <param name="IrregularCount">round(π·m).</param>
public sealed record MixedTestSet(double Pi, int Repetition, int[] Rows, int IrregularCount);

/// <summary>
/// Test sets T_π for π ∈ {0, 0.1, …, 1} (docs/method.md §7): m rows each, round(π·m) drawn without replacement from the
/// irregular pool and the rest from the regular pool, R seeded repetitions. Each (r, π) set has its own
/// derived SplitMix64 stream, so a set does not change when the grid or R changes.
/// </summary>
public static class MixedTestSets
{
    /// <summary>Number of grid steps: π = k/10 for k = 0..10.</summary>
    public const int GridSteps = 10;

    /// <summary>round(k/10 · m), half away from zero, in exact integer arithmetic.</summary>
    public static int IrregularCount(int k, int m) => (2 * k * m + GridSteps) / (2 * GridSteps);

    /// <summary>Builds T_π for every π on the grid and every repetition (repetition-major order).</summary>
    public static IReadOnlyList<MixedTestSet> Build(IrregularPools pools, int m, int repetitions, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(pools);
        if (m < 1) throw new ArgumentOutOfRangeException(nameof(m), m, "Test sets need at least one row.");
        if (repetitions < 1) throw new ArgumentOutOfRangeException(nameof(repetitions), repetitions, "Need at least one repetition.");
        if (m > pools.Irregular.Length)
            throw new ArgumentException($"m = {m} rows exceed the irregular pool ({pools.Irregular.Length} rows), so T_1 cannot be drawn without replacement; use a smaller m or a larger test pool.", nameof(m));
        if (m > pools.Regular.Length)
            throw new ArgumentException($"m = {m} rows exceed the regular pool ({pools.Regular.Length} rows).", nameof(m));

        var sets = new List<MixedTestSet>(repetitions * (GridSteps + 1));
        for (int r = 0; r < repetitions; r++)
            for (int k = 0; k <= GridSteps; k++)
            {
                var rng = new SplitMix64(DeriveSeed(seed, r, k));
                int irregular = IrregularCount(k, m);
                var rows = new int[m];
                Sample(pools.Irregular, irregular, rng).CopyTo(rows, 0);
                Sample(pools.Regular, m - irregular, rng).CopyTo(rows, irregular);
                sets.Add(new MixedTestSet(k / (double)GridSteps, r, rows, irregular));
            }
        return sets;
    }

    private static ulong DeriveSeed(ulong seed, int repetition, int k)
    {
        var mix = new SplitMix64(seed ^ (0xD1B54A32D192ED03UL * (ulong)(repetition * (GridSteps + 1) + k + 1)));
        return mix.NextUInt64();
    }

    /// <summary>count distinct elements of <paramref name="source"/>, uniformly (partial Fisher–Yates).</summary>
    private static int[] Sample(int[] source, int count, SplitMix64 rng)
    {
        var copy = (int[])source.Clone();
        for (int i = 0; i < count; i++)
        {
            int j = i + rng.NextInt(copy.Length - i);
            (copy[i], copy[j]) = (copy[j], copy[i]);
        }
        return copy[..count];
    }
}
