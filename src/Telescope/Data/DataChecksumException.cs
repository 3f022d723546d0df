namespace Telescope.Data;

/// <summary>A known data file whose content differs from the published checksum.</summary>
public sealed class DataChecksumException : IOException
{
    /// <summary>Creates the exception; the message names the file, both digests and what to do.</summary>
    public DataChecksumException(string path, KnownDataFile known, string actualSha256, string? actualPayloadSha256)
        : base(BuildMessage(path, known, actualSha256, actualPayloadSha256))
    {
        FilePath = path;
        Known = known;
        ActualSha256 = actualSha256;
    }

    /// <summary>The file that failed verification.</summary>
    public string FilePath { get; }

    /// <summary>The table entry it was checked against.</summary>
    public KnownDataFile Known { get; }

    /// <summary>sha256 of the file's bytes as found.</summary>
    public string ActualSha256 { get; }

    private static string BuildMessage(string path, KnownDataFile known, string actual, string? actualPayload)
    {
        string expected = string.Join(" or ", known.FileSha256);
        string payloadNote = known.PayloadSha256 is null ? "" :
            $" (uncompressed content: expected {known.PayloadSha256}, actual {actualPayload ?? "not decodable"})";
        return $"Data file '{path}' is the known file {known.RelativePath} ({known.Description}) but its content " +
               $"differs: expected sha256 {expected}, actual {actual}{payloadNote}. The file is corrupt, truncated " +
               $"or a different version: re-download it (see the data folder's README.md for the source) or " +
               $"restore the original copy; do not edit data files.";
    }
}
