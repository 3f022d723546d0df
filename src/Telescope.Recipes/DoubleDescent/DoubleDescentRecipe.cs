namespace Telescope.Recipes.DoubleDescent;

/// <summary>
/// docs/method.md §9 row "double-descent" (paper Figs. 3, 9): one-hidden-layer ReLU networks of growing width trained
/// with squared loss to convergence on a two-class image task with ±1 targets, with and without training-label
/// noise. Test MSE is expected to peak near the interpolation threshold (parameters ≈ n) under label noise, and
/// the smoother's effective parameters explain it: p_train grows with width while p_test peaks near the
/// threshold and falls beyond it.
/// </summary>
internal sealed class DoubleDescentRecipe() : SweepRecipe<DoubleDescentSettings, WidthRun, DoubleDescentFacts>("double-descent",
    "Test MSE and effective parameters p_train/p_test of 1-hidden-layer ReLU nets across widths, MNIST 3 vs 5 with/without label noise (paper Figs. 3, 9)",
    DoubleDescentSettings.Schema)
{
    protected override void Run(RunContext context, DoubleDescentSettings s)
    {
        s.Validate();
        var data = DoubleDescentData.Load(context, s);
        context.Progress.Message($"Data: {data.Description}");

        var dtype = context.DType;
        var device = context.Device;
        using var scope = torch.NewDisposeScope();
        var testInputs = data.Test.Data.ToTensor(dtype, device);
        var tensors = new DoubleDescentTensors(data.Train.Data.ToTensor(dtype, device), testInputs,
            data.Test.CleanTargetsTensor(dtype, device), testInputs.narrow(0, 0, s.TestProbes));

        var noises = s.LabelNoise.Distinct().ToArray();
        var seeds = s.Seeds;
        var widths = s.Widths.Distinct().Order().ToArray();
        // The sub-runs in index order: noise levels as given, widths increasing, then seed repetitions.
        var plan = noises.SelectMany(n => widths.SelectMany(w => seeds.Select(seed =>
            new WidthRun(n, w, seed, DoubleDescentAnalysis.ParameterCount(data.FeatureCount, w))))).ToList();
        // With separate p_net pairs every network is followed by one sub-run per pair, so shards spread the members too.
        if (s.Sensitivity.SeparatePairs) plan = plan.SelectMany(r => s.Retraining!.Pairs().Select(r.ForPair).Prepend(r)).ToList();
        // One flip set per (noise level, seed), shared by every width: the widths differ in the model only.
        var tasks = noises.SelectMany(n => seeds.Select(seed => (Noise: n, Seed: seed)))
            .ToDictionary(k => k, k => data.Train.WithLabelNoise(k.Noise, (ulong)k.Seed ^ 0x6E6F697365UL));
        var facts = new DoubleDescentFacts(data.Description, data.IsSynthetic, data.Train.Count, data.FeatureCount, data.Test.Count,
            tasks.Select(kv => new FlipCount(kv.Key.Noise, kv.Key.Seed, kv.Value.FlippedIndices.Length)).ToList());

        bool seeded = seeds.Count > 1;
        var trainer = new DoubleDescentTrainer(s);
        Sweep.Run(context, facts, plan.Count, DoubleDescentOutput.Columns(s), assigned => $"{assigned} networks × ≤ {s.MaxSteps} steps",
            _ => s.MaxSteps, sub =>
            {
                var target = plan[sub.Index];
                using var targetScope = torch.NewDisposeScope();
                var targets = tasks[(target.LabelNoise, target.Seed)].TargetsTensor(dtype, device);
                string label = target.Label(seeded);
                if (target.Pair is { } pair)
                {
                    var done = trainer.RunPair(target, pair, tensors, targets, label, sub);
                    context.Progress.Message(string.Create(CultureInfo.InvariantCulture,
                        $"{label} p_net pair {pair.Key}: {done.PairResponses[^1].Step} steps ({done.WallSeconds:F1} s)"));
                    return done;
                }
                var run = trainer.Run(target, tensors, targets, label, (r, i) => DoubleDescentOutput.WritePoint(sub.Metrics, s, r, i, seeded), sub);
                context.Progress.Message(string.Create(CultureInfo.InvariantCulture,
                    $"{label}: {run.Steps} steps ({run.Stop}), train MSE {run.Final.TrainMse:G3}, test MSE {run.Final.TestMse:G3}, p_train {run.Final.PTrain.Value:G4}, p_test {run.Final.PTest.Value:G4} ({run.WallSeconds:F1} s)"));
                return run;
            });
    }

    /// <summary>
    /// Summary, figures and report from every sub-run's result (separate p_net pairs combined into their networks first),
    /// and metrics.csv too for a merge (no <paramref name="liveMetrics"/>) or separate pairs (the live rows had no p_net).
    /// </summary>
    protected override void WriteOutputs(RunContext context, DoubleDescentSettings s, DoubleDescentFacts facts, IReadOnlyList<WidthRun> results,
        MetricsCsvWriter? liveMetrics)
    {
        var runs = s.Sensitivity.SeparatePairs ? CombinePairs(results, s.Retraining!) : results;
        if (liveMetrics is null || s.Sensitivity.SeparatePairs)
        {
            liveMetrics?.Dispose();
            bool seeded = s.Seeds.Count > 1;
            using var csv = context.Folder.OpenMetrics(DoubleDescentOutput.Columns(s));
            foreach (var run in runs)
                for (int i = 0; i < run.Points.Count; i++) DoubleDescentOutput.WritePoint(csv, s, run, i, seeded);
        }
        // The bound reads the rule's kind and β1 (Adam's, 0.9) only.
        var rule = new TangentStepRule
            { Kind = s.Optimizer == "adam" ? TangentOptimizerKind.Adam : TangentOptimizerKind.Sgd, Step = 1, LearningRate = s.LearningRate, Beta1 = 0.9 };
        new DoubleDescentOutput(context, facts, s, runs, s.Sensitivity.StabilityIterations > 0 ? s.Sensitivity.Bound(rule) : null).Write();
    }

    /// <summary>
    /// The networks' sub-runs with p_net and the agreement from their pair sub-runs, and the pairs' cost added to their
    /// times. A pair that stopped at another step than its network means the runs were not the same computation.
    /// </summary>
    private static List<WidthRun> CombinePairs(IReadOnlyList<WidthRun> results, RetrainingSensitivityOptions options)
    {
        var pairs = results.Where(r => r.Pair is not null).ToLookup(r => (r.LabelNoise, r.Width, r.Seed));
        return results.Where(r => r.Pair is null).Select(run =>
        {
            var mine = pairs[(run.LabelNoise, run.Width, run.Seed)].ToList();
            foreach (var pair in mine.Where(p => p.PairResponses[^1].Step != run.Steps))
                throw new TelescopeException(string.Create(CultureInfo.InvariantCulture,
                    $"p_net pair {pair.Pair!.Key} of noise={run.LabelNoise:G4}, width={run.Width}, seed={run.Seed} stopped at step {pair.PairResponses[^1].Step}, its network at {run.Steps}: they were not the same computation."))
                { Hint = "Run every share with the same threads, device and dtype (Telescope version too), or use --set sensitivity_members=lockstep." };
            return run with
            {
                Sensitivity = SeparatePairs.Combine(run.Sensitivity, mine.SelectMany(p => p.PairResponses), options),
                Members = 2 * mine.Count,
                RetrainingSeconds = run.RetrainingSeconds + mine.Sum(p => p.WallSeconds),
                WallSeconds = run.WallSeconds + mine.Sum(p => p.WallSeconds),
                CpuSeconds = run.CpuSeconds + mine.Sum(p => p.CpuSeconds),
            };
        }).ToList();
    }
}
