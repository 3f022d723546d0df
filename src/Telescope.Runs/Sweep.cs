namespace Telescope.Runs;

/// <summary>
/// The bookkeeping of a sweep of <see cref="Count"/> independent sub-runs with results of type
/// <typeparamref name="T"/> (a JSON-serializable record): which sub-runs this process must compute (its shard,
/// minus those a resumed checkpoint already finished), the finished results, their part of a checkpoint, and
/// the end of the run — the outputs from all results (unsharded) or shard.json (sharded). <see cref="SweepSkeleton{TResult, TFacts}"/>
/// is the recipe built on it (its <c>Run</c> shows the use: create, open metrics.csv, <see cref="Run"/>, <see cref="Finish"/>).
/// </summary>
public sealed class Sweep<T>
{
    private const string Prefix = "sweep/";
    private readonly RunContext _context;
    private readonly SortedDictionary<int, T> _done = [];

    /// <summary>Starts the sweep, restoring finished sub-runs from <see cref="RunCheckpoints.Resumed"/>.</summary>
    /// <exception cref="TelescopeException">The shard would be empty, or the checkpoint is of another sweep.</exception>
    public Sweep(RunContext context, int count)
    {
        _context = context;
        Count = count;
        context.Shard.CheckFits(count, context.RecipeName);
        if (context.Checkpoints.Resumed is { } resumed)
        {
            if (resumed.GetLong(Prefix + "count") != count)
                throw new CheckpointMismatchException($"The checkpoint is of a sweep of {resumed.GetLong(Prefix + "count")} sub-runs, but these settings give {count}.");
            foreach (string k in resumed.GetString(Prefix + "done").Split(',', StringSplitOptions.RemoveEmptyEntries))
                _done[int.Parse(k, System.Globalization.CultureInfo.InvariantCulture)] =
                    SubRunResults.Deserialize<T>(resumed.GetString($"{Prefix}result/{k}"), RunCheckpoints.FileName);
        }
    }

    /// <summary>Number of sub-runs of the whole sweep.</summary>
    public int Count { get; }

    public RunShard Shard => _context.Shard;

    /// <summary>The sub-runs of this share, in index order.</summary>
    public IEnumerable<int> Assigned => Enumerable.Range(0, Count).Where(Shard.Includes);

    /// <summary>The sub-runs of this share still to compute, in index order (evaluated lazily, so it skips sub-runs completed meanwhile).</summary>
    public IEnumerable<int> Pending => Assigned.Where(k => !_done.ContainsKey(k));

    public bool IsDone(int k) => _done.ContainsKey(k);

    public void Complete(int k, T result)
    {
        if (!Shard.Includes(k)) throw new ArgumentOutOfRangeException(nameof(k), $"Sub-run {k} is not in shard {Shard}.");
        _done[k] = result;
    }

    /// <summary>
    /// Trains this share's pending sub-runs in index order: one progress task sized by <paramref name="units"/> (the
    /// finished sub-runs of a resumed run already counted), and for each sub-run a <see cref="SweepSubRun"/> holding the
    /// checkpoint to continue it from when it was the one in flight.
    /// </summary>
    /// <param name="metrics">metrics.csv, open for rows written as they are measured.</param>
    /// <param name="describe">The progress line, from the number of sub-runs of this share.</param>
    /// <param name="units">Progress units of sub-run k (e.g. its training steps).</param>
    /// <param name="train">Trains one sub-run (checkpointing through it) and returns its result.</param>
    public void Run(MetricsCsvWriter metrics, Func<int, string> describe, Func<int, double> units, Func<SweepSubRun, T> train)
    {
        var assigned = Assigned.ToList();
        using var progress = _context.Progress.Start(describe(assigned.Count), assigned.Sum(units));
        progress.Advance(assigned.Where(IsDone).Sum(units));
        var resumed = _context.Checkpoints.Resumed;
        int? inFlight = resumed?.Contains(SweepSubRun.IndexKey) == true ? resumed.GetInt(SweepSubRun.IndexKey) : null;
        foreach (int k in Pending.ToList())
            Complete(k, train(new SweepSubRun(k, _context, progress, metrics, SaveState, k == inFlight ? resumed : null)));
    }

    /// <summary>Adds the finished results to a checkpoint (every sub-run's offered checkpoint calls it).</summary>
    public void SaveState(CheckpointState state)
    {
        state.Set(Prefix + "count", Count);
        state.Set(Prefix + "done", string.Join(",", _done.Keys));
        foreach (var (k, result) in _done) state.Set($"{Prefix}result/{k}", SubRunResults.Serialize(result));
    }

    /// <summary>
    /// Ends the run: unsharded, <paramref name="writeOutputs"/> gets every result; sharded, the share's results
    /// and <paramref name="facts"/> (JSON of the sweep-wide facts <see cref="ISweepRecipe.Merge"/> needs) go to
    /// shard.json, with a short report.md saying how to merge.
    /// </summary>
    public void Finish(string facts, Action<IReadOnlyList<T>> writeOutputs)
    {
        var missing = Pending.ToList();
        if (missing.Count > 0) throw new InvalidOperationException($"Sub-runs {string.Join(", ", missing)} have no result.");
        if (Shard.IsAll)
        {
            writeOutputs(_done.Values.ToList());   // in index order
            return;
        }
        var file = new ShardFile
        {
            Recipe = _context.RecipeName,
            Fingerprint = _context.Settings.Fingerprint(),
            Index = Shard.Index,
            Count = Shard.Count,
            SubRuns = Count,
            Threads = torch.get_num_threads(),
            Facts = facts,
            Results = new SortedDictionary<int, string>(_done.ToDictionary(kv => kv.Key, kv => SubRunResults.Serialize(kv.Value))),
        };
        _context.Folder.WriteText(ShardFile.FileName, file.ToJson());
        _context.Folder.WriteReport(_context.CreateReport($"{_context.RecipeName}: shard {Shard} (sub-runs {string.Join(", ", Assigned)} of {Count})")
            .Paragraph($"This folder holds share {Shard.Index} of {Shard.Count} of the sweep: its sub-runs' results in `{ShardFile.FileName}` and their rows in `metrics.csv`. " +
                $"Figures, summary and findings need every share: run `telescope merge <the {Shard.Count} shard folders> --out DIR`.")
            .ToString());
    }
}
