using static TorchSharp.torch;

namespace Telescope.Autodiff;

/// <summary>
/// Splits a batch of inputs into row blocks so engines can bound their memory: the intermediate
/// tensors of a JVP or kernel grow with the number of rows (10k inputs × 512 units × T tangents is large).
/// </summary>
internal static class InputChunks
{
    /// <summary>Checks an optional chunk size given to an engine's constructor.</summary>
    public static int? Validate(int? chunkSize, string parameterName)
    {
        if (chunkSize is <= 0)
            throw new ArgumentOutOfRangeException(parameterName, chunkSize,
                "Chunk size must be positive (rows per block), or null to process all inputs at once.");
        return chunkSize;
    }

    /// <summary>
    /// Row ranges (start, length) covering <paramref name="rows"/> in blocks of at most <paramref name="chunkSize"/>.
    /// An empty input set gives one empty range, so callers still produce correctly shaped empty results.
    /// </summary>
    public static IEnumerable<(long Start, long Length)> Ranges(long rows, int? chunkSize)
    {
        if (rows == 0)
        {
            yield return (0, 0);
            yield break;
        }
        long size = chunkSize is int c ? c : Math.Max(rows, 1);
        for (long start = 0; start < rows; start += size)
            yield return (start, Math.Min(size, rows - start));
    }

    /// <summary>Rows [start, start+length) of <paramref name="inputs"/> as a view (no copy).</summary>
    public static Tensor Rows(Tensor inputs, (long Start, long Length) range) =>
        range.Start == 0 && range.Length == inputs.shape[0] ? inputs.alias() : inputs.narrow(0, range.Start, range.Length);
}
