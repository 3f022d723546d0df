using System.Buffers.Binary;
using System.Text;

namespace Telescope.Reporting.TensorBoard;

/// <summary>
/// A minimal protocol-buffers encoder: just the wire types the TensorBoard messages need (varint, 64-bit, 32-bit,
/// length-delimited). Fields are written in the order called; nested messages are encoded into their own writer and
/// copied in with their length, which is all proto3 needs (docs/tensorboard.md §"Event files").
/// </summary>
internal sealed class ProtoWriter
{
    private const int Varint = 0, Fixed64 = 1, LengthDelimited = 2, Fixed32 = 5;
    private readonly MemoryStream _buffer = new();

    /// <summary>The encoded bytes so far.</summary>
    public byte[] ToArray() => _buffer.ToArray();

    /// <summary>Encoded length so far.</summary>
    public long Length => _buffer.Length;

    /// <summary>A double field (wire type 1, little-endian IEEE 754).</summary>
    public ProtoWriter Double(int field, double value)
    {
        Tag(field, Fixed64);
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleLittleEndian(bytes, value);
        _buffer.Write(bytes);
        return this;
    }

    /// <summary>A float field (wire type 5, little-endian IEEE 754).</summary>
    public ProtoWriter Float(int field, float value)
    {
        Tag(field, Fixed32);
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
        _buffer.Write(bytes);
        return this;
    }

    /// <summary>An int32/int64/enum/bool field (wire type 0; negative numbers take ten bytes, as protobuf specifies).</summary>
    public ProtoWriter Int64(int field, long value)
    {
        Tag(field, Varint);
        WriteVarint(unchecked((ulong)value));
        return this;
    }

    /// <summary>A string field, UTF-8.</summary>
    public ProtoWriter String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    /// <summary>A bytes field.</summary>
    public ProtoWriter Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, LengthDelimited);
        WriteVarint((ulong)value.Length);
        _buffer.Write(value);
        return this;
    }

    /// <summary>An embedded message, encoded by <paramref name="write"/>.</summary>
    public ProtoWriter Message(int field, Action<ProtoWriter> write)
    {
        var inner = new ProtoWriter();
        write(inner);
        return Bytes(field, inner._buffer.GetBuffer().AsSpan(0, (int)inner._buffer.Length));
    }

    private void Tag(int field, int wireType)
    {
        if (field < 1) throw new ArgumentOutOfRangeException(nameof(field), field, "Protobuf field numbers start at 1.");
        WriteVarint(((ulong)field << 3) | (uint)wireType);
    }

    private void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        _buffer.WriteByte((byte)value);
    }
}
