using static TorchSharp.torch;

namespace Telescope.Models;

/// <summary>Shape and options of a CIFAR ResNet (He et al. 2016, §4.2): 3 stages × <see cref="BlocksPerStage"/> basic blocks.</summary>
public sealed record ResNetOptions
{
    /// <summary>w: the stages have w, 2w and 4w channels. 16 is the standard ResNet-20.</summary>
    public int Width { get; init; } = 16;
    /// <summary>Basic blocks per stage (3 gives ResNet-20: 1 + 3·3·2 convolutions + 1 linear layer).</summary>
    public int BlocksPerStage { get; init; } = 3;
    public int InputChannels { get; init; } = 3;
    public int NumClasses { get; init; } = 10;
    public NormKind Norm { get; init; } = NormKind.BatchNorm;
    /// <summary>Groups of every GroupNorm layer (used when <see cref="Norm"/> is GroupNorm; must divide w).</summary>
    public int Groups { get; init; } = 4;
    public ScalarType DType { get; init; } = ScalarType.Float32;
    /// <summary>"cpu", "cuda", "cuda:1", …</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (Width < 1) throw new ArgumentException($"ResNet width must be at least 1, got {Width}.");
        if (BlocksPerStage < 1) throw new ArgumentException($"ResNet needs at least 1 block per stage, got {BlocksPerStage}.");
        if (InputChannels < 1 || NumClasses < 1) throw new ArgumentException("Input channels and classes must be positive.");
        if (Norm == NormKind.GroupNorm && (Groups < 1 || Width % Groups != 0))
            throw new ArgumentException($"GroupNorm groups ({Groups}) must divide the width w = {Width} (and so 2w and 4w).");
    }
}
