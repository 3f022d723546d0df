namespace Telescope.Data;

/// <summary>
/// A built-in, seeded synthetic image classification set shaped like MNIST, so the recipes run without a
/// data folder. It is a stand-in for tests and demos, not a substitute for real data in reported results.
/// </summary>
/// <remarks>
/// Generation (all randomness from <see cref="SplitMix64"/>, all arithmetic basic IEEE double operations,
/// so a seed gives bit-identical images on every machine):
/// <list type="number">
/// <item>Class prototypes (fixed by <see cref="SyntheticImageOptions.PrototypeSeed"/>): each class is a
/// "glyph" of <see cref="SyntheticImageOptions.StrokesPerClass"/> straight strokes whose end points are
/// uniform in the central 60% of the image; a pixel's intensity is the maximum over strokes of
/// max(0, 1 − d²/w²), d its distance to the stroke, w the half-width.</item>
/// <item>Example i has label i mod K (so every prefix of K·m examples is class-balanced, like the data
/// folder's CIFAR-10 files). Its image is (1 − m)·P_y shifted + m·P_c′ shifted independently, with c′ a
/// uniformly random other class, m ~ U(0, MaxDistractorWeight), integer shifts uniform in ±MaxShift;
/// then times a gain ~ U(0.7, 1); plus one blob a·max(0, 1 − r²/ρ²) at a uniform position with
/// a ~ U(0, BlobAmplitude), ρ ~ U(2, 5) (structured noise); plus independent pixel noise with standard
/// deviation PixelNoiseStd (a centred sum of three uniforms); finally clamped to [0, 1].</item>
/// </list>
/// Shifts, distractors and noise overlap the classes, so the task is learnable but not trivial.
/// </remarks>
public static class SyntheticImages
{
    /// <summary>Default seed of the example stream.</summary>
    public const ulong DefaultSeed = 1;

    /// <summary>
    /// The training or test split: independent example streams derived from <paramref name="seed"/> over the
    /// same prototypes.
    /// </summary>
    public static ImageDataset Load(DataSplit split, int count, ulong seed = DefaultSeed, SyntheticImageOptions? options = null)
    {
        // Hash the split into the seed: streams of nearby raw seeds would overlap in SplitMix64.
        ulong tag = split == DataSplit.Train ? 0x7472_6169_6E00_0000UL : 0x7465_7374_0000_0000UL;
        ulong sampleSeed = new SplitMix64(seed ^ tag).NextUInt64();
        return Generate(count, sampleSeed, options, split == DataSplit.Train ? "synthetic-train" : "synthetic-test");
    }

    /// <summary><paramref name="count"/> examples from the example stream <paramref name="seed"/>.</summary>
    public static ImageDataset Generate(int count, ulong seed, SyntheticImageOptions? options = null, string name = "synthetic")
    {
        options ??= new SyntheticImageOptions();
        Validate(options);
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "Must not be negative.");
        int k = options.NumClasses, h = options.Height, w = options.Width, size = h * w;
        var prototypes = Prototypes(options);
        var rng = new SplitMix64(seed);
        var pixels = new float[(long)count * size];
        var labels = new int[count];
        var image = new double[size];
        for (int n = 0; n < count; n++)
        {
            int label = n % k;
            labels[n] = label;
            int distractor = (label + 1 + rng.NextInt(k - 1)) % k;
            double mix = rng.NextDouble() * options.MaxDistractorWeight;
            double gain = 0.7 + 0.3 * rng.NextDouble();
            Array.Clear(image);
            AddShifted(image, prototypes, label, (1 - mix) * gain, RandomShift(rng, options), RandomShift(rng, options), h, w);
            AddShifted(image, prototypes, distractor, mix * gain, RandomShift(rng, options), RandomShift(rng, options), h, w);

            double blobY = rng.NextDouble() * (h - 1), blobX = rng.NextDouble() * (w - 1);
            double amplitude = rng.NextDouble() * options.BlobAmplitude;
            double radius = 2 + 3 * rng.NextDouble(), radiusSq = radius * radius;
            double noiseScale = 2 * options.PixelNoiseStd; // sum of 3 U(0,1) − 1.5 has std 1/2
            long o = (long)n * size;
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    double dy = y - blobY, dx = x - blobX;
                    double blob = Math.Max(0, 1 - (dy * dy + dx * dx) / radiusSq);
                    double noise = (rng.NextDouble() + rng.NextDouble() + rng.NextDouble() - 1.5) * noiseScale;
                    double v = image[y * w + x] + amplitude * blob + noise;
                    pixels[o + y * w + x] = (float)Math.Clamp(v, 0, 1);
                }
        }
        return new ImageDataset(name, new ImageShape(1, h, w), pixels, labels, k);
    }

    /// <summary>The class prototypes, K×H×W row-major, values in [0, 1].</summary>
    public static double[] Prototypes(SyntheticImageOptions options)
    {
        Validate(options);
        int k = options.NumClasses, h = options.Height, w = options.Width;
        var rng = new SplitMix64(options.PrototypeSeed);
        var prototypes = new double[k * h * w];
        double halfWidthSq = options.StrokeHalfWidth * options.StrokeHalfWidth;
        for (int c = 0; c < k; c++)
            for (int s = 0; s < options.StrokesPerClass; s++)
            {
                double y0 = Central(rng, h), x0 = Central(rng, w), y1 = Central(rng, h), x1 = Central(rng, w);
                double sy = y1 - y0, sx = x1 - x0, lengthSq = sy * sy + sx * sx;
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                    {
                        // Squared distance from the pixel to the segment: project, clamp to the ends.
                        double t = lengthSq > 0 ? Math.Clamp(((y - y0) * sy + (x - x0) * sx) / lengthSq, 0, 1) : 0;
                        double dy = y - (y0 + t * sy), dx = x - (x0 + t * sx);
                        double v = Math.Max(0, 1 - (dy * dy + dx * dx) / halfWidthSq);
                        int index = (c * h + y) * w + x;
                        if (v > prototypes[index]) prototypes[index] = v;
                    }
            }
        return prototypes;
    }

    private static double Central(SplitMix64 rng, int extent) => extent * (0.2 + 0.6 * rng.NextDouble());

    private static int RandomShift(SplitMix64 rng, SyntheticImageOptions options)
        => rng.NextInt(2 * options.MaxShift + 1) - options.MaxShift;

    private static void AddShifted(double[] image, double[] prototypes, int cls, double weight, int shiftY, int shiftX, int h, int w)
    {
        int baseIndex = cls * h * w;
        for (int y = 0; y < h; y++)
        {
            int sy = y - shiftY;
            if ((uint)sy >= (uint)h) continue;
            for (int x = 0; x < w; x++)
            {
                int sx = x - shiftX;
                if ((uint)sx >= (uint)w) continue;
                image[y * w + x] += weight * prototypes[baseIndex + sy * w + sx];
            }
        }
    }

    private static void Validate(SyntheticImageOptions o)
    {
        if (o.NumClasses < 2) throw new ArgumentException($"NumClasses must be at least 2, got {o.NumClasses}.");
        if (o.Height < 8 || o.Width < 8) throw new ArgumentException($"Images must be at least 8×8, got {o.Height}×{o.Width}.");
        if (o.StrokesPerClass < 1) throw new ArgumentException("StrokesPerClass must be at least 1.");
        if (!(o.StrokeHalfWidth > 0)) throw new ArgumentException("StrokeHalfWidth must be positive.");
        if (o.MaxShift < 0) throw new ArgumentException("MaxShift must not be negative.");
        if (!(o.MaxDistractorWeight >= 0 && o.MaxDistractorWeight < 0.5))
            throw new ArgumentException("MaxDistractorWeight must lie in [0, 0.5) so the true class stays dominant.");
        if (!(o.BlobAmplitude >= 0) || !(o.PixelNoiseStd >= 0)) throw new ArgumentException("Noise levels must not be negative.");
    }
}
