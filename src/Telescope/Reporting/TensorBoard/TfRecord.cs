using System.Buffers.Binary;

namespace Telescope.Reporting.TensorBoard;

/// <summary>
/// TFRecord framing, the container of TensorBoard event files: each record is
/// <c>uint64 length | uint32 masked_crc32c(length bytes) | data | uint32 masked_crc32c(data)</c>, all little-endian
/// (docs/tensorboard.md §"Event files").
/// </summary>
internal static class TfRecord
{
    /// <summary>Writes one framed record to <paramref name="stream"/> in a single write.</summary>
    public static void Write(Stream stream, ReadOnlySpan<byte> data)
    {
        var record = new byte[data.Length + 16];
        var span = record.AsSpan();
        BinaryPrimitives.WriteUInt64LittleEndian(span, (ulong)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], Crc32C.Masked(span[..8]));
        data.CopyTo(span[12..]);
        BinaryPrimitives.WriteUInt32LittleEndian(span[(12 + data.Length)..], Crc32C.Masked(data));
        // One write per record: a reader polling the growing file sees whole records or a short tail it retries.
        stream.Write(record);
    }
}
