using System.Diagnostics;
using Telescope.Checkpointing;
using Telescope.Recipes.Sensitivity;
using Telescope.Optim;
using Telescope.Runs;
using Telescope.Smoothing;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Recipes.Grokking;

/// <summary>
/// What both grokking recipes share in running their sweep of (configuration × seed) sub-runs: the loop over this
/// process's pending sub-runs with live metrics rows and the checkpoint of the sub-run in flight. With
/// <c>sensitivity_members=separate</c> every configuration × seed is followed by one sub-run per ±σ pair of p_net
/// (<see cref="RunPair"/>), so that shards spread the members over processes; the results are combined
/// (<see cref="SeparatePairs"/>) before the outputs, and metrics.csv is rewritten then, since its live rows had no p_net.
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
    /// <param name="writeRows">Writes one finished sub-run's metrics rows.</param>
    /// <param name="separatePairs">p_net's options when its pairs are sub-runs of their own, else null.</param>
    /// <param name="writeOutputs">Writes summary, figures and report from every result.</param>
    public static void Run<T>(RunContext context, IReadOnlyList<T> plan, int steps, string[] columns, string what,
        Func<int, T, IProgressTask, MetricsCsvWriter, Action<CheckpointState>, CheckpointState?, T> runOne, string facts,
        Action<MetricsCsvWriter, T> writeRows, RetrainingSensitivityOptions? separatePairs, Action<IReadOnlyList<T>> writeOutputs)
        where T : GrokkingRun
    {
        var units = separatePairs is null ? plan : WithPairs(plan, separatePairs);
        var sweep = new Sweep<T>(context, units.Count);
        var resumed = context.Checkpoints.Resumed;
        int? inFlight = resumed?.Contains(Current + "index") == true ? resumed.GetInt(Current + "index") : null;
        using (var csv = context.Folder.OpenMetrics(columns))   // rows appear as they are measured
        {
            int assigned = sweep.Assigned.Count();
            using var progress = context.Progress.Start($"{assigned} sub-runs ({what}{(separatePairs is null ? "" : " × p_net pair")}) × {steps} steps", (double)assigned * steps);
            progress.Advance((double)sweep.Results.Count * steps);
            foreach (int k in sweep.Pending.ToList())
                sweep.Complete(k, runOne(k, units[k], progress, csv, sweep.SaveState, k == inFlight ? resumed : null));
        }
        sweep.Finish(facts, results => Write(context, results, columns, writeRows, separatePairs, writeOutputs, rewriteMetrics: separatePairs is not null));
    }

    /// <summary>
    /// A recipe's <see cref="ISweepRecipe.Merge"/>: the outputs from the shards' results, metrics.csv included (rows in
    /// sub-run order, so a merge writes the bytes of the unsharded run).
    /// </summary>
    public static void Merge<T>(RunContext context, IReadOnlyList<string> results, string[] columns, Action<MetricsCsvWriter, T> writeRows,
        RetrainingSensitivityOptions? separatePairs, Action<IReadOnlyList<T>> writeOutputs) where T : GrokkingRun =>
        Write(context, results.Select(r => SubRunResults.Deserialize<T>(r, ShardFile.FileName)).ToList(), columns, writeRows, separatePairs,
            writeOutputs, rewriteMetrics: true);

    private static void Write<T>(RunContext context, IReadOnlyList<T> results, string[] columns, Action<MetricsCsvWriter, T> writeRows,
        RetrainingSensitivityOptions? separatePairs, Action<IReadOnlyList<T>> writeOutputs, bool rewriteMetrics) where T : GrokkingRun
    {
        var runs = separatePairs is null ? results : CombinePairs(results, separatePairs);
        if (rewriteMetrics)
            using (var csv = context.Folder.OpenMetrics(columns))
                foreach (var run in runs) writeRows(csv, run);
        writeOutputs(runs);
    }

    /// <summary>Every sub-run of the plan followed by one sub-run per pair of <paramref name="options"/> (a copy with <see cref="GrokkingRun.Pair"/> set).</summary>
    private static List<T> WithPairs<T>(IReadOnlyList<T> plan, RetrainingSensitivityOptions options) where T : GrokkingRun =>
        plan.SelectMany(run => new[] { run }.Concat(options.Pairs().Select(pair =>
        {
            var copy = SubRunResults.Deserialize<T>(SubRunResults.Serialize(run), "the sweep plan");
            copy.Pair = pair;
            return copy;
        }))).ToList();

    /// <summary>The configuration sub-runs with p_net, the agreement and the members' cost from their pair sub-runs.</summary>
    private static List<T> CombinePairs<T>(IReadOnlyList<T> results, RetrainingSensitivityOptions options) where T : GrokkingRun
    {
        var pairs = results.Where(r => r.Pair is not null).ToLookup(r => r.Label);
        return results.Where(r => r.Pair is null).Select(run =>
        {
            var combined = SeparatePairs.Combine(run.Sensitivity, pairs[run.Label].SelectMany(p => p.PairResponses), options);
            run.Sensitivity.Clear();
            run.Sensitivity.AddRange(combined);
            foreach (var pair in pairs[run.Label]) run.AddPairCost(pair);
            run.Members = 2 * pairs[run.Label].Count();
            return run;
        }).ToList();
    }

    /// <summary>
    /// Trains the pair sub-run <paramref name="run"/> (its <see cref="GrokkingRun.Pair"/>): the two members on Y ± σ·V_d
    /// from θ_0 with the configuration's batches, their responses recorded at step 0 and at every logged step, a
    /// checkpoint offered before every step. Writes no metrics rows (the configuration's rows get p_net once combined).
    /// </summary>
    /// <param name="run">The pair sub-run.</param>
    /// <param name="index">Its index in the sweep.</param>
    /// <param name="options">p_net's options with this seed's directions.</param>
    /// <param name="labels">Y [n, k].</param>
    /// <param name="factory">One member run from θ_0, as the lockstep members are made (tracking the sets train and test).</param>
    /// <param name="steps">Training steps.</param>
    /// <param name="logSteps">The logged steps (step 0 is always recorded).</param>
    /// <param name="progress">Advanced once per step.</param>
    /// <param name="checkpoints">Offered a checkpoint before every step.</param>
    /// <param name="saveSweep">Adds the sweep's finished sub-runs to a checkpoint.</param>
    /// <param name="resume">The checkpoint to continue from, or null.</param>
    /// <param name="cancel">Ctrl+C / SIGTERM.</param>
    public static T RunPair<T>(T run, int index, RetrainingSensitivityOptions options, Tensor labels, RetrainingRunFactory factory, int steps,
        IReadOnlyList<int> logSteps, IProgressTask progress, RunCheckpoints checkpoints, Action<CheckpointState> saveSweep, CheckpointState? resume,
        CancellationToken cancel) where T : GrokkingRun
    {
        var pair = run.Pair ?? throw new ArgumentException($"Sub-run #{index} ({run.Label}) is not a pair sub-run.");
        var clock = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        using var members = new RetrainingSensitivity(labels, options, factory, [RecipeSensitivity.Train, RecipeSensitivity.Test], pairs: [pair]);
        int first = 1;
        if (resume is not null)
        {
            run = LoadHeader<T>(resume, index, out first);
            members.LoadState(resume, Current + "sensitivity/");
            progress.Advance(first - 1);
        }
        var before = (run.WallTime, run.RetrainingTime, run.RetrainingMeasureTime);
        void Totals()
        {
            run.WallTime = before.WallTime + clock.Elapsed;
            run.RetrainingTime = before.RetrainingTime + members.TrainingTime;
            run.RetrainingMeasureTime = before.RetrainingMeasureTime + members.PredictionTime;
        }
        var logged = logSteps.ToHashSet();
        if (resume is null) run.PairResponses.AddRange(members.Responses(0));
        for (int t = first; t <= steps; t++)
        {
            checkpoints.SaveIfDue(state =>
            {
                Totals();
                SaveHeader(state, saveSweep, index, t, run);
                members.SaveState(state, Current + "sensitivity/");
            });
            cancel.ThrowIfCancellationRequested();
            members.Step(t);
            if (logged.Contains(t))
            {
                var responses = members.Responses(t);
                run.PairResponses.AddRange(responses);
                progress.SetStatus(FormattableString.Invariant(
                    $"{run.Label} pair {pair.Key}  p_d train {responses.First(r => r.Set == RecipeSensitivity.Train).Value:F0}  test {responses.First(r => r.Set == RecipeSensitivity.Test).Value:F0}"));
            }
            progress.Advance();
        }
        Totals();
        return run;
    }

    /// <summary>
    /// The checkpoint of sub-run <paramref name="index"/> before step <paramref name="step"/> (θ is θ_{t−1}): the finished
    /// sub-runs, the result so far, the model, the optimizer, the retraining members and each tracker given (smoother, …).
    /// </summary>
    public static void Save<T>(CheckpointState state, Action<CheckpointState> saveSweep, int index, int step, T run,
        torch.nn.Module network, ExactOptimizer optimizer, RecipeSensitivity sensitivity,
        params (string Name, Action<CheckpointState, string>? Save)[] trackers)
    {
        SaveHeader(state, saveSweep, index, step, run);
        ModuleState.Save(network, state, Current + "model/");
        optimizer.SaveState(state, Current + "optimizer/");
        foreach (var (name, save) in trackers) save?.Invoke(state, $"{Current}{name}/");
        sensitivity.SaveState(state, Current + "sensitivity/");
    }

    /// <summary>Restores what <see cref="Save"/> stored; returns the result so far and the next step to take.</summary>
    /// <exception cref="CheckpointMismatchException">The checkpoint's sub-run in flight is another one.</exception>
    public static (T Run, int NextStep) Load<T>(CheckpointState resume, int index, torch.nn.Module network, ExactOptimizer optimizer,
        RecipeSensitivity sensitivity, params (string Name, Action<CheckpointState, string>? Load)[] trackers)
    {
        var run = LoadHeader<T>(resume, index, out int next);
        ModuleState.Load(network, resume, Current + "model/");
        optimizer.LoadState(resume, Current + "optimizer/");
        foreach (var (name, load) in trackers) load?.Invoke(resume, $"{Current}{name}/");
        sensitivity.LoadState(resume, Current + "sensitivity/");
        return (run, next);
    }

    /// <summary>The finished sub-runs, then which sub-run is in flight, its next step and its result so far.</summary>
    private static void SaveHeader<T>(CheckpointState state, Action<CheckpointState> saveSweep, int index, int step, T run)
    {
        saveSweep(state);
        state.Set(Current + "index", index);
        state.Set(Current + "step", step);
        state.Set(Current + "run", SubRunResults.Serialize(run));
    }

    private static T LoadHeader<T>(CheckpointState resume, int index, out int nextStep)
    {
        if (resume.GetInt(Current + "index") != index)
            throw new CheckpointMismatchException($"The checkpoint's in-flight sub-run is #{resume.GetInt(Current + "index")}, not #{index}.");
        nextStep = resume.GetInt(Current + "step");
        return SubRunResults.Deserialize<T>(resume.GetString(Current + "run"), RunCheckpoints.FileName);
    }
}
