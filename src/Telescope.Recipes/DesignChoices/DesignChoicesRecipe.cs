using Telescope.Checkpointing;
using Telescope.Data.Tabular;
using Telescope.Recipes.TabularGbt;
using Telescope.Models;
using Telescope.Runs;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Recipes.DesignChoices;

/// <summary>
/// docs/method.md §9 row "design-choices" (paper Sec. 5): what each optimization design choice does to the learned function,
/// read off the telescoping model. On an MNIST subset: the cumulative functional contribution of every update
/// component for SGD, SGD+momentum, +weight decay, Adam and AdamW; weight decay as functional shrinkage −γλL·f
/// (exact for bias-free ReLU nets, measured for others); momentum as exponential blending and its departure from
/// SGD at γ/(1−β); Adam's preconditioned kernel K^T against K. On a tabular data set: K^T's weighting of irregular
/// vs regular inputs, Adam vs SGD.
/// </summary>
/// <remarks>
/// Its sub-runs are the arms (each optimizer, SGD at γ/(1−β), each identity-net run, the two tabular networks) at
/// every seed of <c>seeds</c>: they shard (<c>--shard i/N</c>) and merge (<see cref="Merge"/>), and every network
/// checkpoints at every step. The momentum comparison pairs the momentum and rescaled runs of the same seed.
/// </remarks>
public sealed class DesignChoicesRecipe : ISweepRecipe
{
    private readonly Func<string, TabularDataset>? _loader;

    /// <summary>The recipe on the shared data folder (<c>--data</c> or TELESCOPE_DATA).</summary>
    public DesignChoicesRecipe() { }

    /// <summary>The recipe with tabular data sets supplied by <paramref name="loader"/> (by suite name).</summary>
    public DesignChoicesRecipe(Func<string, TabularDataset> loader) => _loader = loader ?? throw new ArgumentNullException(nameof(loader));

    public string Name => "design-choices";
    public string Description => "What momentum, weight decay and adaptive learning rates do to the function: component contributions, shrinkage identity, momentum blending, preconditioned kernels (paper Sec. 5)";

    /// <summary>Learning rates of the compared optimizers (chosen so each moves the function visibly within the quick run).</summary>
    private static readonly (string Name, double Rate)[] Rates =
    [
        (OptimizerChoice.Sgd, 0.05), (OptimizerChoice.SgdMomentum, 0.005), (OptimizerChoice.SgdMomentumWeightDecay, 0.005),
        (OptimizerChoice.Adam, 5e-4), (OptimizerChoice.AdamW, 5e-4),
    ];

    public RecipeSettings CreateSettings(bool quick)
    {
        var s = new RecipeSettings(quick)
            .AddString("data", "auto", "Images: mnist, synthetic, or auto (mnist when a data folder is given)", choices: ImageSource.Choices)
            .AddInt("train_size", 5000, "Training images (the first ones of the training set)", quick: 2000, min: 1)
            .AddInt("train_probes", 300, "Training images on which f̃ and every component are tracked", quick: 150, min: 1)
            .AddInt("test_probes", 500, "Test images on which f̃ and every component are tracked", quick: 200, min: 1)
            .AddInt("kernel_train", 200, "Train probes used as the columns of the kernel blocks (K^T vs K alignment)", quick: 100, min: 2)
            .AddInt("kernel_test", 100, "Test probes used as the rows of the test×train kernel block", quick: 50, min: 2)
            .AddInt("drift_probes", 100, "Test probes on which the Jacobian drift J·v is measured", quick: 50, min: 3)
            .AddIntList("hidden", [128, 128], "Hidden-layer widths of the MLP", min: 1)
            .AddString("activation", "relu", "Hidden activation of the main network (with biases): relu, sigmoid, tanh, identity, poly:EPS")
            .AddInt("batch_size", 64, "Minibatch size", min: 1)
            .AddInt("steps", 3000, "Training steps of the compared optimizers and the rescaled-SGD run", quick: 600, min: 1)
            .AddInt("log_every", 50, "Measure every this many steps", quick: 20, min: 1)
            .AddInt("kernel_every", 250, "Kernel checkpoint every this many steps (a multiple of log_every)", quick: 100, min: 1)
            .AddInt("kernel_directions", 64, "Random directions R of the projected K^T estimate checked against the exact kernel at the end", min: 2)
            .AddStringList("optimizers", OptimizerChoice.All, "Optimizers to compare", choices: OptimizerChoice.All);
        OptimizerChoice.AddSettings(s);
        foreach (var (name, rate) in Rates)
            s.AddDouble($"lr.{name}", rate, $"Learning rate of {name}", min: 0);
        return s
            .AddDouble("part_threshold", 0.1, "Momentum vs rescaled SGD: the networks have parted once mean |f_mom − f_sgd| exceeds this fraction of mean |f_sgd − f_θ0| (test probes)", min: 0)
            .AddStringList("identity_nets", ["relu-nobias", "tanh-nobias", "tanh-bias"], "Extra network variants for the weight-decay identity (the main network is relu-bias)",
                choices: NetVariant.Choices, allowEmpty: true)
            .AddStringList("identity_optimizers", [OptimizerChoice.SgdMomentumWeightDecay, OptimizerChoice.AdamW], "Optimizers (with scalar weight-decay shrinkage) run on each identity net",
                choices: [OptimizerChoice.SgdMomentumWeightDecay, OptimizerChoice.AdamW], allowEmpty: true)
            .AddInt("identity_steps", 1000, "Training steps of each identity-net run", quick: 200, min: 1)
            .AddString("tabular", "houses", "Tabular data set of the kernel-weighting part, or none", choices: [.. TabularGbtRecipe.DatasetNames, "none"])
            .AddInt("tab_train_size", 1000, "Tabular training rows n", quick: 500, min: 20)
            .AddInt("tab_pool_size", 3000, "Tabular test-pool rows (top 10% by Mahalanobis irregularity = the irregular pool)", quick: 2000, min: 20)
            .AddInt("tab_test_size", 100, "Rows m of each test set T_π", quick: 50, min: 1)
            .AddInt("tab_repetitions", 5, "Repetitions R of the T_π draws", min: 1)
            .AddIntList("tab_hidden", [64, 64], "Hidden widths of the tabular MLP", min: 1)
            .AddDouble("tab_sgd_lr", 0.01, "Tabular SGD learning rate", min: 0)
            .AddDouble("tab_adam_lr", 1e-3, "Tabular Adam learning rate", min: 0)
            .AddInt("tab_batch_size", 64, "Tabular minibatch size", min: 1)
            .AddInt("tab_steps", 4000, "Tabular training steps per optimizer", quick: 1500, min: 1)
            .AddInt("tab_kernel_every", 500, "Tabular kernel checkpoint every this many steps", quick: 300, min: 1)
            .AddDouble(DesignChoicesVerdicts.DecompositionToleranceKey, 1e-9, "Σ_c C_c = f̃ − f_θ0 counts as exact when max |Σ_c C_c − (f̃ − f_θ0)| over every run, probe and log step is at most this (float64; a float32 run needs ≈ 1e-4)", min: 0)
            .AddDouble(DesignChoicesVerdicts.IdentityToleranceKey, 1e-9, "The weight-decay identity J·Δθ^wd = −γλL·f counts as exact for a homogeneous net when its largest per-step relative deviation is at most this (float64)", min: 0)
            .AddDouble(DesignChoicesVerdicts.MisalignmentKey, 0.01, "Adam's K^T differs measurably from K when 1 − alignment(K^T, K) at the end is at least this (and, with seeds, beyond verdict_gap_se_factor standard errors of the seed mean); set after the committed one-seed full run was seen, as a round 1% difference of shape", min: 0, max: 1)
            .AddSeeds(full: [0, 1, 2], quick: [])
            .AddVerdictCriteria()
            .AddComputeSettings(dtype: "float64");
    }

    public void Run(RunContext context)
    {
        var s = context.Settings;
        var dtype = context.DType;
        var device = context.Device;
        int trainSize = s.GetInt("train_size"), trainProbes = s.GetInt("train_probes"), testProbes = s.GetInt("test_probes");
        Require(trainProbes <= trainSize, $"train_probes ({trainProbes}) exceeds train_size ({trainSize}).", "Track at most train_size training images.");
        Require(s.GetInt("kernel_train") <= trainProbes, $"kernel_train ({s.GetInt("kernel_train")}) exceeds train_probes ({trainProbes}).", "Use kernel_train ≤ train_probes.");
        Require(s.GetInt("kernel_test") <= testProbes && s.GetInt("drift_probes") <= testProbes,
            "kernel_test and drift_probes must not exceed test_probes.", "Lower them or raise test_probes.");
        Require(s.GetInt("kernel_every") % s.GetInt("log_every") == 0,
            $"kernel_every ({s.GetInt("kernel_every")}) is not a multiple of log_every ({s.GetInt("log_every")}).", "Kernel checkpoints are reported at log points.");
        Require(s.GetInt("batch_size") <= trainSize, $"batch_size exceeds train_size.", "Use a smaller batch.");
        var optimizers = s.GetStringList("optimizers");
        double beta = s.GetDouble("momentum");
        Require(beta > 0, "momentum must be positive: the momentum analysis needs β > 0.", "Use --set momentum=0.9.");

        var source = ImageSource.Load(context, s.GetString("data"), trainSize, testProbes);
        context.Progress.Message($"Data: {source.Description}");
        string tabular = s.GetString("tabular");
        string? tabularDirectory = null;
        if (tabular != "none" && _loader is null)
        {
            if (context.DataDirectory is null)
            {
                context.Progress.Message($"No data folder given: the tabular kernel part ({tabular}) is skipped. Pass --data DIR or set TELESCOPE_DATA to run it.");
                tabular = "none";
            }
            else tabularDirectory = Path.Combine(context.DataDirectory, "tabular");
        }

        using var scope = torch.NewDisposeScope();
        var trainInputs = source.Train.ToTensor(dtype, device);
        var trainLabels = source.Train.LabelsTensor(device);
        var testInputs = source.Test.ToTensor(dtype, device);
        var testLabels = source.Test.LabelsTensor(device);
        var data = new DecompositionData(trainInputs, trainLabels,
            trainInputs.narrow(0, 0, trainProbes), trainLabels.narrow(0, 0, trainProbes), testInputs, testLabels,
            trainInputs.narrow(0, 0, s.GetInt("kernel_train")), testInputs.narrow(0, 0, s.GetInt("kernel_test")),
            testInputs.narrow(0, 0, s.GetInt("drift_probes")));

        Activation activation;
        try { activation = Activation.Parse(s.GetString("activation")); }
        catch (ArgumentException e) { throw new TelescopeException(e.Message); }
        var main = new NetVariant($"{s.GetString("activation")}-bias", activation, true);
        var model = new MlpOptions
        {
            InputSize = source.Train.FeatureCount, HiddenWidths = s.GetIntList("hidden").ToArray(), OutputSize = source.Train.NumClasses,
            Activation = activation, DType = dtype, Device = s.GetString(RecipeSettings.DeviceKey),
        };
        var settings = new DecompositionSettings(model, s.GetInt("log_every"), s.GetInt("kernel_every"), s.GetInt("kernel_directions"),
            beta, trainSize, s.GetInt("batch_size"));

        TabularGbtData? tabularData = null;
        if (tabular != "none")
        {
            string name = TabularGbtRecipe.DatasetNames.First(d => d.Equals(tabular, StringComparison.OrdinalIgnoreCase));
            var raw = _loader is not null ? _loader(name) : TabularSuite.Load(Enum.GetValues<TabularBenchmark>().First(b => TabularSuite.NameOf(b) == name), tabularDirectory!);
            // The split, the pools and the T_π draws come from 'seed' and are shared by every seed repetition.
            tabularData = TabularGbtData.Prepare(raw, s.GetInt("tab_train_size"), s.GetInt("tab_pool_size"), s.GetInt("tab_test_size"),
                s.GetInt("tab_repetitions"), IrregularityMethod.Mahalanobis, (ulong)context.Seed);
            Require(s.GetInt("tab_batch_size") <= tabularData.Train.Rows, "tab_batch_size exceeds tab_train_size.", "Use a smaller batch.");
            tabular = name;
            context.Progress.Message($"{name}: n = {tabularData.Train.Rows}, {tabularData.Train.Columns} features, {tabularData.Tracked.Rows} tracked test rows");
        }
        var tabSettings = new TabularKernelSettings(s.GetIntList("tab_hidden"), s.GetDouble("tab_sgd_lr"), s.GetDouble("tab_adam_lr"),
            s.GetInt("tab_batch_size"), s.GetInt("tab_steps"), s.GetInt("tab_kernel_every"), dtype, s.GetString(RecipeSettings.DeviceKey));

        var plan = Plan(s, main, tabularData is null ? null : tabSettings);
        var facts = new DesignChoicesFacts(source.Description, source.IsSynthetic, string.Join("-", model.LayerSizes), model.Activation.ToString(),
            model.DType.ToString(), model.OutputSize,
            data.TrainProbeLabels.to_type(ScalarType.Int64).data<long>().ToArray(), data.TestProbeLabels.to_type(ScalarType.Int64).data<long>().ToArray(),
            tabularData is null ? null : TabularFacts.Of(tabular, tabularData));

        var trainer = new DecompositionTrainer(data, settings, s);
        _sweep.Run(context, facts, plan.Count, DesignChoicesOutput.Columns,
            assigned => $"{assigned} of {plan.Count} sub-runs ({plan.Count(p => p.Mnist is not null)} MNIST{(tabularData is null ? "" : $", {plan.Count(p => p.Tabular is not null)} {tabular}")})",
            k => plan[k].Steps, sub =>
            {
                var p = plan[sub.Index];
                return p.Mnist is { } run
                    ? new DesignChoicesSubRun(trainer.Run(run, p.Steps, p.KeepsTestOutputs, sub.Progress, point => DesignChoicesOutput.WritePoint(sub.Metrics, run, point),
                        sub.Checkpoints, sub.SaveHeader, sub.Resume, sub.Cancel), null)
                    : new DesignChoicesSubRun(null, AdaptiveKernelArm.Run(tabularData!, p.Tabular!, tabSettings, sub.Progress,
                        point => DesignChoicesOutput.WritePoint(sub.Metrics, tabular, p.Tabular!, point), sub.Checkpoints, sub.SaveHeader, sub.Resume, sub.Cancel));
            });
    }

    private readonly SweepSkeleton<DesignChoicesSubRun, DesignChoicesFacts> _sweep = new(WriteOutputs);

    /// <inheritdoc/>
    public void Merge(RunContext context, string facts, IReadOnlyList<string> results) => _sweep.Merge(context, facts, results);

    /// <summary>
    /// Everything written from all sub-runs: for a merge (no <paramref name="liveMetrics"/>) the sub-runs' rows of
    /// metrics.csv, then the momentum comparison's rows, the per-input file, summary, figures, report.
    /// </summary>
    private static void WriteOutputs(RunContext context, DesignChoicesFacts facts, IReadOnlyList<DesignChoicesSubRun> results, MetricsCsvWriter? liveMetrics)
    {
        using var merged = liveMetrics is null ? context.Folder.OpenMetrics(DesignChoicesOutput.Columns) : null;
        var csv = liveMetrics ?? merged!;
        if (liveMetrics is null)
            foreach (var r in results)
            {
                if (r.Mnist is { } run) foreach (var p in run.Points) DesignChoicesOutput.WritePoint(csv, run, p);
                if (r.Tabular is { } tab) foreach (var p in tab.Points) DesignChoicesOutput.WritePoint(csv, facts.Tabular!.Name, tab, p);
            }
        var output = new DesignChoicesOutput(context, facts,
            results.Where(r => r.Mnist is not null).Select(r => r.Mnist!).ToList(),
            results.Where(r => r.Tabular is not null).Select(r => r.Tabular!).ToList());
        output.WriteMomentumMetrics(csv);
        output.WritePerInput();
        output.WriteSummary();
        output.WriteReport();
    }

    /// <summary>
    /// The sub-runs, in index order: every arm (the compared optimizers, SGD at γ/(1−β) unless plain SGD already runs
    /// at that rate, the identity nets, then the tabular SGD and Adam networks), each at every seed of <c>seeds</c>.
    /// </summary>
    private static List<PlannedSubRun> Plan(RecipeSettings s, NetVariant main, TabularKernelSettings? tabular)
    {
        var seeds = s.GetSeeds();
        bool seeded = seeds.Count > 1;
        double beta = s.GetDouble("momentum");
        var arms = s.GetStringList("optimizers").Select(o => (Optimizer: o, Rate: s.GetDouble($"lr.{o}"), Net: main, Role: SubRunRole.Main, Steps: s.GetInt("steps"))).ToList();
        bool hasMomentum = arms.Any(a => a.Optimizer == OptimizerChoice.SgdMomentum);
        int rescaledArm = -1;
        if (hasMomentum)
        {
            double rescaled = MomentumComparison.RescaledRate(s.GetDouble($"lr.{OptimizerChoice.SgdMomentum}"), beta);
            rescaledArm = arms.FindIndex(a => a.Optimizer == OptimizerChoice.Sgd && MomentumComparison.SameRate(a.Rate, rescaled));
            if (rescaledArm < 0)
            {
                arms.Add((OptimizerChoice.Sgd, rescaled, main, SubRunRole.Rescaled, s.GetInt("steps")));
                rescaledArm = arms.Count - 1;
            }
        }
        foreach (var net in s.GetStringList("identity_nets").Select(NetVariant.Parse).Where(n => n != main))
            foreach (var o in s.GetStringList("identity_optimizers"))
                arms.Add((o, s.GetDouble($"lr.{o}"), net, SubRunRole.Identity, s.GetInt("identity_steps")));

        var plan = new List<PlannedSubRun>();
        for (int a = 0; a < arms.Count; a++)
            foreach (long seed in seeds)
            {
                var arm = arms[a];
                bool keep = a == rescaledArm || (arm.Role == SubRunRole.Main && arm.Optimizer == OptimizerChoice.SgdMomentum);
                plan.Add(new PlannedSubRun(new DecompositionRun(arm.Optimizer, arm.Rate, arm.Net, arm.Role, seed, seeded), null, arm.Steps, keep));
            }
        if (tabular is not null)
            foreach (var o in new[] { OptimizerChoice.Sgd, OptimizerChoice.Adam })
                foreach (long seed in seeds)
                    plan.Add(new PlannedSubRun(null, new TabularKernelRun(o, o == OptimizerChoice.Adam ? tabular.AdamRate : tabular.SgdRate, seed, seeded),
                        tabular.Steps, false));
        return plan;
    }

    /// <summary>One sub-run of the sweep before it runs: an MNIST network or a tabular network, its steps, and whether it keeps its test outputs.</summary>
    private sealed record PlannedSubRun(DecompositionRun? Mnist, TabularKernelRun? Tabular, int Steps, bool KeepsTestOutputs);

    private static void Require(bool condition, string message, string hint)
    {
        if (!condition) throw new TelescopeException(message) { Hint = hint };
    }
}
