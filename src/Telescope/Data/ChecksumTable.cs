using System.Collections.Concurrent;
using System.IO.Compression;
using System.Security.Cryptography;

namespace Telescope.Data;

/// <summary>
/// Verifies data files against a table of <see cref="KnownDataFile"/>s and reads their content,
/// gunzipping when the bytes start with the gzip magic (whatever the extension says).
/// A file's verdict is cached per process, keyed by path, length and modification time, so repeated
/// loads hash nothing.
/// </summary>
public sealed class ChecksumTable
{
    private readonly Dictionary<string, KnownDataFile> _byFileName = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Path, long Length, long WriteTicks), bool> _verified = new();

    /// <summary>Builds a table; file names must be unique.</summary>
    public ChecksumTable(IEnumerable<KnownDataFile> entries)
    {
        foreach (var entry in entries)
            if (!_byFileName.TryAdd(entry.FileName, entry))
                throw new ArgumentException($"The file name '{entry.FileName}' appears twice in the checksum table.", nameof(entries));
    }

    /// <summary>The entries of the table.</summary>
    public IReadOnlyCollection<KnownDataFile> Entries => _byFileName.Values;

    /// <summary>
    /// The entry for a file name: an exact match, or — for an uncompressed copy — the entry of the same name
    /// plus <c>.gz</c>; null for an unknown name.
    /// </summary>
    public KnownDataFile? Find(string fileName)
    {
        var name = Path.GetFileName(fileName);
        if (_byFileName.TryGetValue(name, out var entry)) return entry;
        return _byFileName.TryGetValue(name + ".gz", out entry) ? entry : null;
    }

    /// <summary>Verifies a file if its name is known (no-op for unknown names).</summary>
    /// <exception cref="DataChecksumException">A known file whose content differs (an <see cref="IOException"/>).</exception>
    public void Verify(string path) => ReadPayload(path);

    /// <summary>
    /// Reads a file, verifies it if its name is known, and returns its content, gunzipped when the file
    /// starts with the gzip magic bytes 1F 8B.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataChecksumException">A known file whose content differs (an <see cref="IOException"/>).</exception>
    /// <exception cref="InvalidDataException">The gzip stream is corrupt.</exception>
    public byte[] ReadPayload(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
            throw new FileNotFoundException($"Data file '{info.FullName}' does not exist.", info.FullName);
        byte[] raw = File.ReadAllBytes(info.FullName);
        var key = (info.FullName, info.Length, info.LastWriteTimeUtc.Ticks);
        var known = Find(info.Name);
        byte[]? payload = null;
        if (known is not null && !_verified.ContainsKey(key))
        {
            string fileSha = Sha256Hex(raw);
            if (!known.FileSha256.Contains(fileSha, StringComparer.Ordinal))
            {
                // Same content in a different container (another gzip, or gunzipped) is the same data.
                string? payloadSha = null;
                try
                {
                    payload = Decode(raw, info.FullName);
                    payloadSha = Sha256Hex(payload);
                }
                catch (InvalidDataException) { }
                if (known.PayloadSha256 is null || payloadSha != known.PayloadSha256)
                    throw new DataChecksumException(info.FullName, known, fileSha, payloadSha);
            }
            _verified[key] = true;
        }
        return payload ?? Decode(raw, info.FullName);
    }

    /// <summary>True when the bytes start with the gzip magic number.</summary>
    public static bool IsGzip(ReadOnlySpan<byte> bytes) => bytes.Length >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B;

    /// <summary>Lower-case hex sha256 of the bytes.</summary>
    public static string Sha256Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static byte[] Decode(byte[] raw, string path)
    {
        if (!IsGzip(raw)) return raw;
        // The gzip trailer stores the uncompressed size mod 2^32: a good capacity hint, never trusted.
        int hint = raw.Length >= 18 ? (int)Math.Min(BitConverter.ToUInt32(raw, raw.Length - 4), 1u << 30) : 0;
        try
        {
            using var input = new GZipStream(new MemoryStream(raw, writable: false), CompressionMode.Decompress);
            using var output = new MemoryStream(Math.Max(hint, raw.Length));
            input.CopyTo(output);
            return output.Length == output.Capacity ? output.GetBuffer() : output.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException(
                $"Data file '{path}' starts like gzip but cannot be decompressed ({e.Message}); it is corrupt or " +
                "truncated: download it again.", e);
        }
    }
}
