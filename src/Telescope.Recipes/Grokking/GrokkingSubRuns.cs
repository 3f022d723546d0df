namespace Telescope.Recipes.Grokking;

/// <summary>
/// What both grokking recipes share in their sweep of (configuration × seed) sub-runs, which runs on the
/// <see cref="SweepSkeleton{TResult, TFacts}"/>: with <c>sensitivity_members=separate</c> every configuration × seed is
/// followed by one sub-run per ±σ pair of p_net (<see cref="WithPairs"/>, trained by <see cref="RunPair"/>), so that
/// shards spread the members over processes; the results are combined (<see cref="SeparatePairs"/>) before the outputs,
/// and metrics.csv is rewritten then, since its live rows had no p_net. <see cref="Save"/> and <see cref="Load"/> are
/// the checkpoint of a configuration sub-run in flight.
/// </summary>
internal static class GrokkingSubRuns
{
    /// <summary>The sub-runs of the sweep: the plan, each followed by its pair sub-runs when <paramref name="separatePairs"/> is given.</summary>
    public static IReadOnlyList<T> Units<T>(IReadOnlyList<T> plan, RetrainingSensitivityOptions? separatePairs) where T : GrokkingRun =>
        separatePairs is null ? plan : WithPairs(plan, separatePairs);

    /// <summary>The progress line of a share of <paramref name="assigned"/> sub-runs.</summary>
    public static string Describe(int assigned, string what, RetrainingSensitivityOptions? separatePairs, int steps) =>
        $"{assigned} sub-runs ({what}{(separatePairs is null ? "" : " × p_net pair")}) × {steps} steps";

    /// <summary>
    /// The combination step: the configuration sub-runs (pairs combined into them), metrics.csv rewritten when the live
    /// rows lack p_net or for a merge (<paramref name="liveMetrics"/> null; rows in sub-run order, so a merge writes the
    /// bytes of the unsharded run), then <paramref name="writeOutputs"/>.
    /// </summary>
    public static void WriteOutputs<T>(RunContext context, IReadOnlyList<T> results, MetricsCsvWriter? liveMetrics, string[] columns,
        Action<MetricsCsvWriter, T, GrokkingPoint, SensitivityPoint> writeRow, RetrainingSensitivityOptions? separatePairs, Action<IReadOnlyList<T>> writeOutputs)
        where T : GrokkingRun
    {
        var runs = separatePairs is null ? results : CombinePairs(results, separatePairs);
        if (liveMetrics is null || separatePairs is not null)
        {
            liveMetrics?.Dispose();
            using var csv = context.Folder.OpenMetrics(columns);
            foreach (var run in runs)
                foreach (var (p, net) in run.Points.Zip(run.Sensitivity)) writeRow(csv, run, p, net);
        }
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
    /// <param name="options">p_net's options with this seed's directions.</param>
    /// <param name="labels">Y [n, k].</param>
    /// <param name="factory">One member run from θ_0, as the lockstep members are made (tracking the sets train and test).</param>
    /// <param name="steps">Training steps.</param>
    /// <param name="logSteps">The logged steps (step 0 is always recorded).</param>
    /// <param name="sub">Its place in the sweep: progress (advanced once per step), a checkpoint offered before every
    /// step, and the checkpoint to continue from (or null).</param>
    public static T RunPair<T>(T run, RetrainingSensitivityOptions options, Tensor labels, RetrainingRunFactory factory, int steps,
        IReadOnlyList<int> logSteps, SweepSubRun sub) where T : GrokkingRun
    {
        var (progress, resume, cancel) = (sub.Progress, sub.Resume, sub.Cancel);
        var pair = run.Pair ?? throw new ArgumentException($"Sub-run #{sub.Index} ({run.Label}) is not a pair sub-run.");
        var clock = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        using var members = new RetrainingSensitivity(labels, options, factory, [RecipeSensitivity.Train, RecipeSensitivity.Test], pairs: [pair]);
        int first = 1;
        if (resume is not null)
        {
            run = sub.LoadValue<T>(RunKey);
            first = sub.NextStep;
            sub.Load("sensitivity", members);
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
            sub.SaveIfDue(t, state =>
            {
                Totals();
                SweepSubRun.SaveValue(state, RunKey, run);
                SweepSubRun.Save(state, "sensitivity", members);
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

    /// <summary>Key (inside the sub-run's scope) of the result so far of the sub-run in flight.</summary>
    private const string RunKey = "run";

    /// <summary>
    /// The sub-run's part of a checkpoint before a step (θ is θ_{t−1}; <see cref="SweepSubRun.SaveIfDue"/> adds the sweep,
    /// the index and the step): the result so far, the model, the optimizer, the retraining members and each tracker given
    /// (smoother, …; a null one is absent from this sub-run).
    /// </summary>
    public static void Save<T>(CheckpointState state, T run, torch.nn.Module network, ExactOptimizer optimizer, RecipeSensitivity sensitivity,
        params (string Name, ICheckpointable? Part)[] trackers)
    {
        SweepSubRun.SaveValue(state, RunKey, run);
        ModuleState.Save(network, state, SweepSubRun.Key("model/"));
        SweepSubRun.Save(state, "optimizer", optimizer);
        foreach (var (name, part) in trackers)
            if (part is not null) SweepSubRun.Save(state, name, part);
        SweepSubRun.Save(state, "sensitivity", sensitivity);
    }

    /// <summary>Restores what <see cref="Save"/> stored; returns the result so far and the next step to take.</summary>
    public static (T Run, int NextStep) Load<T>(SweepSubRun sub, torch.nn.Module network, ExactOptimizer optimizer,
        RecipeSensitivity sensitivity, params (string Name, ICheckpointable? Part)[] trackers)
    {
        var run = sub.LoadValue<T>(RunKey);
        ModuleState.Load(network, sub.Resume!, SweepSubRun.Key("model/"));
        sub.Load("optimizer", optimizer);
        foreach (var (name, part) in trackers)
            if (part is not null) sub.Load(name, part);
        sub.Load("sensitivity", sensitivity);
        return (run, sub.NextStep);
    }
}
