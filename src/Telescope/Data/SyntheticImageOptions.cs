namespace Telescope.Data;

/// <summary>
/// Settings of <see cref="SyntheticImages"/>. The defaults give an MNIST-shaped task (10 classes, 1×28×28)
/// on which a small MLP learns well above chance but does not reach 100% test accuracy quickly.
/// </summary>
public sealed record SyntheticImageOptions
{
    /// <summary>Number of classes (≥ 2).</summary>
    public int NumClasses { get; init; } = 10;

    /// <summary>Image height (≥ 8).</summary>
    public int Height { get; init; } = 28;

    /// <summary>Image width (≥ 8).</summary>
    public int Width { get; init; } = 28;

    /// <summary>Seed of the class prototypes: it defines the task. Train and test sets must share it.</summary>
    public ulong PrototypeSeed { get; init; } = 20241101;

    /// <summary>Straight strokes per class prototype.</summary>
    public int StrokesPerClass { get; init; } = 3;

    /// <summary>Half-width of a stroke in pixels (where its intensity falls to zero).</summary>
    public double StrokeHalfWidth { get; init; } = 1.6;

    /// <summary>Largest random translation of an example, in pixels, in each direction.</summary>
    public int MaxShift { get; init; } = 3;

    /// <summary>Largest weight of the distractor prototype (another class) blended into an example; &lt; 0.5
    /// keeps the true class dominant.</summary>
    public double MaxDistractorWeight { get; init; } = 0.45;

    /// <summary>Amplitude of the structured noise: one random blob per example, up to this intensity.</summary>
    public double BlobAmplitude { get; init; } = 0.6;

    /// <summary>Standard deviation of the independent per-pixel noise.</summary>
    public double PixelNoiseStd { get; init; } = 0.2;
}
