using System.Security.Cryptography;

namespace Telescope.Data.Tabular;

/// <summary>Checksums of data files, verified before anything is parsed.</summary>
public static class FileIntegrity
{
    /// <summary>Lower-case hex SHA-256 of a file.</summary>
    public static string Sha256Hex(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>Throws <see cref="InvalidDataException"/> naming the file when its SHA-256 differs from <paramref name="expectedHex"/>.</summary>
    public static void VerifySha256(string path, string expectedHex)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Data file '{path}' does not exist; point TELESCOPE_DATA at the shared data folder.", path);
        string actual = Sha256Hex(path);
        if (!string.Equals(actual, expectedHex, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"Checksum mismatch for data file '{path}': sha256 is {actual}, expected {expectedHex}. The file is corrupt or a different version; restore the original.");
    }
}
