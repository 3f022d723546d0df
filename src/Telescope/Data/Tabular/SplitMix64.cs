namespace Telescope.Data.Tabular;

/// <summary>
/// SplitMix64 (Steele, Lea &amp; Flood 2014): a tiny, fully specified 64-bit generator, so that seeded splits and
/// samples are identical on every .NET version and platform (System.Random's algorithm is not a contract).
/// </summary>
public sealed class SplitMix64
{
    private ulong _state;

    public SplitMix64(ulong seed) => _state = seed;

    /// <summary>Next 64 uniformly distributed bits.</summary>
    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform integer in [0, bound), without modulo bias (rejection sampling).</summary>
    public int NextInt(int bound)
    {
        if (bound <= 0) throw new ArgumentOutOfRangeException(nameof(bound), bound, "Bound must be positive.");
        ulong b = (ulong)bound;
        ulong limit = ulong.MaxValue - ulong.MaxValue % b; // accept only the largest multiple of b
        ulong x;
        do { x = NextUInt64(); } while (x >= limit);
        return (int)(x % b);
    }

    /// <summary>Uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Standard normal draw (Box–Muller; the second value is discarded to keep the stream simple).</summary>
    public double NextGaussian()
    {
        double u1 = 1.0 - NextDouble(); // (0, 1]
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>In-place Fisher–Yates shuffle.</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>A uniformly random permutation of 0..count−1.</summary>
    public int[] Permutation(int count)
    {
        var p = new int[count];
        for (int i = 0; i < count; i++) p[i] = i;
        Shuffle(p.AsSpan());
        return p;
    }
}
