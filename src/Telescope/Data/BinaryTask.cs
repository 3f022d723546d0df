using static TorchSharp.torch;

namespace Telescope.Data;

/// <summary>
/// A two-class task cut from a classification set (e.g. MNIST 3 vs 5 for double descent): the examples of
/// the two classes in data set order, with targets +1 for <see cref="PositiveClass"/> and −1 for
/// <see cref="NegativeClass"/>, optionally with seeded label noise.
/// </summary>
public sealed class BinaryTask
{
    private BinaryTask(ImageDataset data, int positiveClass, int negativeClass, double[] cleanTargets,
        double[] targets, int[] flipped, double noiseFraction)
    {
        Data = data;
        PositiveClass = positiveClass;
        NegativeClass = negativeClass;
        CleanTargets = cleanTargets;
        Targets = targets;
        FlippedIndices = flipped;
        NoiseFraction = noiseFraction;
    }

    /// <summary>The examples of the two classes (labels are still the original class indices).</summary>
    public ImageDataset Data { get; }

    /// <summary>The class whose target is +1.</summary>
    public int PositiveClass { get; }

    /// <summary>The class whose target is −1.</summary>
    public int NegativeClass { get; }

    /// <summary>±1 targets as trained on (noisy when <see cref="NoiseFraction"/> &gt; 0).</summary>
    public double[] Targets { get; }

    /// <summary>±1 targets from the true labels.</summary>
    public double[] CleanTargets { get; }

    /// <summary>Indices (into <see cref="Data"/>) whose target was flipped, increasing; empty without noise.</summary>
    public int[] FlippedIndices { get; }

    /// <summary>The requested noise fraction (0 without noise).</summary>
    public double NoiseFraction { get; }

    /// <summary>Number of examples.</summary>
    public int Count => Data.Count;

    /// <summary>Selects the two classes from <paramref name="source"/>.</summary>
    /// <exception cref="ArgumentException">Equal classes or a class outside the data set's range.</exception>
    public static BinaryTask Create(ImageDataset source, int positiveClass, int negativeClass)
    {
        if (positiveClass == negativeClass)
            throw new ArgumentException($"A binary task needs two different classes, got {positiveClass} twice.");
        var data = source.WhereClass(positiveClass, negativeClass)
            .WithName($"{source.Name}-{positiveClass}vs{negativeClass}");
        var targets = data.Labels.Select(l => l == positiveClass ? 1.0 : -1.0).ToArray();
        return new BinaryTask(data, positiveClass, negativeClass, targets, targets, [], 0);
    }

    /// <summary>
    /// The same task with exactly round(fraction·n) targets flipped (<see cref="LabelNoise"/>), chosen by
    /// <paramref name="seed"/>; noise is applied to the clean targets, never on top of earlier noise.
    /// </summary>
    public BinaryTask WithLabelNoise(double fraction, ulong seed)
    {
        var noisy = LabelNoise.Flip(CleanTargets, fraction, seed);
        return new BinaryTask(Data, PositiveClass, NegativeClass, CleanTargets, noisy.Labels, noisy.FlippedIndices, fraction);
    }

    /// <summary>The training targets as an [N, 1] tensor.</summary>
    public Tensor TargetsTensor(ScalarType dtype, Device device)
        => ImageDataset.ToDevice(Targets.Select(t => (float)t).ToArray(), [Count, 1], dtype, device);

    /// <summary>The clean targets as an [N, 1] tensor (for test error against true labels).</summary>
    public Tensor CleanTargetsTensor(ScalarType dtype, Device device)
        => ImageDataset.ToDevice(CleanTargets.Select(t => (float)t).ToArray(), [Count, 1], dtype, device);
}
