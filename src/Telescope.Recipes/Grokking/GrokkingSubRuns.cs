namespace Telescope.Recipes.Grokking;

/// <summary>
/// What both grokking recipes share in their sweep of (configuration × seed) sub-runs, which runs on the
/// <see cref="SweepSkeleton{TResult, TFacts}"/>: with <c>sensitivity_members=separate</c> every configuration × seed is
/// followed by one sub-run per ±σ pair of p_net (trained by <see cref="RunPair"/>), so that
/// shards spread the members over processes; the results are combined (<see cref="SeparatePairs"/>) before the outputs,
/// and metrics.csv is rewritten then, since its live rows had no p_net. <see cref="AddRun{T}"/> puts
/// the result so far of a sub-run in flight into its checkpoint.
/// </summary>
internal static class GrokkingSubRuns
{
    /// <summary>Runs the sweep: the plan, each sub-run followed by its pair sub-runs with <c>sensitivity_members=separate</c>.</summary>
    /// <param name="what">What one sub-run of the plan is, for the progress line, e.g. "ε × seed".</param>
    public static void Run<T, TFacts>(SweepSkeleton<T, TFacts> sweep, RunContext context, GrokkingSettings s, TFacts facts, IReadOnlyList<T> plan,
        string[] columns, string what, Func<T, SweepSubRun, T> train) where T : GrokkingRun
    {
        var separatePairs = s.SeparatePairs;
        // Each pair sub-run is a copy of its configuration's sub-run with Pair set.
        var units = separatePairs is null ? plan : plan.SelectMany(run => new[] { run }.Concat(separatePairs.Pairs().Select(pair =>
        {
            var copy = SubRunResults.Deserialize<T>(SubRunResults.Serialize(run), "the sweep plan");
            copy.Pair = pair;
            return copy;
        }))).ToList();
        sweep.Run(context, facts, units.Count, columns, assigned => $"{assigned} sub-runs ({what}{(separatePairs is null ? "" : " × p_net pair")}) × {s.Steps} steps",
            _ => s.Steps, sub => train(units[sub.Index], sub));
    }

    /// <summary>
    /// The combination step: the configuration sub-runs (pairs combined into them), metrics.csv rewritten when the live
    /// rows lack p_net or for a merge (<paramref name="liveMetrics"/> null; rows in sub-run order, so a merge writes the
    /// bytes of the unsharded run), then <paramref name="writeOutputs"/>.
    /// </summary>
    public static void WriteOutputs<T>(RunContext context, GrokkingSettings s, IReadOnlyList<T> results, MetricsCsvWriter? liveMetrics, string[] columns,
        Action<MetricsCsvWriter, T, GrokkingPoint, SensitivityPoint> writeRow, Action<IReadOnlyList<T>> writeOutputs) where T : GrokkingRun
    {
        var separatePairs = s.SeparatePairs;
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
    /// <param name="labels">Y [n, k].</param>
    /// <param name="factory">One member run from θ_0, as the lockstep members are made (tracking the sets train and test).</param>
    public static T RunPair<T>(T run, GrokkingSettings s, Tensor labels, RetrainingRunFactory factory, SweepSubRun sub) where T : GrokkingRun, new()
    {
        var pair = run.Pair ?? throw new ArgumentException($"Sub-run #{sub.Index} ({run.Label}) is not a pair sub-run.");
        var state = sub.State();
        using var scope = NewDisposeScope();
        using var members = new RetrainingSensitivity(labels, s.SensitivityOptions(run.Seed)!, factory, [RecipeSensitivity.Train, RecipeSensitivity.Test], pairs: [pair]);
        var before = Stored<T>(sub);
        void Totals()
        {
            run.WallTime = state.Clock.Wall;
            run.RetrainingTime = before.RetrainingTime + members.TrainingTime;
            run.RetrainingMeasureTime = before.RetrainingMeasureTime + members.PredictionTime;
        }
        state.AddRun(sub, () => run, r => run = r, Totals).Add("sensitivity", members);
        Train(sub, state, s, (t, _) => members.Step(t), t =>
        {
            var responses = members.Responses(t);
            run.PairResponses.AddRange(responses);
            if (t > 0) sub.Progress.SetStatus(FormattableString.Invariant(
                $"{run.Label} pair {pair.Key}  p_d train {responses.First(r => r.Set == RecipeSensitivity.Train).Value:F0}  test {responses.First(r => r.Set == RecipeSensitivity.Test).Value:F0}"));
        });
        Totals();
        return run;
    }

    /// <summary>
    /// The step loop of a sub-run whose <paramref name="state"/> lists what it carries over: restored on a resume, else
    /// step 0 logged; then for every step t a checkpoint offered (θ is θ_{t−1}), the step, and the log at logged steps.
    /// </summary>
    /// <param name="step">Takes step t (true: t is logged).</param>
    public static void Train(SweepSubRun sub, SubRunState state, GrokkingSettings s, Action<int, bool> step, Action<int> log)
    {
        int first = state.Restore();
        var logged = LogSchedule.Steps(s.Steps, s.LogPerDecade, s.LogEvery).ToHashSet();
        if (sub.Resume is null) log(0);
        for (int t = first; t <= s.Steps; t++)
        {
            state.SaveIfDue(t);
            sub.Cancel.ThrowIfCancellationRequested();
            step(t, logged.Contains(t));
            if (logged.Contains(t)) log(t);
            sub.Progress.Advance();
        }
    }

    /// <summary>The training loss of docs/method.md §1, (c/2)·mean_i ||f(x_i) − y_i||², on the inputs <paramref name="x"/>.</summary>
    public static Tensor HalfSquaredLoss(torch.nn.Module<Tensor, Tensor> network, Tensor x, Tensor y, double lossScale)
    {
        var residual = network.forward(x) - y;
        using var halfLossScale = (0.5 * lossScale).ToScalar();
        return residual.pow(TorchScalars.Two).sum(1).mean().mul(halfLossScale);
    }

    /// <summary>Key (inside the sub-run's scope) of the result so far of the sub-run in flight.</summary>
    private const string RunKey = "run";

    /// <summary>
    /// Adds the result so far of the sub-run in flight to its checkpoint (<c>current/run</c>):
    /// <paramref name="totals"/> brings its times up to date before each save, and a resume hands the stored result to
    /// <paramref name="resumed"/>.
    /// </summary>
    public static SubRunState AddRun<T>(this SubRunState state, SweepSubRun sub, Func<T> run, Action<T> resumed, Action totals) =>
        state.Add(c => { totals(); SweepSubRun.SaveValue(c, RunKey, run()); }, _ => resumed(sub.LoadValue<T>(RunKey)));

    /// <summary>The result stored by the checkpoint a sub-run resumes from (a new one for a fresh start): the times spent before.</summary>
    public static T Stored<T>(SweepSubRun sub) where T : new() => sub.Resume is null ? new() : sub.LoadValue<T>(RunKey);
}
