namespace Telescope.Models;

/// <summary>The normalization layer after each convolution of a <see cref="ResNet"/>.</summary>
public enum NormKind
{
    /// <summary>BatchNorm2d (the standard ResNet-20): batch statistics in training mode, running statistics in evaluation mode.</summary>
    BatchNorm,
    /// <summary>GroupNorm (per-example statistics, so training and evaluation mode compute the same function).</summary>
    GroupNorm,
    /// <summary>No normalization; the convolutions then carry biases.</summary>
    None,
}
