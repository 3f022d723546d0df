namespace Telescope.Runs;

/// <summary>
/// The skeleton of a sweep recipe (<see cref="ISweepRecipe"/>) whose sub-runs have results of type
/// <typeparamref name="TResult"/> and whose sweep-wide facts are of type <typeparamref name="TFacts"/> (JSON-serializable
/// records). It owns the plan's bookkeeping (<see cref="Sweep{T}"/>: shard selection, finished results, resume), the
/// sub-run in flight (<see cref="SweepSubRun"/>: its index and scoped checkpoint state), the end of the run (outputs or
/// shard.json) and <see cref="Merge"/>; the recipe supplies the number of sub-runs with the training of one
/// (<see cref="Run"/>) and the combination step (given to the constructor).
/// </summary>
/// <param name="writeOutputs">
/// The combination step: writes summary, figures and report (and whatever else an unsharded run writes) from the
/// sweep-wide facts and every sub-run's result in index order. Its last argument is metrics.csv still open with the
/// rows the sub-runs wrote as they ran, or null for a merge, where the recipe writes those rows from the results (in
/// index order, so a merge writes the bytes of the unsharded run); a recipe that rewrites the file disposes it first.
/// </param>
/// <example>
/// <code>
/// private readonly SweepSkeleton&lt;MyResult, MyFacts&gt; _sweep = new(WriteOutputs);
/// public void Run(RunContext context) =&gt;
///     _sweep.Run(context, facts, plan.Count, columns, n =&gt; $"{n} sub-runs", k =&gt; steps, sub =&gt; Train(plan[sub.Index], sub));
/// public void Merge(RunContext context, string facts, IReadOnlyList&lt;string&gt; results) =&gt; _sweep.Merge(context, facts, results);
/// </code>
/// </example>
public sealed class SweepSkeleton<TResult, TFacts>(Action<RunContext, TFacts, IReadOnlyList<TResult>, MetricsCsvWriter?> writeOutputs)
{
    /// <summary>
    /// Runs the sweep: trains this process's pending sub-runs of the <paramref name="count"/> (resuming the one in
    /// flight), then writes the outputs or, sharded, shard.json. <paramref name="describe"/>, <paramref name="units"/> and
    /// <paramref name="train"/> are those of <see cref="Sweep{T}.Run"/>.
    /// </summary>
    /// <param name="facts">Sweep-wide facts a merge needs.</param>
    /// <param name="count">Sub-runs of the whole sweep.</param>
    /// <param name="columns">metrics.csv's columns after run and step.</param>
    /// <exception cref="TelescopeException">The shard would be empty, or the checkpoint is of another sweep.</exception>
    public void Run(RunContext context, TFacts facts, int count, IReadOnlyList<string> columns, Func<int, string> describe,
        Func<int, double> units, Func<SweepSubRun, TResult> train) =>
        Run(context, facts, count, columns, (sweep, metrics) => sweep.Run(metrics, describe, units, train));

    /// <summary>
    /// Runs a sweep whose sub-runs share state, so the recipe drives them itself (lmc: the children spawned at every t′
    /// of one parent share its training up to t′, docs/recipes/lmc.md): the skeleton still owns the plan's bookkeeping,
    /// metrics.csv, the end of the run and <see cref="Merge"/>; <paramref name="drive"/> computes this share's pending
    /// sub-runs and hands each result to <see cref="Sweep{T}.Complete"/>.
    /// </summary>
    public void Run(RunContext context, TFacts facts, int count, IReadOnlyList<string> columns, Action<Sweep<TResult>, MetricsCsvWriter> drive)
    {
        var sweep = new Sweep<TResult>(context, count);
        using var metrics = context.Folder.OpenMetrics(columns);   // rows appear as they are measured
        drive(sweep, metrics);
        sweep.Finish(SubRunResults.Serialize(facts), results => writeOutputs(context, facts, results, metrics));
    }

    /// <summary><see cref="ISweepRecipe.Merge"/>: the outputs of the unsharded run from the shards' facts and results.</summary>
    /// <exception cref="TelescopeException">A result or the facts cannot be read.</exception>
    public void Merge(RunContext context, string facts, IReadOnlyList<string> results) =>
        writeOutputs(context, SubRunResults.Deserialize<TFacts>(facts, ShardFile.FileName),
            results.Select(r => SubRunResults.Deserialize<TResult>(r, ShardFile.FileName)).ToList(), null);
}
