using Telescope.Checkpointing;
using Telescope.Optim;
using TorchSharp;

namespace Telescope.Experiments.Grokking;

/// <summary>
/// What both grokking recipes share in running their sweep of (configuration × seed) sub-runs: the loop over this
/// process's pending sub-runs with live metrics rows and the checkpoint of the sub-run in flight.
/// </summary>
internal static class GrokkingSweep
{
    /// <summary>Key prefix of the in-flight sub-run inside a checkpoint.</summary>
    public const string Current = "current/";

    /// <summary>
    /// Computes this process's pending sub-runs of <paramref name="plan"/> (each given the checkpoint to resume from when
    /// it is the one in flight) and ends the sweep: the outputs, or shard.json when sharded.
    /// </summary>
    /// <param name="context">The run.</param>
    /// <param name="plan">The sub-runs in index order (empty results: label, configuration, seed).</param>
    /// <param name="steps">Training steps per sub-run (progress units).</param>
    /// <param name="columns">metrics.csv columns after run and step.</param>
    /// <param name="what">How the progress line names the sub-runs, e.g. "configuration × seed".</param>
    /// <param name="runOne">Trains sub-run k: (k, its empty result, progress, metrics file, what adds the finished sub-runs to a checkpoint, checkpoint to resume or null) → its result.</param>
    /// <param name="facts">Sweep-wide facts (JSON) that a merge needs.</param>
    /// <param name="writeOutputs">Writes summary, figures and report from every result.</param>
    public static void Run<T>(RunContext context, IReadOnlyList<T> plan, int steps, string[] columns, string what,
        Func<int, T, IProgressTask, MetricsCsvWriter, Action<CheckpointState>, CheckpointState?, T> runOne, string facts, Action<IReadOnlyList<T>> writeOutputs)
    {
        var sweep = new Sweep<T>(context, plan.Count);
        var resumed = context.Checkpoints.Resumed;
        int? inFlight = resumed?.Contains(Current + "index") == true ? resumed.GetInt(Current + "index") : null;
        using (var csv = context.Folder.OpenMetrics(columns))   // rows appear as they are measured
        {
            int assigned = sweep.Assigned.Count();
            using var progress = context.Progress.Start($"{assigned} sub-runs ({what}) × {steps} steps", (double)assigned * steps);
            progress.Advance((double)sweep.Results.Count * steps);
            foreach (int k in sweep.Pending.ToList())
                sweep.Complete(k, runOne(k, plan[k], progress, csv, sweep.SaveState, k == inFlight ? resumed : null));
        }
        sweep.Finish(facts, writeOutputs);
    }

    /// <summary>
    /// The checkpoint of sub-run <paramref name="index"/> before step <paramref name="step"/> (θ is θ_{t−1}): the finished
    /// sub-runs, the result so far, the model, the optimizer, the retraining members and each tracker given (smoother, …).
    /// </summary>
    public static void Save<T>(CheckpointState state, Action<CheckpointState> saveSweep, int index, int step, T run,
        torch.nn.Module network, ExactOptimizer optimizer, Sensitivity.RecipeSensitivity sensitivity,
        params (string Name, Action<CheckpointState, string>? Save)[] trackers)
    {
        saveSweep(state);
        state.Set(Current + "index", index);
        state.Set(Current + "step", step);
        state.Set(Current + "run", SubRunResults.Serialize(run));
        ModuleState.Save(network, state, Current + "model/");
        optimizer.SaveState(state, Current + "optimizer/");
        foreach (var (name, save) in trackers) save?.Invoke(state, $"{Current}{name}/");
        sensitivity.SaveState(state, Current + "sensitivity/");
    }

    /// <summary>Restores what <see cref="Save"/> stored; returns the result so far and the next step to take.</summary>
    /// <exception cref="CheckpointMismatchException">The checkpoint's sub-run in flight is another one.</exception>
    public static (T Run, int NextStep) Load<T>(CheckpointState resume, int index, torch.nn.Module network, ExactOptimizer optimizer,
        Sensitivity.RecipeSensitivity sensitivity, params (string Name, Action<CheckpointState, string>? Load)[] trackers)
    {
        if (resume.GetInt(Current + "index") != index)
            throw new CheckpointMismatchException($"The checkpoint's in-flight sub-run is #{resume.GetInt(Current + "index")}, not #{index}.");
        var run = SubRunResults.Deserialize<T>(resume.GetString(Current + "run"), RunCheckpoints.FileName);
        ModuleState.Load(network, resume, Current + "model/");
        optimizer.LoadState(resume, Current + "optimizer/");
        foreach (var (name, load) in trackers) load?.Invoke(resume, $"{Current}{name}/");
        sensitivity.LoadState(resume, Current + "sensitivity/");
        return (run, resume.GetInt(Current + "step"));
    }
}
