namespace Telescope.Data;

/// <summary>
/// SplitMix64 (Steele, Lea &amp; Flood 2014; Vigna's reference <c>splitmix64.c</c>): a tiny, fast 64-bit
/// generator whose output sequence is fixed by its published algorithm. Every seeded choice in the data
/// layer (shuffles, subsets, label noise, synthetic images) draws from it, so a given seed gives the same
/// result on every machine and .NET version — unlike <see cref="System.Random"/>, whose algorithm is not a
/// contract. Not for cryptography.
/// </summary>
public sealed class SplitMix64
{
    private ulong _state;

    /// <summary>Creates a generator; the seed is the initial state of the reference implementation.</summary>
    public SplitMix64(ulong seed) => _state = seed;

    /// <summary>
    /// The generator's whole state. <c>new SplitMix64(g.State)</c> continues exactly where g is (the seed is the
    /// initial state), which is how training snapshots save a random stream.
    /// </summary>
    public ulong State => _state;

    /// <summary>Next 64 uniformly distributed bits (the reference <c>next()</c>).</summary>
    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform double in [0, 1) with 53 random bits (exact, no rounding).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, <paramref name="exclusiveMax"/>), without modulo bias (Lemire 2019).</summary>
    public int NextInt(int exclusiveMax)
    {
        if (exclusiveMax <= 0)
            throw new ArgumentOutOfRangeException(nameof(exclusiveMax), exclusiveMax, "The upper bound must be positive.");
        ulong bound = (ulong)exclusiveMax;
        ulong high = Math.BigMul(NextUInt64(), bound, out ulong low);
        if (low < bound)
        {
            // Reject the few low words that would make some results more likely than others.
            ulong threshold = (0UL - bound) % bound;
            while (low < threshold)
                high = Math.BigMul(NextUInt64(), bound, out low);
        }
        return (int)high;
    }

    /// <summary>Shuffles in place with the Fisher–Yates algorithm (last position first).</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>Standard normal draw (Box–Muller; the second value is discarded to keep the stream simple).</summary>
    public double NextGaussian()
    {
        double u1 = 1.0 - NextDouble(); // (0, 1]
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>A uniformly random permutation of 0..n−1 drawn from this generator's stream.</summary>
    public int[] Permutation(int n)
    {
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), n, "The length must not be negative.");
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Shuffle<int>(order);
        return order;
    }

    /// <summary>A uniformly random permutation of 0..n−1 determined by <paramref name="seed"/>.</summary>
    public static int[] Permutation(int n, ulong seed) => new SplitMix64(seed).Permutation(n);

    /// <summary>
    /// <paramref name="k"/> distinct indices drawn uniformly from 0..n−1 (a partial Fisher–Yates shuffle),
    /// returned in increasing order.
    /// </summary>
    public int[] SampleWithoutReplacement(int n, int k)
    {
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), n, "The population size must not be negative.");
        if (k < 0 || k > n)
            throw new ArgumentOutOfRangeException(nameof(k), k, $"Cannot draw {k} distinct indices from {n}.");
        var pool = new int[n];
        for (int i = 0; i < n; i++) pool[i] = i;
        for (int i = 0; i < k; i++)
        {
            int j = i + NextInt(n - i);
            (pool[i], pool[j]) = (pool[j], pool[i]);
        }
        var chosen = pool.AsSpan(0, k).ToArray();
        Array.Sort(chosen);
        return chosen;
    }
}
