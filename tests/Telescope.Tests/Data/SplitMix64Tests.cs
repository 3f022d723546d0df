using Telescope.Data;
using Xunit;

namespace Telescope.Tests.Data;

public class SplitMix64Tests
{
    [Fact]
    public void MatchesTheReferenceSequenceForSeed1234567()
    {
        // Published outputs of Vigna's splitmix64.c (also Rosetta Code "Pseudo-random numbers/Splitmix64").
        var rng = new SplitMix64(1234567);
        ulong[] expected = [6457827717110365317, 3203168211198807973, 9817491932198370423, 4593380528125082431, 16408922859458223821];
        foreach (var value in expected) Assert.Equal(value, rng.NextUInt64());
    }

    [Fact]
    public void NextIntIsInRangeAndRoughlyUniform()
    {
        var rng = new SplitMix64(7);
        var counts = new int[7];
        for (int i = 0; i < 70000; i++) counts[rng.NextInt(7)]++;
        // Each count ~ Binomial(70000, 1/7): mean 10000, sd ≈ 93; 6 sd is a failure, not chance.
        Assert.All(counts, c => Assert.InRange(c, 10000 - 560, 10000 + 560));
    }

    [Fact]
    public void PermutationIsAPermutationAndDependsOnlyOnTheSeed()
    {
        var a = SplitMix64.Permutation(100, 42);
        Assert.Equal(Enumerable.Range(0, 100), a.Order());
        Assert.Equal(a, SplitMix64.Permutation(100, 42));
        Assert.NotEqual(a, SplitMix64.Permutation(100, 43));
    }

    [Fact]
    public void SampleWithoutReplacementGivesDistinctSortedIndices()
    {
        var s = new SplitMix64(3).SampleWithoutReplacement(50, 20);
        Assert.Equal(20, s.Distinct().Count());
        Assert.Equal(s.Order(), s);
        Assert.All(s, i => Assert.InRange(i, 0, 49));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SplitMix64(3).SampleWithoutReplacement(5, 6));
    }
}
