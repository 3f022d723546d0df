using System.Globalization;
using Telescope.Recipes.Sensitivity;
using Telescope.Runs;
using Telescope.Smoothing;
using TorchSharp;

namespace Telescope.Recipes.Grokking;

/// <summary>
/// docs/method.md §9 row "grokking-poly" (paper Figs. 4 left, 11; Kumar et al. 2024): a two-layer network
/// f(x) = (α/N) Σ_j φ(w_jᵀx), φ(z) = z + εz²/2, with a fixed readout, trained by full-batch gradient descent on
/// y = (βᵀx)²/2. The exact kernel smoother (docs/method.md §4.2) gives p_train(t) and p_test(t) alongside train and
/// test MSE, for a sweep over ε.
/// </summary>
/// <remarks>
/// Its sub-runs (ε × seed of <c>seeds</c>; the task is shared) are independent, so it shards (<c>--shard i/N</c>) and
/// merges (<see cref="Merge"/>); every step can be checkpointed and resumed (smoother, tracker and members included).
/// </remarks>
public sealed class GrokkingPolyRecipe : ISweepRecipe
{
    /// <summary>
    /// Why the full mode defaults to one seed, as the report states it: measured with the full settings for 300 steps of
    /// one ε (86 s, 0.29 s per step, on the shared 2-core machine at a 1-min load of 22, code of this commit's parent);
    /// even if an idle machine were 4× faster (an assumption, not measured), 3 ε × 60000 steps take ≈ 3.5 h per seed, three seeds ≈ 10 h.
    /// </summary>
    public const string FullRunCost = "the full sweep (3 ε × 60000 steps, float64, 1000 test probes) costs hours per seed: 0.29 s per step was measured (300 steps of one ε on the shared machine at a 1-min load of 22), i.e. ≈ 14 h per seed at that rate, and an estimate (not a measurement) for a machine 4× faster is still ≈ 3.5 h per seed, ≈ 10 h for three; repeat with --set seeds=0,1,2";

    public string Name => "grokking-poly";
    public string Description => "Grokking on polynomial regression: train/test MSE and effective parameters under full-batch GD, ε sweep (paper Figs. 4, 11)";

    public RecipeSettings CreateSettings(bool quick) => new RecipeSettings(quick)
        .AddDoubleList("epsilons", [0.02, 0.05, 0.1], "ε values of φ(z) = z + εz²/2 to sweep", quick: [0.02, 0.1], min: 0)
        .AddDouble("alpha", 1.0, "α, the output scale: f(x) = (α/N) Σ φ(w_jᵀx)", min: 1e-12)
        .AddInt("width", 500, "N, hidden units", min: 1)
        .AddInt("input_dim", 100, "d, input dimension (x ~ N(0, I_d/d))", min: 1)
        .AddInt("train_size", 550, "Training examples", min: 1)
        .AddInt("test_size", 1000, "Test examples (test MSE is measured on all of them)", min: 1)
        .AddInt("test_probes", 1000, "Test examples tracked by the smoother for p_test (the first ones)", quick: 250, min: 1)
        .AddDouble("lr_factor", 1.0, "Learning rate in units of N/α² (docs/method.md: 1)", quick: 32.0, min: 1e-12)
        .AddDouble("loss_scale", 1.0, "c in the loss (c/2)·mean (f − y)² (docs/method.md §1)", min: 1e-12)
        .AddInt("steps", 60000, "Full-batch gradient steps per ε", quick: 1500, min: 1)
        .AddInt("log_per_decade", 20, "Logged steps per decade of the geometric grid", min: 1)
        .AddInt("log_every", 500, "Also log every this many steps", quick: 50, min: 1)
        .AddString("smoother", "kernel", "The docs/method.md §4.2 kernel smoother (p_train, p_test; exact for full-batch GD): kernel, or none (p_net by retraining only)", choices: ["kernel", "none"])
        .AddSensitivitySettings(quickMode: SensitivitySettings.Retraining)
        .AddDouble("p_train_limit", 1.25, "The smoother's p counts as blown up once p_train exceeds this × n", min: 1)
        .AddGrokkingVerdicts()
        // One seed by default in both modes: the full sweep is already hours per seed (FullRunCost), so repetitions are opt-in.
        .AddSeeds()
        // float64 by default (the accumulated smoother spans tens of thousands of steps); quick mode uses
        // float32, which halves the per-step cost on this machine.
        .AddString(RecipeSettings.DTypeKey, "float64", "Floating-point type of model, data and smoother", quick: "float32", choices: ["float32", "float64"])
        .AddString(RecipeSettings.DeviceKey, "cpu", "Torch device: cpu, cuda, cuda:1, …")
        .AddInt(RecipeSettings.ThreadsKey, 0, "TorchSharp intra-op threads (0 = library default)", min: 0);

    public void Run(RunContext context)
    {
        var s = context.Settings;
        int testSize = s.GetInt("test_size"), probes = s.GetInt("test_probes");
        if (probes > testSize)
            throw new TelescopeException($"test_probes ({probes}) exceeds test_size ({testSize}).") { Hint = "Track at most test_size test examples." };
        var epsilons = s.GetDoubleList("epsilons");
        if (epsilons.Count == 0 || epsilons.Distinct().Count() != epsilons.Count)
            throw new TelescopeException("epsilons must list at least one value, each once.") { Hint = "E.g. --set epsilons=0.02,0.1" };

        using var scope = torch.NewDisposeScope();
        // The task (β, inputs, labels) is the data: drawn from 'seed' and shared by every repetition.
        var task = PolynomialTask.Create(s.GetInt("input_dim"), s.GetInt("train_size"), testSize, (ulong)context.Seed, context.DType, context.Device);
        var config = Config(context);
        context.Progress.Message(string.Create(CultureInfo.InvariantCulture,
            $"Learning rate γ = {config.LearningRate:G6} ({s.GetDouble("lr_factor")}·N/α²), c = {config.LossScale}"));

        var seeds = s.GetSeeds();
        var plan = epsilons.SelectMany(e => seeds.Select(seed => new GrokkingPolyRun
        {
            Epsilon = e, Seed = seed, Configuration = GrokkingPolyRun.ConfigurationOf(e), Label = GrokkingRun.RunName(GrokkingPolyRun.ConfigurationOf(e), seed, seeds.Count),
        })).ToList();
        var separatePairs = SeparatePairs(config);
        var units = GrokkingSubRuns.Units(plan, separatePairs);
        _sweep.Run(context, new SharedFacts(), units.Count, GrokkingPolyOutput.Columns,
            assigned => GrokkingSubRuns.Describe(assigned, "ε × seed", separatePairs, config.Steps), _ => config.Steps,
            sub => new GrokkingPolyTrainer(config.ForSeed(units[sub.Index].Seed), task).Run(units[sub.Index], sub));
    }

    /// <summary>The sweep-wide facts: none (the task is drawn from the settings' seed).</summary>
    private sealed record SharedFacts;

    private readonly SweepSkeleton<GrokkingPolyRun, SharedFacts> _sweep = new((context, _, results, liveMetrics) =>
        GrokkingSubRuns.WriteOutputs(context, results, liveMetrics, GrokkingPolyOutput.Columns, GrokkingPolyOutput.WriteRows,
            SeparatePairs(Config(context)), runs => WriteOutputs(context, runs)));

    /// <inheritdoc/>
    public void Merge(RunContext context, string facts, IReadOnlyList<string> results) => _sweep.Merge(context, facts, results);

    private static RetrainingSensitivityOptions? SeparatePairs(GrokkingPolyConfig config) => config.SeparatePairs ? config.Sensitivity : null;

    private static void WriteOutputs(RunContext context, IReadOnlyList<GrokkingPolyRun> runs)
    {
        var config = Config(context);
        new GrokkingPolyOutput(context, config, runs,
            config.StabilityIterations > 0 ? SensitivitySettings.Bound(context.Settings, new Smoothing.TangentStepRule { Kind = Smoothing.TangentOptimizerKind.Sgd, Step = 1, LearningRate = config.LearningRate }) : null).Write();
    }

    /// <summary>The settings every sub-run shares (the run's own seed; <see cref="GrokkingPolyConfig.ForSeed"/> gives a repetition's).</summary>
    private static GrokkingPolyConfig Config(RunContext context)
    {
        var s = context.Settings;
        var config = new GrokkingPolyConfig(
            Width: s.GetInt("width"), Alpha: s.GetDouble("alpha"), LearningRate: s.GetDouble("lr_factor") * s.GetInt("width") / Math.Pow(s.GetDouble("alpha"), 2),
            LossScale: s.GetDouble("loss_scale"), Steps: s.GetInt("steps"), TestProbes: s.GetInt("test_probes"),
            LogSteps: LogSchedule.Steps(s.GetInt("steps"), s.GetInt("log_per_decade"), s.GetInt("log_every")),
            ModelSeed: (int)((context.Seed + 1) & int.MaxValue), DType: context.DType, Device: s.GetString(RecipeSettings.DeviceKey))
        {
            UseSmoother = s.GetString("smoother") == "kernel",
            Sensitivity = SensitivitySettings.Options(s, (int)((context.Seed + 2) & int.MaxValue)),
            SeparatePairs = SensitivitySettings.SeparatePairs(s),
            StabilityIterations = s.GetInt("stability_iterations"),
        };
        if (!config.UseSmoother && config.Sensitivity is null)
            throw new TelescopeException("smoother=none with sensitivity=none measures no effective parameters.") { Hint = "Use --set sensitivity=retraining, or smoother=kernel." };
        return config;
    }
}
