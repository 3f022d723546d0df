namespace Telescope.Data;

/// <summary>
/// Seeded label noise: EXACTLY round(fraction·n) distinct examples (rounding half away from zero) are chosen
/// uniformly at random and their labels changed — a sign flip for ±1 targets, a uniformly random
/// different class for class labels. The draws come from <see cref="SplitMix64"/>, so a seed gives the
/// same flips on every machine.
/// </summary>
public static class LabelNoise
{
    /// <summary>How many of <paramref name="n"/> examples a fraction flips: round(fraction·n), halves away from zero.</summary>
    public static int FlipCount(int n, double fraction)
    {
        if (!(fraction >= 0 && fraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "The noise fraction must lie in [0, 1].");
        return (int)Math.Round(fraction * n, MidpointRounding.AwayFromZero);
    }

    /// <summary>Flips class labels to a uniformly random different class.</summary>
    /// <exception cref="ArgumentException">Fewer than 2 classes, or a label outside [0, numClasses).</exception>
    public static LabelNoiseResult<int> Flip(IReadOnlyList<int> labels, int numClasses, double fraction, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (numClasses < 2) throw new ArgumentException($"Label noise needs at least 2 classes, got {numClasses}.", nameof(numClasses));
        for (int i = 0; i < labels.Count; i++)
            if ((uint)labels[i] >= (uint)numClasses)
                throw new ArgumentException($"Label {labels[i]} at index {i} is outside [0, {numClasses}).", nameof(labels));
        var rng = new SplitMix64(seed);
        var flipped = rng.SampleWithoutReplacement(labels.Count, FlipCount(labels.Count, fraction));
        var noisy = labels.ToArray();
        // Adding 1..k−1 modulo k reaches every other class with equal probability.
        foreach (var i in flipped) noisy[i] = (noisy[i] + 1 + rng.NextInt(numClasses - 1)) % numClasses;
        return new LabelNoiseResult<int>(noisy, flipped);
    }

    /// <summary>Flips the sign of ±1 targets.</summary>
    /// <exception cref="ArgumentException">A target that is not exactly +1 or −1.</exception>
    public static LabelNoiseResult<double> Flip(IReadOnlyList<double> signTargets, double fraction, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(signTargets);
        for (int i = 0; i < signTargets.Count; i++)
            if (signTargets[i] is not (1.0 or -1.0))
                throw new ArgumentException($"Target {signTargets[i]} at index {i} is not ±1.", nameof(signTargets));
        var flipped = new SplitMix64(seed).SampleWithoutReplacement(signTargets.Count, FlipCount(signTargets.Count, fraction));
        var noisy = signTargets.ToArray();
        foreach (var i in flipped) noisy[i] = -noisy[i];
        return new LabelNoiseResult<double>(noisy, flipped);
    }
}
