using System.Text.Json.Serialization;

namespace Telescope.Data;

/// <summary>
/// Provenance of one data file a run read by path: where it was, its size and sha256, and whether it is a
/// known file (verified against the published checksum) or not (nothing to verify against: the digest is
/// recorded so that the run stays traceable). Runs write these into config.json ("dataFiles") and report.md.
/// </summary>
/// <param name="Role">What the file is in the run, e.g. "train images" or "tabular data set".</param>
/// <param name="Path">Full path as read.</param>
/// <param name="Bytes">File size in bytes.</param>
/// <param name="Sha256">Lower-case hex sha256 of the file's bytes (as stored, before any gunzip).</param>
/// <param name="KnownAs">The known data file it was verified as (e.g. <c>mnist/t10k-images-idx3-ubyte.gz</c>), or null.</param>
/// <param name="Details">What was read from it, e.g. "1000 images of 1×28×28, labels 0–9".</param>
public sealed record DataFileRecord(string Role, string Path, long Bytes, string Sha256, string? KnownAs, string Details)
{
    /// <summary>Whether the file was verified against a published checksum.</summary>
    [JsonIgnore]
    public bool IsKnown => KnownAs is not null;
}
