using System.Globalization;
using Telescope.Recipes.Sensitivity;
using Telescope.Runs;
using Telescope.Smoothing;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Recipes.DoubleDescent;

/// <summary>
/// docs/method.md §9 row "double-descent" (paper Figs. 3, 9): one-hidden-layer ReLU networks of growing width trained
/// with squared loss to convergence on a two-class image task with ±1 targets, with and without training-label
/// noise. Test MSE is expected to peak near the interpolation threshold (parameters ≈ n) under label noise, and
/// the smoother's effective parameters explain it: p_train grows with width while p_test peaks near the
/// threshold and falls beyond it.
/// </summary>
public sealed class DoubleDescentRecipe : ISweepRecipe
{
    public string Name => "double-descent";
    public string Description => "Test MSE and effective parameters p_train/p_test of 1-hidden-layer ReLU nets across widths, MNIST 3 vs 5 with/without label noise (paper Figs. 3, 9)";

    public RecipeSettings CreateSettings(bool quick) => new RecipeSettings(quick)
        .AddString("data", "auto", "Images: mnist, cifar10, synthetic, files (your own: train_images, …), or auto (files when train_images is set, else mnist when a data folder is given)", choices: DoubleDescentData.Choices)
        .AddOwnImageSettings()
        .AddIntList("classes", [3, 5], "The two classes: first → target +1, second → target −1 (CIFAR-10 cat vs dog is 3,5 too)", min: 0)
        .AddInt("pool", 4, "Average-pooling factor (MNIST 28×28 → 7×7 = 49 features with 4) so the threshold falls inside the width grid", min: 1)
        .AddInt("train_size", 1000, "n, training examples (class-balanced: the first n/2 of each class)", quick: 400, min: 2)
        .AddInt("test_size", 1900, "Test examples for test MSE (the first of the two classes)", quick: 500, min: 1)
        .AddInt("test_probes", 500, "First test examples on which the smoother is tracked (p_test, fidelity)", quick: 200, min: 1)
        .AddDoubleList("label_noise", [0.2, 0.0], "Fractions of training targets flipped (one sweep each)", min: 0, max: 1)
        .AddIntList("widths", [1, 2, 4, 8, 12, 16, 20, 24, 28, 32, 40, 48, 64, 128, 256, 512, 1024],
            "Hidden widths (log grid through the threshold)", quick: [1, 2, 4, 6, 8, 12, 16, 24, 32, 64, 128], min: 1)
        .AddString("optimizer", "adam", "adam (Adam β = 0.9, 0.999, ε = 1e-8) or gd (plain full-batch gradient descent / SGD)", choices: ["adam", "gd"])
        .AddDouble("lr.adam", 3e-3, "Learning rate of adam", min: 0)
        .AddDouble("lr.gd", 0.5, "Learning rate of gd", min: 0)
        .AddInt("batch_size", 0, "Minibatch size (0 = full batch)", min: 0)
        // Convergence (issue 13): measured on MNIST 3 vs 5 (n = 400, noise 0.2, Adam 3e-3, full batch), the test MSE
        // still moves by 10–40% between 4000 steps and convergence near the threshold (width 12: 2.98 at step 4000,
        // 3.71 at 13500; width 24: 2.54 → 3.55 at 20000), so a fixed budget is not "trained to convergence". The
        // rule stops at ≤ 1% improvement per 1000 steps (a loss falling that slowly needs > 70k steps to halve) or
        // at the interpolation level 1e-3; width 24 with noise grinds its noisy labels down by 20–30% per 1000 steps
        // and crosses 1e-3 only near step 11000, hence the caps.
        .AddInt("max_steps", 50000, "Step cap: a network still improving here is flagged 'capped' and kept out of the verdicts (with converge_window = 0: the fixed number of steps)", quick: 15000, min: 1)
        .AddInt("converge_window", 1000, "W: the convergence rule compares the best training MSE now with the best W steps ago (a multiple of log_every; 0 = train max_steps steps, no rule)", min: 0)
        .AddDouble("converge_rel_improvement", 0.01, "ρ: a network has converged when its best training MSE improved by at most this fraction over the last W steps", min: 0, max: 1)
        .AddDouble("converge_train_mse", 1e-3, "A network whose best training MSE is at most this has converged: it interpolates (the interpolation_tolerance default; fits its ±1 targets to ≈ 3% rms)", min: 0)
        .AddDouble("worse_fit_tolerance", 0.01, "A wider network whose final train MSE exceeds a narrower one's (same noise, same seed) by more than this is an optimization failure, shown but not part of the curve (1% of the ±1 targets' variance)", min: 0)
        .AddInt("log_every", 100, "Measure every this many steps (the convergence rule looks at these measurements)", quick: 100, min: 1)
        .AddString("smoother", "hutchinson",
            "Effective-parameter smoother: hutchinson (docs/method.md §4.3, D random directions, any optimizer), exact (§2b, n basis directions; costly), kernel (§2a; exact for gd only), none (p_net by retraining only)",
            choices: SmootherChoice.All)
        .AddString("preconditioner", "frozen", "With adam and a label-tangent smoother: frozen (docs/method.md §4.3, the realized preconditioner) or differentiated (the surrogate's own second moment, differentiated; an option beyond docs/method.md; measured to blow up sooner than frozen, see TangentPreconditioner)",
            choices: ["frozen", "differentiated"])
        // Quick D = 4 (was 8 before convergence): the tangents dominate a step, and networks trained to convergence take up to
        // ≈ 4× the old fixed 4000 steps; with seeds the Hutchinson error (≈ 5–7% of p at D = 4–8) is part of the seed spread.
        .AddInt("directions", 32, "D, Hutchinson directions", quick: 4, min: 2)
        .AddDouble("loss_scale", 1.0, "c in ℓ = (c/2)(f − y)² (docs/method.md §1)", min: 0)
        .AddDouble("peak_prominence", 1.5, "A test-MSE / p_test maximum counts as a peak when it exceeds the lowest value on each side by this factor", min: 1)
        .AddDouble("near_factor", 4.0, "A peak is 'near the threshold' when its width is within this factor of h* = (n − 1)/(d + 2)", min: 1)
        .AddDouble("fidelity_limit", 0.5, "p counts as reliable at a width when the surrogate's mean |f̂ − f| on the training set is at most this (targets ±1)", min: 0)
        .AddDouble("p_train_limit", 1.25, "p counts as reliable only while p_train ≤ this × n (beyond, the surrogate's label sensitivities have blown up)", min: 1)
        .AddDouble("interpolation_tolerance", 1e-3, "A network interpolates when its final train MSE is at most this", min: 0)
        // Quick mode reports p_net next to the smoother's p at every width (issue 10): its 6 members (D = 2 and the σ/4
        // pair) took the quick run from 285 s per seed (no p_net, results/double-descent/quick-seeds) to 1003 s
        // (measured, results/double-descent/quick-pnet); --set sensitivity=none gives the cheaper run.
        .AddSensitivitySettings(quickMode: SensitivitySettings.Retraining)
        .AddVerdictCriteria()
        .AddSeeds(full: [0, 1, 2], quick: [])
        // One intra-op thread: the tensors are small, so per-op threading costs more than it saves (measured ~10× on
        // a loaded 2-core machine for width 32, n = 400); raise it for large widths with --set threads=N.
        .AddComputeSettings(threads: 1);

    public void Run(RunContext context)
    {
        var s = context.Settings;
        var classes = s.GetIntList("classes");
        if (classes.Count != 2)
            throw new TelescopeException($"classes must name exactly two classes; got {classes.Count}.") { Hint = "E.g. --set classes=3,5." };
        string optimizer = s.GetString("optimizer"), smootherChoice = s.GetString("smoother");
        if (smootherChoice == SmootherChoice.Kernel && optimizer != "gd")
            throw new TelescopeException($"smoother=kernel (docs/method.md §4.2) is exact only for plain gradient descent, not {optimizer}.")
            { Hint = "Use --set optimizer=gd with smoother=kernel, or smoother=hutchinson / exact with adam." };
        int trainSize = s.GetInt("train_size"), testSize = s.GetInt("test_size"), probes = s.GetInt("test_probes");
        if (probes > testSize)
            throw new TelescopeException($"test_probes ({probes}) exceeds test_size ({testSize}).") { Hint = "Track at most test_size test examples." };
        int batchSize = s.GetInt("batch_size");
        if (batchSize > trainSize)
            throw new TelescopeException($"batch_size ({batchSize}) exceeds train_size ({trainSize}).") { Hint = "Use 0 for full batch." };
        var widths = s.GetIntList("widths").Distinct().Order().ToArray();

        var data = DoubleDescentData.Load(context, s.GetString("data"), trainSize, testSize, s.GetInt("pool"), classes[0], classes[1]);
        context.Progress.Message($"Data: {data.Description}");

        var dtype = context.DType;
        var device = context.Device;
        using var scope = torch.NewDisposeScope();
        var testInputs = data.TestInputs(dtype, device);
        var tensors = new DoubleDescentTensors(data.TrainInputs(dtype, device), testInputs,
            data.Test.CleanTargetsTensor(dtype, device), testInputs.narrow(0, 0, probes));
        var config = Config(s, optimizer, smootherChoice, trainSize, context.DType);
        if (!config.HasSmoother && config.Sensitivity is null)
            throw new TelescopeException("smoother=none with sensitivity=none measures no effective parameters.")
            { Hint = "Use --set sensitivity=retraining, or a smoother." };

        var noises = s.GetDoubleList("label_noise").Distinct().ToArray();
        var seeds = s.GetSeeds();
        var plan = Plan(noises, widths, seeds, data.FeatureCount);
        // With separate p_net pairs every network is followed by one sub-run per pair, so shards spread the members too.
        if (config.SeparatePairs) plan = plan.SelectMany(r => config.Sensitivity!.Pairs().Select(r.ForPair).Prepend(r)).ToList();
        // One flip set per (noise level, seed), shared by every width: the widths differ in the model only.
        var tasks = noises.SelectMany(n => seeds.Select(seed => (Noise: n, Seed: seed)))
            .ToDictionary(k => k, k => data.Train.WithLabelNoise(k.Noise, (ulong)k.Seed ^ 0x6E6F697365UL));
        var facts = new DoubleDescentFacts(data.Description, data.IsSynthetic, data.Train.Count, data.FeatureCount, data.Test.Count,
            tasks.Select(kv => new FlipCount(kv.Key.Noise, kv.Key.Seed, kv.Value.FlippedIndices.Length)).ToList());

        bool seeded = seeds.Count > 1;
        var trainer = new DoubleDescentTrainer(config);
        _sweep.Run(context, facts, plan.Count, DoubleDescentOutput.Columns(config), assigned => $"{assigned} networks × ≤ {config.MaxSteps} steps",
            _ => config.MaxSteps, sub =>
            {
                var target = plan[sub.Index];
                using var targetScope = torch.NewDisposeScope();
                var targets = tasks[(target.LabelNoise, target.Seed)].TargetsTensor(dtype, device);
                string label = target.Label(seeded);
                if (target.Pair is { } pair)
                {
                    var done = trainer.RunPair(target, tensors, targets, label, sub);
                    context.Progress.Message(string.Create(CultureInfo.InvariantCulture,
                        $"{label} p_net pair {pair.Key}: {done.PairResponses[^1].Step} steps ({done.WallSeconds:F1} s)"));
                    return done;
                }
                var run = trainer.Run(target, tensors, targets, label, (r, i) => DoubleDescentOutput.WritePoint(sub.Metrics, config, r, i, seeded), sub);
                context.Progress.Message(string.Create(CultureInfo.InvariantCulture,
                    $"{label}: {run.Steps} steps ({run.Stop}), train MSE {run.Final.TrainMse:G3}, test MSE {run.Final.TestMse:G3}, p_train {run.Final.PTrain.Value:G4}, p_test {run.Final.PTest.Value:G4} ({run.WallSeconds:F1} s)"));
                return run;
            });
    }

    private readonly SweepSkeleton<WidthRun, DoubleDescentFacts> _sweep = new(WriteOutputs);

    /// <inheritdoc/>
    public void Merge(RunContext context, string facts, IReadOnlyList<string> results) => _sweep.Merge(context, facts, results);

    /// <summary>
    /// Summary, figures and report from every sub-run's result (separate p_net pairs combined into their networks first),
    /// and metrics.csv too for a merge (no <paramref name="liveMetrics"/>) or separate pairs (the live rows had no p_net).
    /// </summary>
    private static void WriteOutputs(RunContext context, DoubleDescentFacts facts, IReadOnlyList<WidthRun> results, MetricsCsvWriter? liveMetrics)
    {
        var s = context.Settings;
        var config = Config(s, s.GetString("optimizer"), s.GetString("smoother"), facts.TrainCount, context.DType);
        var runs = config.SeparatePairs ? CombinePairs(results, config.Sensitivity!) : results;
        if (liveMetrics is null || config.SeparatePairs)
        {
            liveMetrics?.Dispose();
            bool seeded = s.GetSeeds().Count > 1;
            using var csv = context.Folder.OpenMetrics(DoubleDescentOutput.Columns(config));
            foreach (var run in runs)
                for (int i = 0; i < run.Points.Count; i++) DoubleDescentOutput.WritePoint(csv, config, run, i, seeded);
        }
        var output = new DoubleDescentOutput(context, facts, config, runs, config.StabilityIterations > 0
            ? SensitivitySettings.Bound(s, config.Optimizer == "adam"
                ? new TangentStepRule { Kind = TangentOptimizerKind.Adam, Step = 1, LearningRate = config.LearningRate, Beta1 = 0.9 }
                : new TangentStepRule { Kind = TangentOptimizerKind.Sgd, Step = 1, LearningRate = config.LearningRate })
            : null);
        output.WriteSummary();
        output.WriteReport();
    }

    private static DoubleDescentConfig Config(RecipeSettings s, string optimizer, string smootherChoice, int trainSize, ScalarType dtype)
    {
        int batchSize = s.GetInt("batch_size");
        var rule = new ConvergenceRule(s.GetInt("converge_window"), s.GetDouble("converge_rel_improvement"), s.GetDouble("converge_train_mse"), s.GetInt("max_steps"));
        rule.Validate(s.GetInt("log_every"));
        return new DoubleDescentConfig(optimizer, s.GetDouble($"lr.{optimizer}"), rule, s.GetInt("log_every"),
            smootherChoice, s.GetInt("directions"), s.GetDouble("loss_scale"), dtype, s.GetString(RecipeSettings.DeviceKey),
            trainSize, batchSize == 0 ? trainSize : batchSize,
            s.GetString("preconditioner") == "differentiated" ? TangentPreconditioner.Differentiated : TangentPreconditioner.Frozen)
        {
            // The seed is replaced by each sub-run's own (the Hutchinson smoother's seed: p_net's V_d are its first D directions).
            Sensitivity = SensitivitySettings.Options(s, 0),
            SeparatePairs = SensitivitySettings.SeparatePairs(s),
            StabilityIterations = s.GetInt("stability_iterations"),
        };
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

    /// <summary>The sub-runs in index order: noise levels as given, widths increasing, then seed repetitions.</summary>
    private static List<WidthRun> Plan(double[] noises, int[] widths, IReadOnlyList<long> seeds, int features) =>
        noises.SelectMany(n => widths.SelectMany(w => seeds.Select(seed =>
            new WidthRun(n, w, seed, DoubleDescentAnalysis.ParameterCount(features, w))))).ToList();
}
