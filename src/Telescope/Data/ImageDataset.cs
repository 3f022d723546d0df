using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Data;

/// <summary>
/// A labelled image classification set held in managed memory: <see cref="Pixels"/> is row-major
/// N×(C·H·W) with each image in CHW order, <see cref="Labels"/> are class indices in [0, NumClasses).
/// Loaders scale pixels to [0, 1]; the normalizing transforms produce other ranges. Every transform
/// returns a new data set and leaves this one unchanged (treat the arrays as read-only).
/// </summary>
public sealed class ImageDataset
{
    /// <summary>Creates a data set; validates sizes and label range.</summary>
    /// <exception cref="ArgumentException">Inconsistent sizes or a label outside [0, numClasses).</exception>
    public ImageDataset(string name, ImageShape shape, float[] pixels, int[] labels, int numClasses,
        IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        if (shape.Channels <= 0 || shape.Height <= 0 || shape.Width <= 0)
            throw new ArgumentException($"Image shape {shape} must be positive in every dimension.", nameof(shape));
        if (numClasses <= 0) throw new ArgumentException($"NumClasses must be positive, got {numClasses}.", nameof(numClasses));
        if ((long)labels.Length * shape.Size != pixels.Length)
            throw new ArgumentException(
                $"Data set '{name}': {pixels.Length} pixel values do not make {labels.Length} images of {shape}.", nameof(pixels));
        for (int i = 0; i < labels.Length; i++)
            if ((uint)labels[i] >= (uint)numClasses)
                throw new ArgumentException(
                    $"Data set '{name}': label {labels[i]} of example {i} is outside [0, {numClasses}).", nameof(labels));
        if (classNames is not null && classNames.Count != numClasses)
            throw new ArgumentException($"{classNames.Count} class names given for {numClasses} classes.", nameof(classNames));
        Name = name;
        Shape = shape;
        Pixels = pixels;
        Labels = labels;
        NumClasses = numClasses;
        ClassNames = classNames;
    }

    /// <summary>Human-readable name (e.g. "mnist-train"), carried into run reports.</summary>
    public string Name { get; }

    /// <summary>Shape of one image (C, H, W).</summary>
    public ImageShape Shape { get; }

    /// <summary>Pixel values, row-major N×(C·H·W).</summary>
    public float[] Pixels { get; }

    /// <summary>Class index of each example.</summary>
    public int[] Labels { get; }

    /// <summary>Number of classes (labels lie in [0, NumClasses)); kept by class filters.</summary>
    public int NumClasses { get; }

    /// <summary>Optional class names, index = label.</summary>
    public IReadOnlyList<string>? ClassNames { get; }

    /// <summary>Number of examples N.</summary>
    public int Count => Labels.Length;

    /// <summary>Values per example, C·H·W.</summary>
    public int FeatureCount => Shape.Size;

    /// <summary>The pixels of example <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> Image(int index) => Pixels.AsSpan(checked(index * FeatureCount), FeatureCount);

    /// <summary>The same data under another name.</summary>
    public ImageDataset WithName(string name) => new(name, Shape, Pixels, Labels, NumClasses, ClassNames);

    /// <summary>The examples at <paramref name="indices"/>, in that order (repeats allowed).</summary>
    public ImageDataset Subset(IReadOnlyList<int> indices, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(indices);
        int d = FeatureCount;
        var pixels = new float[(long)indices.Count * d];
        var labels = new int[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            int src = indices[i];
            if ((uint)src >= (uint)Count)
                throw new ArgumentOutOfRangeException(nameof(indices), src, $"Index outside the {Count} examples of '{Name}'.");
            Array.Copy(Pixels, (long)src * d, pixels, (long)i * d, d);
            labels[i] = Labels[src];
        }
        return new ImageDataset(name ?? Name, Shape, pixels, labels, NumClasses, ClassNames);
    }

    /// <summary>The first <paramref name="count"/> examples.</summary>
    public ImageDataset Take(int count)
    {
        if (count < 0 || count > Count)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"'{Name}' has {Count} examples.");
        return Range(0, count);
    }

    /// <summary>All examples after the first <paramref name="count"/> (disjoint from <see cref="Take"/>).</summary>
    public ImageDataset Skip(int count)
    {
        if (count < 0 || count > Count)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"'{Name}' has {Count} examples.");
        return Range(count, Count - count);
    }

    private ImageDataset Range(int start, int length)
    {
        var pixels = Pixels.AsSpan(start * FeatureCount, length * FeatureCount).ToArray();
        var labels = Labels.AsSpan(start, length).ToArray();
        return new ImageDataset(Name, Shape, pixels, labels, NumClasses, ClassNames);
    }

    /// <summary>The examples whose label is one of <paramref name="classes"/>, in data set order; labels unchanged.</summary>
    public ImageDataset WhereClass(params int[] classes)
    {
        foreach (var c in classes)
            if ((uint)c >= (uint)NumClasses)
                throw new ArgumentOutOfRangeException(nameof(classes), c, $"'{Name}' has classes 0..{NumClasses - 1}.");
        var keep = new bool[NumClasses];
        foreach (var c in classes) keep[c] = true;
        var indices = new List<int>();
        for (int i = 0; i < Count; i++)
            if (keep[Labels[i]]) indices.Add(i);
        return Subset(indices);
    }

    /// <summary>The examples in a random order fixed by <paramref name="seed"/> (<see cref="SplitMix64"/>).</summary>
    public ImageDataset Shuffle(ulong seed) => Subset(SplitMix64.Permutation(Count, seed));

    /// <summary>
    /// <paramref name="perClass"/> examples of every class present in the data set (so after
    /// <see cref="WhereClass"/> only the kept classes count), in data set order: the first ones of each class
    /// when <paramref name="seed"/> is null, otherwise a seeded random choice within each class.
    /// </summary>
    /// <exception cref="InvalidOperationException">A present class has fewer than <paramref name="perClass"/> examples.</exception>
    public ImageDataset ClassBalanced(int perClass, ulong? seed = null)
    {
        if (perClass < 0) throw new ArgumentOutOfRangeException(nameof(perClass), perClass, "Must not be negative.");
        var byClass = new List<int>[NumClasses];
        for (int c = 0; c < NumClasses; c++) byClass[c] = [];
        for (int i = 0; i < Count; i++) byClass[Labels[i]].Add(i);
        var rng = seed is ulong s ? new SplitMix64(s) : null;
        var chosen = new List<int>(perClass * NumClasses);
        for (int c = 0; c < NumClasses; c++)
        {
            var members = byClass[c];
            if (members.Count == 0) continue;
            if (members.Count < perClass)
                throw new InvalidOperationException(
                    $"'{Name}' has only {members.Count} examples of class {c}; {perClass} per class were requested.");
            if (rng is null) chosen.AddRange(members.Take(perClass));
            else chosen.AddRange(rng.SampleWithoutReplacement(members.Count, perClass).Select(k => members[k]));
        }
        chosen.Sort();
        return Subset(chosen);
    }

    /// <summary>Number of examples of each class.</summary>
    public int[] ClassCounts()
    {
        var counts = new int[NumClasses];
        foreach (var label in Labels) counts[label]++;
        return counts;
    }

    /// <summary>
    /// Mean over non-overlapping <paramref name="factor"/>×<paramref name="factor"/> blocks of every channel
    /// (e.g. MNIST 28×28 → 7×7 with factor 4). Height and width must be multiples of the factor.
    /// </summary>
    public ImageDataset AveragePool(int factor)
    {
        if (factor <= 0) throw new ArgumentOutOfRangeException(nameof(factor), factor, "The pooling factor must be positive.");
        if (Shape.Height % factor != 0 || Shape.Width % factor != 0)
            throw new ArgumentException(
                $"Cannot average-pool {Shape} images by {factor}: height and width must be multiples of it.", nameof(factor));
        var outShape = Shape with { Height = Shape.Height / factor, Width = Shape.Width / factor };
        var pixels = new float[(long)Count * outShape.Size];
        double scale = 1.0 / (factor * factor);
        int inPlane = Shape.Height * Shape.Width, outPlane = outShape.Height * outShape.Width;
        for (int n = 0; n < Count; n++)
            for (int c = 0; c < Shape.Channels; c++)
            {
                int inBase = n * FeatureCount + c * inPlane;
                int outBase = n * outShape.Size + c * outPlane;
                for (int oh = 0; oh < outShape.Height; oh++)
                    for (int ow = 0; ow < outShape.Width; ow++)
                    {
                        double sum = 0;
                        for (int dh = 0; dh < factor; dh++)
                        {
                            int row = inBase + (oh * factor + dh) * Shape.Width + ow * factor;
                            for (int dw = 0; dw < factor; dw++) sum += Pixels[row + dw];
                        }
                        pixels[outBase + oh * outShape.Width + ow] = (float)(sum * scale);
                    }
            }
        return new ImageDataset(Name, outShape, pixels, Labels, NumClasses, ClassNames);
    }

    /// <summary>Mean of every feature (pixel position) over the examples, computed in double.</summary>
    public float[] FeatureMeans()
    {
        if (Count == 0) throw new InvalidOperationException($"'{Name}' is empty; it has no feature means.");
        var sums = new double[FeatureCount];
        for (int n = 0; n < Count; n++)
        {
            var image = Image(n);
            for (int j = 0; j < sums.Length; j++) sums[j] += image[j];
        }
        return sums.Select(s => (float)(s / Count)).ToArray();
    }

    /// <summary>
    /// Subtracts per-feature means — compute them on the training set (<see cref="FeatureMeans"/>) and pass
    /// the same array to the test set.
    /// </summary>
    public ImageDataset CenterFeatures(float[] featureMeans)
    {
        if (featureMeans.Length != FeatureCount)
            throw new ArgumentException($"{featureMeans.Length} means given for {FeatureCount} features.", nameof(featureMeans));
        var pixels = new float[Pixels.Length];
        for (int n = 0; n < Count; n++)
            for (int j = 0, o = n * FeatureCount; j < FeatureCount; j++) pixels[o + j] = Pixels[o + j] - featureMeans[j];
        return new ImageDataset(Name, Shape, pixels, Labels, NumClasses, ClassNames);
    }

    /// <summary>Per-channel mean and (population) standard deviation over all examples and positions.</summary>
    public (float[] Mean, float[] Std) ChannelStatistics()
    {
        if (Count == 0) throw new InvalidOperationException($"'{Name}' is empty; it has no channel statistics.");
        int plane = Shape.Height * Shape.Width;
        var mean = new float[Shape.Channels];
        var std = new float[Shape.Channels];
        for (int c = 0; c < Shape.Channels; c++)
        {
            double sum = 0, sumSq = 0;
            for (int n = 0; n < Count; n++)
                foreach (var v in Pixels.AsSpan(n * FeatureCount + c * plane, plane)) { sum += v; sumSq += (double)v * v; }
            double m = sum / ((double)Count * plane);
            mean[c] = (float)m;
            std[c] = (float)Math.Sqrt(Math.Max(0, sumSq / ((double)Count * plane) - m * m));
        }
        return (mean, std);
    }

    /// <summary>
    /// (x − mean[c]) / std[c] per channel — compute the statistics on the training set
    /// (<see cref="ChannelStatistics"/>) and pass the same ones to the test set.
    /// </summary>
    public ImageDataset NormalizeChannels(float[] mean, float[] std)
    {
        if (mean.Length != Shape.Channels || std.Length != Shape.Channels)
            throw new ArgumentException($"Need {Shape.Channels} channel means and standard deviations.");
        if (std.Any(s => !(s > 0)))
            throw new ArgumentException("Every channel standard deviation must be positive.", nameof(std));
        int plane = Shape.Height * Shape.Width;
        var pixels = new float[Pixels.Length];
        for (int n = 0; n < Count; n++)
            for (int c = 0; c < Shape.Channels; c++)
            {
                int o = n * FeatureCount + c * plane;
                float m = mean[c], inv = 1f / std[c];
                for (int j = 0; j < plane; j++) pixels[o + j] = (Pixels[o + j] - m) * inv;
            }
        return new ImageDataset(Name, Shape, pixels, Labels, NumClasses, ClassNames);
    }

    /// <summary>Concatenates data sets of the same shape and class count.</summary>
    public static ImageDataset Concat(string name, params ImageDataset[] parts)
    {
        if (parts.Length == 0) throw new ArgumentException("Nothing to concatenate.", nameof(parts));
        var first = parts[0];
        foreach (var p in parts)
            if (p.Shape != first.Shape || p.NumClasses != first.NumClasses)
                throw new ArgumentException(
                    $"Cannot concatenate '{p.Name}' ({p.Shape}, {p.NumClasses} classes) with '{first.Name}' ({first.Shape}, {first.NumClasses} classes).");
        var pixels = new float[parts.Sum(p => (long)p.Pixels.Length)];
        var labels = new int[parts.Sum(p => p.Count)];
        long po = 0;
        int lo = 0;
        foreach (var p in parts)
        {
            Array.Copy(p.Pixels, 0, pixels, po, p.Pixels.Length);
            Array.Copy(p.Labels, 0, labels, lo, p.Count);
            po += p.Pixels.Length;
            lo += p.Count;
        }
        return new ImageDataset(name, first.Shape, pixels, labels, first.NumClasses, first.ClassNames);
    }

    /// <summary>Inputs as a flattened [N, C·H·W] tensor of <paramref name="dtype"/> on <paramref name="device"/>.</summary>
    public Tensor ToTensor(ScalarType dtype, Device device) => ToDevice(Pixels, [Count, FeatureCount], dtype, device);

    /// <summary>Inputs as an image tensor [N, C, H, W] of <paramref name="dtype"/> on <paramref name="device"/>.</summary>
    public Tensor ToImageTensor(ScalarType dtype, Device device)
        => ToDevice(Pixels, [Count, Shape.Channels, Shape.Height, Shape.Width], dtype, device);

    /// <summary>Labels as an int64 tensor [N] (what cross-entropy expects).</summary>
    public Tensor LabelsTensor(Device device)
    {
        var cpu = torch.tensor(Labels.Select(l => (long)l).ToArray(), [Count], ScalarType.Int64);
        return MoveTo(cpu, ScalarType.Int64, device);
    }

    /// <summary>One-hot targets [N, NumClasses] (1 at the label, 0 elsewhere).</summary>
    public Tensor OneHot(ScalarType dtype, Device device)
    {
        var values = new float[(long)Count * NumClasses];
        for (int i = 0; i < Count; i++) values[(long)i * NumClasses + Labels[i]] = 1f;
        return ToDevice(values, [Count, NumClasses], dtype, device);
    }

    internal static Tensor ToDevice(float[] values, long[] shape, ScalarType dtype, Device device)
        => MoveTo(torch.tensor(values, shape, ScalarType.Float32), dtype, device);

    // `to` may hand back the very same tensor when nothing changes, so dispose the source only if it did.
    private static Tensor MoveTo(Tensor cpu, ScalarType dtype, Device device)
    {
        var moved = cpu.to(dtype, device);
        if (!ReferenceEquals(moved, cpu) && moved.Handle != cpu.Handle) cpu.Dispose();
        return moved;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {Count} images of {Shape}, {NumClasses} classes";
}
