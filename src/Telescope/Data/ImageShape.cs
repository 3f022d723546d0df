namespace Telescope.Data;

/// <summary>The shape of one image: channels, height, width (PyTorch's CHW order).</summary>
public readonly record struct ImageShape(int Channels, int Height, int Width)
{
    /// <summary>Number of values in one image, C·H·W.</summary>
    public int Size => Channels * Height * Width;

    /// <inheritdoc />
    public override string ToString() => $"{Channels}×{Height}×{Width}";
}
