using System.Globalization;
using Telescope.Data.Tabular;
using Telescope.Experiments.TabularGbt;
using Telescope.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Experiments.DesignChoices;

/// <summary>
/// SPEC §6 row "design-choices" (paper Sec. 5): what each optimization design choice does to the learned function,
/// read off the telescoping model. On an MNIST subset: the cumulative functional contribution of every update
/// component for SGD, SGD+momentum, +weight decay, Adam and AdamW; weight decay as functional shrinkage −γλL·f
/// (exact for bias-free ReLU nets, measured for others); momentum as exponential blending and its departure from
/// SGD at γ/(1−β); Adam's preconditioned kernel K^T against K. On a tabular data set: K^T's weighting of irregular
/// vs regular inputs, Adam vs SGD.
/// </summary>
public sealed class DesignChoicesRecipe : IRecipe
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
            .AddComputeSettings(dtype: "float64");
    }

    public void Run(RunContext context)
    {
        var s = context.Settings;
        var dtype = context.DType;
        var device = context.Device;
        int seed = (int)(context.Seed & int.MaxValue);
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
        var settings = new DecompositionSettings(model, seed, s.GetInt("log_every"), s.GetInt("kernel_every"), s.GetInt("kernel_directions"),
            beta, new BatchSchedule(trainSize, s.GetInt("batch_size"), (ulong)context.Seed));

        // The sub-runs: the compared optimizers, SGD at γ/(1−β) unless plain SGD already runs at that rate, identity nets.
        int steps = s.GetInt("steps"), identitySteps = s.GetInt("identity_steps");
        var runs = optimizers.Select(o => (Run: new DecompositionRun(o, s.GetDouble($"lr.{o}"), main, SubRunRole.Main), Steps: steps)).ToList();
        DecompositionRun? momentumRun = runs.Select(r => r.Run).FirstOrDefault(r => r.Optimizer == OptimizerChoice.SgdMomentum);
        DecompositionRun? rescaledRun = null;
        if (momentumRun is not null)
        {
            double rescaled = momentumRun.LearningRate / (1 - beta);
            rescaledRun = runs.Select(r => r.Run).FirstOrDefault(r => r.Optimizer == OptimizerChoice.Sgd && Math.Abs(r.LearningRate - rescaled) <= 1e-12 * rescaled);
            if (rescaledRun is null)
            {
                rescaledRun = new DecompositionRun(OptimizerChoice.Sgd, rescaled, main, SubRunRole.Rescaled);
                runs.Add((rescaledRun, steps));
            }
        }
        foreach (var net in s.GetStringList("identity_nets").Select(NetVariant.Parse).Where(n => n != main))
            foreach (var o in s.GetStringList("identity_optimizers"))
                runs.Add((new DecompositionRun(o, s.GetDouble($"lr.{o}"), net, SubRunRole.Identity), identitySteps));

        TabularGbtData? tabularData = null;
        if (tabular != "none")
        {
            string name = TabularGbtRecipe.DatasetNames.First(d => d.Equals(tabular, StringComparison.OrdinalIgnoreCase));
            var raw = _loader is not null ? _loader(name) : TabularSuite.Load(Enum.GetValues<TabularBenchmark>().First(b => TabularSuite.NameOf(b) == name), tabularDirectory!);
            tabularData = TabularGbtData.Prepare(raw, s.GetInt("tab_train_size"), s.GetInt("tab_pool_size"), s.GetInt("tab_test_size"),
                s.GetInt("tab_repetitions"), IrregularityMethod.Mahalanobis, (ulong)context.Seed);
            Require(s.GetInt("tab_batch_size") <= tabularData.Train.Rows, "tab_batch_size exceeds tab_train_size.", "Use a smaller batch.");
            context.Progress.Message($"{name}: n = {tabularData.Train.Rows}, {tabularData.Train.Columns} features, {tabularData.Tracked.Rows} tracked test rows");
        }
        var tabSettings = new TabularKernelSettings(s.GetIntList("tab_hidden"), s.GetDouble("tab_sgd_lr"), s.GetDouble("tab_adam_lr"),
            s.GetInt("tab_batch_size"), s.GetInt("tab_steps"), s.GetInt("tab_kernel_every"), dtype, s.GetString(RecipeSettings.DeviceKey));

        var trainer = new DecompositionTrainer(data, settings, s);
        var tabularRuns = new List<TabularKernelRun>();
        double total = runs.Sum(r => (double)r.Steps) + (tabularData is null ? 0 : 2.0 * tabSettings.Steps);
        using (var progress = context.Progress.Start($"{runs.Count} MNIST sub-runs{(tabularData is null ? "" : $" + 2 {tabular} runs")}", total))
        {
            foreach (var (run, n) in runs) trainer.Run(run, n, progress, context.CancellationToken);
            if (tabularData is not null)
                foreach (var o in new[] { OptimizerChoice.Sgd, OptimizerChoice.Adam })
                    tabularRuns.Add(AdaptiveKernelArm.Run(tabularData, o, tabSettings, seed, progress, context.CancellationToken));
        }

        var comparison = momentumRun is not null && rescaledRun is not null
            ? new MomentumComparison(momentumRun, rescaledRun, source.Train.NumClasses, s.GetDouble("part_threshold"))
            : null;
        var labels = new Dictionary<string, long[]>
        {
            ["train"] = data.TrainProbeLabels.to_type(ScalarType.Int64).data<long>().ToArray(),
            ["test"] = data.TestProbeLabels.to_type(ScalarType.Int64).data<long>().ToArray(),
        };
        var output = new DesignChoicesOutput(context, source, model, runs.Select(r => r.Run).ToList(), comparison,
            tabularData is null ? null : (tabular, tabularData, tabularRuns), labels);
        output.WriteMetrics();
        output.WritePerInput();
        output.WriteSummary();
        output.WriteReport();
    }

    private static void Require(bool condition, string message, string hint)
    {
        if (!condition) throw new TelescopeException(message) { Hint = hint };
    }
}
