namespace Telescope.Runs;

/// <summary>
/// What a sub-run in flight carries over between steps (model, engine pieces, accumulators, points so far, its clock),
/// registered once: the same list is saved at every offered checkpoint and restored on resume, so the two sides cannot
/// drift apart. Values go to <c>current/name</c>, pieces under <c>current/name/</c> (see <see cref="SweepSubRun"/>).
/// </summary>
public sealed class SubRunState
{
    private readonly SweepSubRun _sub;
    private readonly List<(Action<CheckpointState> Save, Action<CheckpointState> Load)> _parts = [];

    internal SubRunState(SweepSubRun sub)
    {
        _sub = sub;
        Add("clock", Clock);
    }

    /// <summary>The sub-run's wall and CPU time, continued across resumes.</summary>
    public SubRunClock Clock { get; } = new();

    /// <summary>Adds a piece with state of its own (optimizer, tracker, smoother); null adds nothing.</summary>
    public SubRunState Add(string name, ICheckpointable? part) => part is null ? this
        : Add(s => part.SaveState(s, SweepSubRun.Scope(name)), s => part.LoadState(s, SweepSubRun.Scope(name)));

    /// <summary>Adds a module's parameters and buffers; null adds nothing.</summary>
    public SubRunState Add(string name, torch.nn.Module? module) => module is null ? this
        : Add(s => ModuleState.Save(module, s, SweepSubRun.Scope(name)), s => ModuleState.Load(module, s, SweepSubRun.Scope(name)));

    /// <summary>Adds a tensor updated in place (an accumulator).</summary>
    public SubRunState Add(string name, torch.Tensor tensor) =>
        Add(s => s.Set(SweepSubRun.Key(name), tensor), s => s.CopyTo(SweepSubRun.Key(name), tensor));

    /// <summary>Adds a list the sub-run appends to (its points so far), stored as JSON.</summary>
    public SubRunState Add<T>(string name, List<T> list) =>
        Add(s => SweepSubRun.SaveValue(s, name, list), _ => list.AddRange(_sub.LoadValue<List<T>>(name)));

    /// <summary>Adds a number the sub-run keeps in a variable of its own.</summary>
    public SubRunState Add(string name, Func<double> get, Action<double> set) =>
        Add(s => s.Set(SweepSubRun.Key(name), get()), s => set(s.GetDouble(SweepSubRun.Key(name))));

    /// <summary>Adds what <paramref name="save"/> stores and <paramref name="load"/> restores.</summary>
    public SubRunState Add(Action<CheckpointState> save, Action<CheckpointState> load)
    {
        _parts.Add((save, load));
        return this;
    }

    /// <summary>
    /// For a resumed sub-run, restores every part (in the order added) and advances the progress by the steps already
    /// taken; returns the step to take next (1 for a fresh sub-run).
    /// </summary>
    public int Restore()
    {
        if (_sub.Resume is not { } resume) return 1;
        foreach (var part in _parts) part.Load(resume);
        _sub.Progress.Advance(_sub.NextStep - 1);
        return _sub.NextStep;
    }

    /// <summary>Offers a checkpoint before step <paramref name="step"/> (θ is θ_{step−1}) holding every part.</summary>
    public bool SaveIfDue(int step) => _sub.SaveIfDue(step, state =>
    {
        foreach (var part in _parts) part.Save(state);
    });
}
