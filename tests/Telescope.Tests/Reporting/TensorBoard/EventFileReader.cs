using System.Buffers.Binary;
using Google.Protobuf;

namespace Telescope.Tests.Reporting.TensorBoard;

/// <summary>
/// An independent reader of TensorBoard event files for tests: TFRecord framing checked with a bit-by-bit CRC-32C
/// (not the engine's table/instruction one), and the protocol buffers decoded with Google.Protobuf's
/// <see cref="CodedInputStream"/> (not the engine's encoder), by the field numbers of event.proto, summary.proto,
/// tensor.proto and the hparams plugin's plugin_data.proto.
/// </summary>
internal static class EventFileReader
{
    internal sealed record Image(int Height, int Width, int Colorspace, byte[] Encoded);
    internal sealed record Tensor(int DType, long[] Shape, List<byte[]> Strings);
    internal sealed record Value(string Tag, float? Simple, Image? Image, Tensor? Tensor, string? Plugin, byte[]? PluginContent);
    internal sealed record Event(double WallTime, long Step, string? FileVersion, List<Value> Values);

    /// <summary>CRC-32C, reflected polynomial 0x82F63B78, one bit at a time.</summary>
    public static uint Crc32C(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
        }
        return crc ^ 0xFFFFFFFF;
    }

    private static uint Masked(ReadOnlySpan<byte> data)
    {
        uint crc = Crc32C(data);
        return unchecked(((crc >> 15) | (crc << 17)) + 0xa282ead8u);
    }

    /// <summary>The records of a TFRecord file; a bad CRC or a cut-off record throws <see cref="InvalidDataException"/>.</summary>
    public static List<byte[]> ReadRecords(byte[] file)
    {
        var records = new List<byte[]>();
        int pos = 0;
        while (pos < file.Length)
        {
            if (file.Length - pos < 12) throw new InvalidDataException($"Truncated record header at byte {pos}.");
            var header = file.AsSpan(pos, 8);
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(header);
            if (BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(pos + 8)) != Masked(header))
                throw new InvalidDataException($"Length CRC mismatch at byte {pos}.");
            if ((ulong)(file.Length - pos - 16) < length) throw new InvalidDataException($"Truncated record at byte {pos}.");
            var data = file.AsSpan(pos + 12, (int)length);
            if (BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(pos + 12 + (int)length)) != Masked(data))
                throw new InvalidDataException($"Data CRC mismatch at byte {pos}.");
            records.Add(data.ToArray());
            pos += 16 + (int)length;
        }
        return records;
    }

    /// <summary>Every event of one file.</summary>
    public static List<Event> ReadEvents(string path)
    {
        // FileShare.ReadWrite: the file may be open for writing by a running job.
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return ReadRecords(copy.ToArray()).Select(ParseEvent).ToList();
    }

    /// <summary>Every event file under <paramref name="folder"/>, keyed by its folder relative to it ("" for the folder itself).</summary>
    public static Dictionary<string, List<Event>> ReadLog(string folder) =>
        Directory.GetFiles(folder, "*tfevents*", SearchOption.AllDirectories)
            .GroupBy(f => Path.GetRelativePath(folder, Path.GetDirectoryName(f)!) is var r && r == "." ? "" : r)
            .ToDictionary(g => g.Key, g => g.OrderBy(f => f, StringComparer.Ordinal).SelectMany(ReadEvents).ToList());

    public static Event ParseEvent(byte[] bytes)
    {
        var input = new CodedInputStream(bytes);
        double wall = 0; long step = 0; string? version = null; var values = new List<Value>();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: wall = input.ReadDouble(); break;
                case 2: step = input.ReadInt64(); break;
                case 3: version = input.ReadString(); break;
                case 5: values.AddRange(Messages(input.ReadBytes(), 1).Select(ParseValue)); break;
                default: input.SkipLastField(); break;
            }
        return new Event(wall, step, version, values);
    }

    private static IEnumerable<ByteString> Messages(ByteString bytes, int field)
    {
        var input = new CodedInputStream(bytes.ToByteArray());
        var list = new List<ByteString>();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
            if (WireFormat.GetTagFieldNumber(tag) == field) list.Add(input.ReadBytes());
            else input.SkipLastField();
        return list;
    }

    private static Value ParseValue(ByteString bytes)
    {
        var input = new CodedInputStream(bytes.ToByteArray());
        string tagName = ""; float? simple = null; Image? image = null; Tensor? tensor = null; string? plugin = null; byte[]? content = null;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: tagName = input.ReadString(); break;
                case 2: simple = input.ReadFloat(); break;
                case 4: image = ParseImage(input.ReadBytes()); break;
                case 8: tensor = ParseTensor(input.ReadBytes()); break;
                case 9:
                    foreach (var pluginData in Messages(input.ReadBytes(), 1))
                    {
                        var p = new CodedInputStream(pluginData.ToByteArray());
                        uint t;
                        while ((t = p.ReadTag()) != 0)
                            if (WireFormat.GetTagFieldNumber(t) == 1) plugin = p.ReadString();
                            else if (WireFormat.GetTagFieldNumber(t) == 2) content = p.ReadBytes().ToByteArray();
                            else p.SkipLastField();
                    }
                    break;
                default: input.SkipLastField(); break;
            }
        return new Value(tagName, simple, image, tensor, plugin, content);
    }

    private static Image ParseImage(ByteString bytes)
    {
        var input = new CodedInputStream(bytes.ToByteArray());
        int h = 0, w = 0, cs = 0; byte[] data = [];
        uint tag;
        while ((tag = input.ReadTag()) != 0)
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: h = input.ReadInt32(); break;
                case 2: w = input.ReadInt32(); break;
                case 3: cs = input.ReadInt32(); break;
                case 4: data = input.ReadBytes().ToByteArray(); break;
                default: input.SkipLastField(); break;
            }
        return new Image(h, w, cs, data);
    }

    private static Tensor ParseTensor(ByteString bytes)
    {
        var input = new CodedInputStream(bytes.ToByteArray());
        int dtype = 0; var shape = new List<long>(); var strings = new List<byte[]>();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: dtype = input.ReadEnum(); break;
                case 2:
                    foreach (var dim in Messages(input.ReadBytes(), 2))
                    {
                        var d = new CodedInputStream(dim.ToByteArray());
                        uint t;
                        while ((t = d.ReadTag()) != 0)
                            if (WireFormat.GetTagFieldNumber(t) == 1) shape.Add(d.ReadInt64());
                            else d.SkipLastField();
                    }
                    break;
                case 8: strings.Add(input.ReadBytes().ToByteArray()); break;
                default: input.SkipLastField(); break;
            }
        return new Tensor(dtype, [.. shape], strings);
    }

    /// <summary>The hparams of a <c>session_start_info</c> plugin content: name → number, bool or string.</summary>
    public static Dictionary<string, object> SessionStartHParams(byte[] content)
    {
        var result = new Dictionary<string, object>();
        foreach (var start in Messages(ByteString.CopyFrom(content), 3))
            foreach (var entry in Messages(start, 1))
            {
                var e = new CodedInputStream(entry.ToByteArray());
                string key = ""; object value = "";
                uint t;
                while ((t = e.ReadTag()) != 0)
                    if (WireFormat.GetTagFieldNumber(t) == 1) key = e.ReadString();
                    else if (WireFormat.GetTagFieldNumber(t) == 2)
                    {
                        var v = new CodedInputStream(e.ReadBytes().ToByteArray());
                        uint vt;
                        while ((vt = v.ReadTag()) != 0)
                            value = WireFormat.GetTagFieldNumber(vt) switch
                            {
                                2 => v.ReadDouble(),
                                3 => v.ReadString(),
                                4 => v.ReadBool(),
                                _ => throw new InvalidDataException($"Unexpected google.protobuf.Value field {WireFormat.GetTagFieldNumber(vt)}."),
                            };
                    }
                    else e.SkipLastField();
                result[key] = value;
            }
        return result;
    }
}
