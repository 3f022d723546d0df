namespace Telescope.Runs;

/// <summary>
/// A recipe whose run is a sweep of independent sub-runs, so that it can be sharded (<c>--shard i/N</c>) and
/// merged (<c>telescope merge</c>). Its <see cref="IRecipe.Run"/> computes sub-run results through a
/// <see cref="Sweep{T}"/> and writes the outputs from the list of results; <see cref="Merge"/> writes the same
/// outputs from results that shards computed.
/// </summary>
public interface ISweepRecipe : IRecipe
{
    /// <summary>
    /// Writes into <paramref name="context"/>'s folder exactly the files an unsharded run writes (metrics,
    /// summary, figures, report) from <paramref name="results"/> (JSON of every sub-run, by index) and the
    /// sweep-wide <paramref name="facts"/> (JSON) that the shards recorded.
    /// </summary>
    void Merge(RunContext context, string facts, IReadOnlyList<string> results);
}
