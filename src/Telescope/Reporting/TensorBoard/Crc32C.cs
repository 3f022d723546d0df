using System.Buffers.Binary;
using System.Numerics;

namespace Telescope.Reporting.TensorBoard;

/// <summary>
/// CRC-32C (Castagnoli) as TFRecord framing uses it, and the "masked" form TensorFlow stores so that a CRC of data
/// that itself contains CRCs does not degenerate (docs/tensorboard.md §"Event files").
/// </summary>
internal static class Crc32C
{
    /// <summary>CRC-32C of <paramref name="data"/> (initial value and final XOR 0xFFFFFFFF).</summary>
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        // BitOperations.Crc32C uses the SSE4.2 / ARM CRC instruction where there is one and a table otherwise.
        uint crc = 0xFFFFFFFFu;
        int i = 0;
        for (; i + 8 <= data.Length; i += 8) crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data[i..]));
        for (; i < data.Length; i++) crc = BitOperations.Crc32C(crc, data[i]);
        return ~crc;
    }

    /// <summary>TensorFlow's mask: rotate right by 15 bits, then add 0xa282ead8 (mod 2³²).</summary>
    public static uint Mask(uint crc) => unchecked(((crc >> 15) | (crc << 17)) + 0xa282ead8u);

    /// <summary>The masked CRC-32C of <paramref name="data"/>.</summary>
    public static uint Masked(ReadOnlySpan<byte> data) => Mask(Compute(data));
}
