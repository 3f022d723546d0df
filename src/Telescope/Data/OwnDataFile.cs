using System.Security.Cryptography;

namespace Telescope.Data;

/// <summary>
/// Reads a data file given by path: checks that it exists, hashes its bytes, verifies it when its name is a
/// known data file (<see cref="KnownDataFiles"/>), and gunzips it when it starts with the gzip magic.
/// </summary>
public static class OwnDataFile
{
    /// <summary>The file's content (gunzipped if compressed), with its full path, size, sha256 and known entry.</summary>
    /// <exception cref="DataFileException">The path is empty or the file is missing, unreadable, corrupt gzip,
    /// or a known file whose checksum differs.</exception>
    public static (byte[] Payload, string FullPath, long Bytes, string Sha256, KnownDataFile? Known) Read(string path,
        ChecksumTable? checksums = null)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new TelescopeException("A data file path is empty.") { Hint = "Give the path of an existing file." };
        string full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full))
            throw new DataFileException(full, "the file does not exist.", inner: new FileNotFoundException(full, full));
        var table = checksums ?? KnownDataFiles.Table;
        try
        {
            byte[] payload = table.ReadPayload(full);   // verifies known names, gunzips by content
            string sha;
            using (var stream = File.OpenRead(full)) sha = Convert.ToHexStringLower(SHA256.HashData(stream));
            return (payload, full, new FileInfo(full).Length, sha, table.Find(System.IO.Path.GetFileName(full)));
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            throw DataFileException.FromReader(full, e);
        }
    }
}
