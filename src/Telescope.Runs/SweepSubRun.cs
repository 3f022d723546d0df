namespace Telescope.Runs;

/// <summary>
/// One sub-run of a <see cref="Sweep{T}"/> as it trains: its index, the progress bar and metrics file of the run, and
/// its scoped part of a checkpoint. Everything the sub-run stores goes under <see cref="Prefix"/> ("current/"), next to
/// the sweep's finished results and the index of this sub-run (written by <see cref="SaveIfDue"/>), so a resumed
/// process knows which sub-run was in flight and hands it <see cref="Resume"/>; every other sub-run starts afresh.
/// </summary>
public sealed class SweepSubRun
{
    /// <summary>Key prefix of the sub-run in flight inside a checkpoint.</summary>
    public const string Prefix = "current/";

    /// <summary>Key of the in-flight sub-run's index.</summary>
    internal const string IndexKey = Prefix + "index";

    private const string StepKey = Prefix + "step";
    private readonly Action<CheckpointState> _saveSweep;
    private readonly RunCheckpoints _checkpoints;

    internal SweepSubRun(int index, RunContext context, IProgressTask progress, MetricsCsvWriter metrics,
        Action<CheckpointState> saveSweep, CheckpointState? resume)
    {
        Index = index;
        _checkpoints = context.Checkpoints;
        Cancel = context.CancellationToken;
        Progress = progress;
        Metrics = metrics;
        _saveSweep = saveSweep;
        Resume = resume;
    }

    public int Index { get; }

    /// <summary>The run's progress task, sized by the sweep (advance it by the sub-run's units).</summary>
    public IProgressTask Progress { get; }

    /// <summary>metrics.csv of the run, for rows written as they are measured.</summary>
    public MetricsCsvWriter Metrics { get; }

    /// <summary>Ctrl+C / SIGTERM.</summary>
    public CancellationToken Cancel { get; }

    /// <summary>The checkpoint to continue this sub-run from (it was in flight when the checkpoint was written), or null to start it.</summary>
    public CheckpointState? Resume { get; }

    /// <summary>The step the resumed sub-run takes next (stored by <see cref="SaveIfDue"/>).</summary>
    /// <exception cref="InvalidOperationException">The sub-run is not resumed.</exception>
    public int NextStep => ResumeOrThrow.GetInt(StepKey);

    /// <summary>A new list of what the sub-run carries over between steps (<see cref="SubRunState"/>); its clock starts now.</summary>
    public SubRunState State() => new(this);

    /// <summary>The key of <paramref name="name"/> inside the sub-run's scope.</summary>
    public static string Key(string name) => Prefix + name;

    // Where a piece called name keeps its keys: current/name/.
    internal static string Scope(string name) => $"{Prefix}{name}/";

    /// <summary>
    /// Offers a checkpoint before step <paramref name="step"/> (θ is θ_{step−1}): when one is due it holds the sweep's
    /// finished sub-runs, the index of this one, the step and what <paramref name="fill"/> adds under the sub-run's scope.
    /// </summary>
    /// <returns>Whether a checkpoint was written.</returns>
    public bool SaveIfDue(int step, Action<CheckpointState> fill) => _checkpoints.SaveIfDue(state =>
    {
        _saveSweep(state);
        state.Set(IndexKey, Index);
        state.Set(StepKey, step);
        fill(state);
    });

    /// <summary>Stores <paramref name="part"/>'s state under the sub-run's scope, in <c>current/<paramref name="name"/>/</c>.</summary>
    public static void Save(CheckpointState state, string name, ICheckpointable part) => part.SaveState(state, Scope(name));

    /// <summary>Restores <paramref name="part"/> from <see cref="Resume"/> (what <see cref="Save"/> stored).</summary>
    public void Load(string name, ICheckpointable part) => part.LoadState(ResumeOrThrow, Scope(name));

    /// <summary>Stores a JSON-serializable value (a result so far, a list of points) under the sub-run's scope.</summary>
    public static void SaveValue<TValue>(CheckpointState state, string name, TValue value) => state.Set(Key(name), SubRunResults.Serialize(value));

    /// <summary>Reads back a value stored by <see cref="SaveValue"/> from <see cref="Resume"/>.</summary>
    public TValue LoadValue<TValue>(string name) => SubRunResults.Deserialize<TValue>(ResumeOrThrow.GetString(Key(name)), RunCheckpoints.FileName);

    private CheckpointState ResumeOrThrow => Resume ?? throw new InvalidOperationException($"Sub-run {Index} is not resumed.");
}
