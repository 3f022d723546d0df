namespace Telescope.Runs;

/// <summary>
/// The checkpoints of one run (<see cref="RunContext.Checkpoints"/>): a recipe calls <see cref="SaveIfDue"/> at
/// step boundaries, and a checkpoint is written into the partial run folder every <c>checkpoint_minutes</c> and
/// as soon as the run is asked to stop (Ctrl+C, SIGTERM). Each checkpoint holds what the recipe adds (model,
/// optimizer, trackers, positions, finished sub-runs), the metrics files so far, and facts that tie it to its
/// run (recipe, configuration fingerprint, shard, thread count). <see cref="Resumed"/> is the checkpoint a
/// resumed run starts from. See src/Telescope.Recipes/README.md for how a recipe adopts it.
/// </summary>
/// <param name="folder">The run folder; checkpoints go into its working path.</param>
/// <param name="minutes">Interval; 0 = only when a stop is requested.</param>
/// <param name="stop">Ctrl+C / SIGTERM.</param>
/// <param name="resumed">The checkpoint to continue from, or null for a fresh run.</param>
/// <param name="describeRun">Adds the run's identifying facts to every checkpoint.</param>
public sealed class RunCheckpoints(RunFolder folder, double minutes, CancellationToken stop, CheckpointState? resumed = null,
    Action<CheckpointState>? describeRun = null)
{
    /// <summary>File name of the checkpoint inside the partial folder.</summary>
    public const string FileName = "checkpoint.bin";

    private readonly TimeSpan? _interval = minutes > 0 ? TimeSpan.FromMinutes(minutes) : null;
    private readonly Stopwatch _sinceLast = Stopwatch.StartNew();

    /// <summary>The checkpoint this run resumes from (null for a fresh run). Read it before the first step.</summary>
    public CheckpointState? Resumed { get; } = resumed;

    public string FilePath => Path.Combine(folder.WorkingPath, FileName);

    /// <summary>Whether a checkpoint file exists (written by this process or the one it resumes).</summary>
    public bool Exists => File.Exists(FilePath);

    // Checkpoints written by this process (the progress page says how many).
    private int _saved;

    /// <summary>
    /// Writes a checkpoint if one is due (the interval has passed, or a stop was requested); <paramref name="fill"/> adds
    /// the recipe's state.
    /// </summary>
    /// <returns>Whether a checkpoint was written.</returns>
    public bool SaveIfDue(Action<CheckpointState> fill)
    {
        if (!stop.IsCancellationRequested && !(_interval is { } i && _sinceLast.Elapsed >= i)) return false;
        Save(fill);
        return true;
    }

    /// <summary>Writes a checkpoint now (atomically replacing the previous one).</summary>
    public void Save(Action<CheckpointState> fill)
    {
        var state = new CheckpointState();
        describeRun?.Invoke(state);
        state.Set(ThreadsKey, torch.get_num_threads());
        fill(state);
        folder.SnapshotMetrics(state);
        CheckpointFile.Write(FilePath, state);
        folder.WriteProgressPage($"{++_saved} checkpoint(s) written by this process");
        _sinceLast.Restart();
    }

    /// <summary>Key of the intra-op thread count in force when the checkpoint was written.</summary>
    internal const string ThreadsKey = "run/threads";
}
