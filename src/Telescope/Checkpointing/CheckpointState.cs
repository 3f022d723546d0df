using System.Runtime.InteropServices;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Checkpointing;

/// <summary>
/// A flat, ordered bag of named values that together make up the state of a run at a step boundary:
/// tensors (copied to CPU bytes at the moment they are added, so the bag is a snapshot that later training
/// does not change), numbers, strings and byte blobs. Engines add their own state under a key prefix
/// (<see cref="Optim.ExactOptimizer.SaveState"/>, <see cref="Telescoping.TelescopingTracker.SaveState"/>, …);
/// <see cref="CheckpointFile"/> writes and reads it. Tensors round-trip bit for bit: their raw element bytes
/// are stored, never a decimal rendering.
/// </summary>
/// <example>
/// <code>
/// var state = new CheckpointState();
/// ModuleState.Save(model, state, "model/");
/// optimizer.SaveState(state, "optimizer/");
/// state.Set("step", 120L);
/// CheckpointFile.Write("run/checkpoint.bin", state);
/// // … later, in a new process:
/// var loaded = CheckpointFile.Read("run/checkpoint.bin");
/// ModuleState.Load(model, loaded, "model/");
/// optimizer.LoadState(loaded, "optimizer/");
/// long step = loaded.GetLong("step");
/// </code>
/// </example>
public sealed class CheckpointState
{
    private enum Kind : byte { Tensor = 1, Double = 2, Long = 3, String = 4, Bytes = 5 }

    private sealed record Entry(Kind Kind, object Value);
    private sealed record TensorBytes(ScalarType DType, long[] Shape, byte[] Data);

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    /// <summary>Names of all entries, in the order they were first set.</summary>
    public IReadOnlyList<string> Keys => _order;

    /// <summary>Whether an entry called <paramref name="key"/> exists.</summary>
    public bool Contains(string key) => _entries.ContainsKey(key);

    /// <summary>Stores a copy of <paramref name="tensor"/>'s elements (any device; float32/64, int32/64, bool, uint8).</summary>
    public void Set(string key, Tensor tensor)
    {
        using var cpu = tensor.detach().cpu().contiguous();
        Put(key, Kind.Tensor, new TensorBytes(cpu.dtype, cpu.shape, RawBytes(cpu)));
    }

    /// <summary>Stores a double (bit for bit, NaN payloads included).</summary>
    public void Set(string key, double value) => Put(key, Kind.Double, value);
    /// <summary>Stores a long.</summary>
    public void Set(string key, long value) => Put(key, Kind.Long, value);
    /// <summary>Stores a string.</summary>
    public void Set(string key, string value) => Put(key, Kind.String, value ?? throw new ArgumentNullException(nameof(value)));
    /// <summary>Stores a byte blob (copied).</summary>
    public void Set(string key, ReadOnlySpan<byte> value) => Put(key, Kind.Bytes, value.ToArray());

    /// <summary>
    /// Stores a group of tensors (e.g. one per parameter) as <c>key/count</c> and <c>key/0</c>, <c>key/1</c>, …;
    /// a null group is stored as count −1, so that "absent" survives the round trip.
    /// </summary>
    public void SetGroup(string key, IReadOnlyList<Tensor>? group)
    {
        Set(key + "/count", group?.Count ?? -1L);
        if (group is not null) for (int i = 0; i < group.Count; i++) Set($"{key}/{i}", group[i]);
    }

    /// <summary>Copies a group stored by <see cref="SetGroup"/> into <paramref name="group"/> (same count, dtypes, shapes).</summary>
    /// <exception cref="CheckpointMismatchException">Another count (or null-ness), dtype or shape.</exception>
    public void CopyGroupTo(string key, IReadOnlyList<Tensor>? group)
    {
        long count = GetLong(key + "/count");
        if (count != (group?.Count ?? -1L))
            throw new CheckpointMismatchException($"Checkpoint entry '{key}' holds {(count < 0 ? "no" : count)} tensors but the run has {(group is null ? "none" : group.Count)} (other options?).");
        if (group is not null) for (int i = 0; i < group.Count; i++) CopyTo($"{key}/{i}", group[i]);
    }

    /// <summary>Copies the stored tensor into <paramref name="target"/> (under no_grad), checking dtype and shape.</summary>
    /// <exception cref="CheckpointMismatchException">Missing entry, or a dtype/shape other than the target's.</exception>
    public void CopyTo(string key, Tensor target)
    {
        var saved = (TensorBytes)Get(key, Kind.Tensor);
        if (saved.DType != target.dtype || !saved.Shape.SequenceEqual(target.shape))
            throw new CheckpointMismatchException(
                $"Checkpoint entry '{key}' is {saved.DType} [{string.Join(", ", saved.Shape)}] but the run expects {target.dtype} [{string.Join(", ", target.shape)}].");
        using var source = ToTensor(saved);
        using var noGrad = torch.no_grad();
        target.copy_(source);
    }

    /// <summary>A new CPU tensor holding the stored elements (the caller owns it).</summary>
    public Tensor GetTensor(string key) => ToTensor((TensorBytes)Get(key, Kind.Tensor));

    /// <summary>The stored double.</summary>
    public double GetDouble(string key) => (double)Get(key, Kind.Double);
    /// <summary>The stored long.</summary>
    public long GetLong(string key) => (long)Get(key, Kind.Long);
    /// <summary>The stored int (a long within int range).</summary>
    public int GetInt(string key) => checked((int)GetLong(key));
    /// <summary>The stored string.</summary>
    public string GetString(string key) => (string)Get(key, Kind.String);
    /// <summary>The stored byte blob.</summary>
    public byte[] GetBytes(string key) => (byte[])Get(key, Kind.Bytes);

    private void Put(string key, Kind kind, object value)
    {
        if (string.IsNullOrEmpty(key)) throw new ArgumentException("A checkpoint key cannot be empty.", nameof(key));
        if (!_entries.ContainsKey(key)) _order.Add(key);
        _entries[key] = new Entry(kind, value);
    }

    private object Get(string key, Kind kind)
    {
        if (!_entries.TryGetValue(key, out var entry))
            throw new CheckpointMismatchException($"The checkpoint has no entry '{key}' (it was written by a different recipe, version or configuration).");
        if (entry.Kind != kind)
            throw new CheckpointMismatchException($"Checkpoint entry '{key}' is a {entry.Kind}, not a {kind}.");
        return entry.Value;
    }

    // ---- serialization ---------------------------------------------------------------------------

    /// <summary>The payload bytes (what <see cref="CheckpointFile"/> checksums and stores).</summary>
    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(_order.Count);
            foreach (string key in _order)
            {
                var e = _entries[key];
                w.Write(key);
                w.Write((byte)e.Kind);
                switch (e.Value)
                {
                    case TensorBytes t:
                        w.Write((int)t.DType);
                        w.Write(t.Shape.Length);
                        foreach (long d in t.Shape) w.Write(d);
                        w.Write(t.Data.LongLength);
                        w.Write(t.Data);
                        break;
                    case double d: w.Write(BitConverter.DoubleToInt64Bits(d)); break;
                    case long l: w.Write(l); break;
                    case string s: w.Write(s); break;
                    case byte[] b: w.Write(b.LongLength); w.Write(b); break;
                }
            }
        }
        return stream.ToArray();
    }

    /// <summary>Parses a payload written by <see cref="ToBytes"/>.</summary>
    /// <exception cref="InvalidDataException">The payload is malformed.</exception>
    public static CheckpointState FromBytes(byte[] payload)
    {
        var state = new CheckpointState();
        try
        {
            using var r = new BinaryReader(new MemoryStream(payload, writable: false), Encoding.UTF8);
            int count = r.ReadInt32();
            if (count < 0) throw new InvalidDataException("negative entry count");
            for (int i = 0; i < count; i++)
            {
                string key = r.ReadString();
                var kind = (Kind)r.ReadByte();
                object value = kind switch
                {
                    Kind.Tensor => ReadTensor(r),
                    Kind.Double => BitConverter.Int64BitsToDouble(r.ReadInt64()),
                    Kind.Long => r.ReadInt64(),
                    Kind.String => r.ReadString(),
                    Kind.Bytes => ReadBlob(r),
                    _ => throw new InvalidDataException($"unknown entry kind {(byte)kind} for '{key}'"),
                };
                state.Put(key, kind, value);
            }
            if (r.BaseStream.Position != payload.Length) throw new InvalidDataException("trailing bytes after the last entry");
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("the payload ends in the middle of an entry", e);
        }
        return state;
    }

    private static TensorBytes ReadTensor(BinaryReader r)
    {
        var dtype = (ScalarType)r.ReadInt32();
        int rank = r.ReadInt32();
        if (rank is < 0 or > 16) throw new InvalidDataException($"tensor rank {rank}");
        var shape = new long[rank];
        for (int d = 0; d < rank; d++) shape[d] = r.ReadInt64();
        var data = ReadBlob(r);
        long elements = shape.Aggregate(1L, (a, b) => a * b);
        if (elements * ElementSize(dtype) != data.LongLength)
            throw new InvalidDataException($"tensor of {elements} {dtype} elements holds {data.LongLength} bytes");
        return new TensorBytes(dtype, shape, data);
    }

    private static byte[] ReadBlob(BinaryReader r)
    {
        long length = r.ReadInt64();
        if (length < 0 || length > r.BaseStream.Length - r.BaseStream.Position)
            throw new InvalidDataException($"a blob of {length} bytes does not fit the payload");
        return r.ReadBytes(checked((int)length));
    }

    private static int ElementSize(ScalarType dtype) => dtype switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Bool or ScalarType.Byte => 1,
        _ => throw new NotSupportedException($"Checkpoints do not store {dtype} tensors."),
    };

    private static byte[] RawBytes(Tensor cpu) => cpu.dtype switch
    {
        ScalarType.Float64 => MemoryMarshal.AsBytes(cpu.data<double>().ToArray().AsSpan()).ToArray(),
        ScalarType.Float32 => MemoryMarshal.AsBytes(cpu.data<float>().ToArray().AsSpan()).ToArray(),
        ScalarType.Int64 => MemoryMarshal.AsBytes(cpu.data<long>().ToArray().AsSpan()).ToArray(),
        ScalarType.Int32 => MemoryMarshal.AsBytes(cpu.data<int>().ToArray().AsSpan()).ToArray(),
        ScalarType.Bool => cpu.data<bool>().ToArray().Select(b => b ? (byte)1 : (byte)0).ToArray(),
        ScalarType.Byte => cpu.data<byte>().ToArray(),
        var other => throw new NotSupportedException($"Checkpoints do not store {other} tensors."),
    };

    private static Tensor ToTensor(TensorBytes t) => t.DType switch
    {
        ScalarType.Float64 => torch.tensor(MemoryMarshal.Cast<byte, double>(t.Data).ToArray(), t.Shape, dtype: t.DType),
        ScalarType.Float32 => torch.tensor(MemoryMarshal.Cast<byte, float>(t.Data).ToArray(), t.Shape, dtype: t.DType),
        ScalarType.Int64 => torch.tensor(MemoryMarshal.Cast<byte, long>(t.Data).ToArray(), t.Shape, dtype: t.DType),
        ScalarType.Int32 => torch.tensor(MemoryMarshal.Cast<byte, int>(t.Data).ToArray(), t.Shape, dtype: t.DType),
        ScalarType.Bool => torch.tensor(t.Data.Select(b => b != 0).ToArray(), t.Shape, dtype: t.DType),
        ScalarType.Byte => torch.tensor(t.Data, t.Shape, dtype: t.DType),
        var other => throw new NotSupportedException($"Checkpoints do not store {other} tensors."),
    };
}

/// <summary>A checkpoint does not fit the run that loads it (missing entry, other dtype or shape).</summary>
public sealed class CheckpointMismatchException(string message) : TelescopeException(message)
{
}
