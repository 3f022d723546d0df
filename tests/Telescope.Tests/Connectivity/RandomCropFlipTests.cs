using Telescope.Data;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Telescope.Tests.Connectivity;

/// <summary>The vectorized crop + flip against a brute-force search over every crop of every padded image.</summary>
public class RandomCropFlipTests
{
    [Fact]
    public void EveryOutputIsACropOrFlippedCropOfItsPaddedImage()
    {
        using var scope = torch.NewDisposeScope();
        const int pad = 2, h = 5, w = 6;
        using var count = (8 * 3 * h * w).ToScalar();
        var images = torch.arange(count, dtype: ScalarType.Float32).view(8, 3, h, w).add(TorchScalars.One, TorchScalars.One);   // all distinct, none zero
        var augment = new RandomCropFlip(seed: 3, padding: pad);
        var output = augment.Apply(images);
        Assert.Equal(images.shape, output.shape);
        var padded = nn.functional.pad(images, [pad, pad, pad, pad]);
        var seen = new HashSet<(long, long, bool)>();
        for (long n = 0; n < 8; n++)
        {
            var found = new List<(long, long, bool)>();
            for (long dy = 0; dy <= 2 * pad; dy++)
                for (long dx = 0; dx <= 2 * pad; dx++)
                    foreach (bool flip in new[] { false, true })
                    {
                        var crop = padded[n, .., (int)dy..(int)(dy + h), (int)dx..(int)(dx + w)];
                        if (flip) crop = crop.flip(2);
                        if (TensorAssert.Same(crop, output[n])) found.Add((dy, dx, flip));
                    }
            Assert.Single(found);
            seen.Add(found[0]);
        }
        Assert.True(seen.Count > 1, "eight images all got the same crop: the offsets are not random");
    }

    [Fact]
    public void RestoringTheStateReplaysTheStream()
    {
        using var scope = torch.NewDisposeScope();
        var images = torch.rand(6, 3, 8, 8);
        var augment = new RandomCropFlip(seed: 9);
        augment.Apply(images);
        ulong state = augment.State;
        var first = augment.Apply(images);
        augment.Restore(state);
        Assert.True(TensorAssert.Same(augment.Apply(images), first));
        Assert.False(TensorAssert.Same(new RandomCropFlip(seed: 10).Apply(images), new RandomCropFlip(seed: 9).Apply(images)));
    }
}
