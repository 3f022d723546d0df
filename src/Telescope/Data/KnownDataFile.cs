namespace Telescope.Data;

/// <summary>
/// One data file whose content is known in advance.
/// </summary>
/// <param name="RelativePath">Path inside the data folder as published, e.g. <c>mnist/t10k-labels-idx1-ubyte.gz</c>;
/// its file name is the lookup key.</param>
/// <param name="Description">What the file holds, for messages.</param>
/// <param name="FileSha256">Accepted sha256 digests of the file's bytes (lower-case hex): the data README's,
/// and for MNIST also the official download's (a different gzip of the same content).</param>
/// <param name="PayloadSha256">sha256 of the uncompressed content, or null for files that are not compressed.
/// Lets a re-compressed copy or a plain (gunzipped) copy named without <c>.gz</c> verify too.</param>
public sealed record KnownDataFile(
    string RelativePath,
    string Description,
    IReadOnlyList<string> FileSha256,
    string? PayloadSha256 = null)
{
    /// <summary>The file name (last path component), the key files are matched by.</summary>
    public string FileName => Path.GetFileName(RelativePath);
}
