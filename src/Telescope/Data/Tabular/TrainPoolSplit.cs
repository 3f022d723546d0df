namespace Telescope.Data.Tabular;

/// <summary>A seeded split of row indices into a training set and a disjoint test pool.</summary>
public sealed record TrainPoolSplit(int[] Train, int[] Pool)
{
    /// <summary>
    /// Shuffles 0..rows−1 with <see cref="SplitMix64"/>(seed) and takes the first <paramref name="trainCount"/> rows
    /// for training and the next <paramref name="poolCount"/> (default: all the rest) for the pool.
    /// </summary>
    public static TrainPoolSplit Create(int rows, int trainCount, int? poolCount, ulong seed)
    {
        if (trainCount < 1 || trainCount > rows)
            throw new ArgumentOutOfRangeException(nameof(trainCount), trainCount, $"Training size must be in 1..{rows}.");
        int pool = poolCount ?? rows - trainCount;
        if (pool < 0 || trainCount + pool > rows)
            throw new ArgumentOutOfRangeException(nameof(poolCount), poolCount, $"Training ({trainCount}) + pool ({pool}) exceeds the {rows} rows.");
        int[] perm = new SplitMix64(seed).Permutation(rows);
        return new TrainPoolSplit(perm[..trainCount], perm[trainCount..(trainCount + pool)]);
    }
}
