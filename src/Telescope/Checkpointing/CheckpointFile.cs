using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Telescope.Checkpointing;

/// <summary>
/// Writes and reads a <see cref="CheckpointState"/> safely. Layout: the 8-byte magic <c>TLSCKPT1</c>, the
/// payload length (int64, little-endian), the SHA-256 of the payload (32 bytes), then the payload.
/// <see cref="Write"/> writes a temporary sibling file, fsyncs it and renames it over the target, so a kill at
/// any moment leaves either the previous good checkpoint or the new one, never a mixture. <see cref="Read"/>
/// refuses a truncated or corrupt file with a <see cref="TelescopeException"/> naming it — a run never
/// silently restarts from scratch.
/// </summary>
/// <example>
/// <code>
/// CheckpointFile.Write(path, state);               // atomic replace
/// CheckpointState again = CheckpointFile.Read(path); // checksum verified
/// </code>
/// </example>
public static partial class CheckpointFile
{
    private static readonly byte[] Magic = "TLSCKPT1"u8.ToArray();
    private const int HeaderLength = 8 + 8 + 32;

    /// <summary>Atomically replaces <paramref name="path"/> with <paramref name="state"/>.</summary>
    public static void Write(string path, CheckpointState state)
    {
        byte[] payload = state.ToBytes();
        byte[] hash = SHA256.HashData(payload);
        string temporary = $"{path}.tmp-{Guid.NewGuid().ToString("N")[..8]}";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(Magic);
                stream.Write(BitConverter.GetBytes((long)payload.Length));
                stream.Write(hash);
                stream.Write(payload);
                stream.Flush(flushToDisk: true);   // fsync: the data is on disk before the rename makes it current
            }
            File.Move(temporary, path, overwrite: true);   // rename(2): atomic on POSIX file systems
            SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        }
        catch
        {
            try { File.Delete(temporary); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>Deletes temporary files a kill in the middle of <see cref="Write"/> left next to <paramref name="path"/>.</summary>
    public static void DeleteLeftovers(string path)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        foreach (string leftover in Directory.EnumerateFiles(directory, Path.GetFileName(path) + ".tmp-*")) File.Delete(leftover);
    }

    /// <summary>
    /// fsync of the folder, so that the rename itself survives a power loss (POSIX only; best effort: without it
    /// the previous checkpoint, still complete, would be the one found).
    /// </summary>
    private static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        int fd = Open(directory, 0 /* O_RDONLY */);
        if (fd < 0) return;
        _ = FSync(fd);
        _ = Close(fd);
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync")]
    private static partial int FSync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    /// <summary>Reads and verifies a checkpoint.</summary>
    /// <exception cref="TelescopeException">Missing, truncated, corrupt (checksum) or malformed; the message names the file.</exception>
    public static CheckpointState Read(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Problem(path, $"cannot be read: {e.Message}", e);
        }
        if (bytes.Length < HeaderLength || !bytes.AsSpan(0, 8).SequenceEqual(Magic))
            throw Problem(path, bytes.Length < HeaderLength
                ? $"is truncated ({bytes.Length} bytes, shorter than its {HeaderLength}-byte header)"
                : "is not a Telescope checkpoint (wrong magic bytes)");
        long length = BitConverter.ToInt64(bytes, 8);
        if (length != bytes.Length - HeaderLength)
            throw Problem(path, length > bytes.Length - HeaderLength
                ? $"is truncated: its header announces {length} payload bytes but only {bytes.Length - HeaderLength} are there"
                : $"is corrupt: its header announces {length} payload bytes but {bytes.Length - HeaderLength} follow");
        var payload = bytes.AsSpan(HeaderLength);
        if (!SHA256.HashData(payload).AsSpan().SequenceEqual(bytes.AsSpan(16, 32)))
            throw Problem(path, "is corrupt: the SHA-256 of its payload does not match the checksum in its header");
        try { return CheckpointState.FromBytes(payload.ToArray()); }
        catch (InvalidDataException e) { throw Problem(path, $"is malformed: {e.Message}", e); }
    }

    private static TelescopeException Problem(string path, string what, Exception? inner = null)
    {
        string message = $"The checkpoint '{Path.GetFullPath(path)}' {what}.";
        var hint = "The run was not restarted. Restore the file from a backup, or start the run again from scratch with 'telescope run'.";
        return inner is null ? new TelescopeException(message) { Hint = hint } : new TelescopeException(message, inner) { Hint = hint };
    }
}
