using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Data;

/// <summary>
/// The standard CIFAR augmentation: zero-pad every image by <see cref="Padding"/> pixels, take a random
/// H×W crop, and flip it horizontally with probability ½. The pixel work is vectorized over the batch (one pad and
/// two gathers; ≈ 2 ms for 128 CIFAR images here); only the per-image offsets and flips (three draws each) are made
/// in a managed loop, from this object's own <see cref="SplitMix64"/>, so the
/// augmentation stream is a seed of its own, separate from the data order, and its state can be saved and
/// restored exactly (<see cref="State"/>).
/// </summary>
/// <example>
/// <code>
/// var augment = new RandomCropFlip(seed: 7);
/// using var augmented = augment.Apply(images);   // images [N, C, H, W]
/// </code>
/// </example>
public sealed class RandomCropFlip
{
    private SplitMix64 _rng;

    /// <param name="seed">Seed of the augmentation stream.</param>
    /// <param name="padding">Zero padding on every side (4 for CIFAR).</param>
    public RandomCropFlip(ulong seed, int padding = 4)
    {
        if (padding < 0) throw new ArgumentOutOfRangeException(nameof(padding), padding, "Padding must not be negative.");
        _rng = new SplitMix64(seed);
        Padding = padding;
    }

    public int Padding { get; }

    /// <summary>The generator's state: restoring it with <see cref="Restore"/> replays the same crops and flips.</summary>
    public ulong State => _rng.State;

    /// <summary>Continues the augmentation stream from a saved <see cref="State"/>.</summary>
    public void Restore(ulong state) => _rng = new SplitMix64(state);

    /// <summary>A new tensor [N, C, H, W]: each image cropped from its padded copy and possibly flipped.</summary>
    public Tensor Apply(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() != 4)
            throw new ArgumentException($"Images must be [N, C, H, W]; got [{string.Join(", ", images.shape)}].", nameof(images));
        long n = images.shape[0], c = images.shape[1], h = images.shape[2], w = images.shape[3];
        int span = 2 * Padding + 1;
        var rows = new long[n * h];
        var cols = new long[n * w];
        for (long i = 0; i < n; i++)
        {
            // Three draws per image in a fixed order: vertical offset, horizontal offset, flip.
            int dy = _rng.NextInt(span), dx = _rng.NextInt(span);
            bool flip = (_rng.NextUInt64() >> 63) != 0;
            for (long r = 0; r < h; r++) rows[i * h + r] = dy + r;
            for (long q = 0; q < w; q++) cols[i * w + q] = dx + (flip ? w - 1 - q : q);
        }
        using var scope = torch.NewDisposeScope();
        var padded = nn.functional.pad(images, [Padding, Padding, Padding, Padding]);
        var rowIndex = torch.tensor(rows, device: images.device).view(n, 1, h, 1).expand(n, c, h, w + 2 * Padding);
        var cropped = padded.gather(2, rowIndex);
        var colIndex = torch.tensor(cols, device: images.device).view(n, 1, 1, w).expand(n, c, h, w);
        return cropped.gather(3, colIndex).MoveToOuterDisposeScope();
    }
}
