using System.Globalization;
using Telescope.Models;
using Telescope.Runs;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Recipes.Approximation;

/// <summary>
/// docs/method.md §9 row "approximation" (paper Figs. 2, 7, 8): how well the telescoping model f̃ and the model
/// linearized at initialization f_lin follow a network trained with cross-entropy on MNIST, for several
/// optimizers over a learning-rate grid.
/// </summary>
/// <remarks>
/// Its sub-runs (optimizer × learning rate × seed) are independent, so it shards (<c>--shard i/N</c>) and merges
/// (<see cref="Merge"/>); every step of a sub-run can be checkpointed and resumed (see src/Telescope.Recipes/README.md,
/// where this recipe is the worked example).
/// </remarks>
public sealed class ApproximationRecipe : ISweepRecipe
{
    /// <summary>Setting key of the factor by which f_lin's error must exceed f̃'s for the paper's claim.</summary>
    public const string LinearGapFactorKey = "linear_gap_factor";

    public string Name => "approximation";
    public string Description => "Telescoping vs linearized model error of an MLP on MNIST across optimizers and learning rates (paper Figs. 2, 7, 8)";

    public RecipeSettings CreateSettings(bool quick)
    {
        var s = new RecipeSettings(quick)
            .AddString("data", "auto", "Images: mnist, synthetic, files (your own: train_images, …), or auto (files when train_images is set, else mnist when a data folder is given)", choices: ImageSource.Choices)
            .AddOwnImageSettings()
            .AddInt("train_size", 10000, "Training images (the first ones of the training set)", quick: 2000, min: 1)
            .AddInt("test_probes", 1000, "Test images on which f̃ and f_lin are tracked", quick: 300, min: 1)
            .AddInt("train_probes", 500, "Training images on which f̃ and f_lin are also tracked (0 = none)", quick: 100, min: 0)
            .AddIntList("hidden", [128, 128], "Hidden-layer widths of the MLP", min: 1)
            .AddString("activation", "relu", "Hidden activation: relu, sigmoid, tanh, identity, poly:EPS")
            .AddInt("batch_size", 64, "Minibatch size", min: 1)
            .AddInt("steps", 5000, "Training steps per sub-run", quick: 2000, min: 1)
            .AddInt("log_every", 100, "Measure every this many steps", min: 1)
            .AddInt("stride", 1, "Linearize once per this many steps (1 = the telescoping model of docs/method.md §2)", min: 1)
            .AddString("engine", "forward", "JVP engine: forward (layer-wise forward mode) or double_backward (generic)",
                choices: ["forward", "double_backward"])
            .AddString("components", "default", "Track the design-choice decomposition (one extra JVP tangent per update component) " +
                "for: default (each optimizer's default learning rate), all, or none", choices: ["default", "all", "none"])
            .AddStringList("optimizers", OptimizerChoice.All, "Optimizers to compare", choices: OptimizerChoice.All);
        OptimizerChoice.AddSettings(s);
        foreach (var (name, grid, quickGrid, defaultRate) in Grids)
            s.AddDoubleList($"lr.{name}", grid, $"Learning rates of {name}", quick: quickGrid, min: 0)
             .AddDouble($"default_lr.{name}", defaultRate, $"The learning rate of {name} shown in the per-step figures", min: 0);
        return s
            .AddBool("stop_on_divergence", true, "A non-finite loss stops the run (false: record the sub-run as diverged and go on)")
            .AddDouble(LinearGapFactorKey, 10, "The paper's 'orders of magnitude' claim counts as reproduced when |f − f_lin| is at least this many times |f − f̃| (fixed before any run)", min: 1)
        .AddSeeds(full: [0, 1, 2], quick: [])
        .AddVerdictCriteria()
        .AddComputeSettings();
    }

    /// <summary>Learning-rate grids (full, quick) and the default rate of each optimizer.</summary>
    private static readonly (string Name, double[] Grid, double[] Quick, double Default)[] Grids =
    [
        (OptimizerChoice.Sgd, [0.003, 0.01, 0.03, 0.1, 0.2], [0.003, 0.01, 0.05], 0.01),
        (OptimizerChoice.SgdMomentum, [0.0003, 0.001, 0.003, 0.01, 0.02], [0.0003, 0.001, 0.005], 0.001),
        (OptimizerChoice.SgdMomentumWeightDecay, [0.0003, 0.001, 0.003, 0.01, 0.02], [0.0003, 0.001, 0.005], 0.001),
        (OptimizerChoice.Adam, [3e-5, 1e-4, 3e-4, 1e-3, 3e-3], [3e-5, 1e-4, 1e-3], 1e-4),
        (OptimizerChoice.AdamW, [3e-5, 1e-4, 3e-4, 1e-3, 3e-3], [3e-5, 1e-4, 1e-3], 1e-4),
    ];

    public void Run(RunContext context)
    {
        var s = context.Settings;
        var dtype = context.DType;
        var device = context.Device;

        int trainSize = s.GetInt("train_size"), testProbes = s.GetInt("test_probes"), trainProbes = s.GetInt("train_probes");
        if (trainProbes > trainSize)
            throw new TelescopeException($"train_probes ({trainProbes}) exceeds train_size ({trainSize}).")
            { Hint = "Track at most train_size training images." };
        var source = ImageSource.Load(context, s.GetString("data"), trainSize, testProbes);
        context.Progress.Message($"Data: {source.Description}");

        using var scope = torch.NewDisposeScope();
        var trainInputs = source.Train.ToTensor(dtype, device);
        var trainLabels = source.Train.LabelsTensor(device);
        var data = new ApproximationData(trainInputs, trainLabels,
            source.Test.ToTensor(dtype, device), source.Test.LabelsTensor(device),
            trainInputs.narrow(0, 0, trainProbes), trainLabels.narrow(0, 0, trainProbes));

        Activation activation;
        try { activation = Activation.Parse(s.GetString("activation")); }
        catch (ArgumentException e) { throw new TelescopeException(e.Message); }
        var model = new MlpOptions
        {
            InputSize = source.Train.FeatureCount,
            HiddenWidths = s.GetIntList("hidden").ToArray(),
            OutputSize = source.Train.NumClasses,
            Activation = activation,
            DType = dtype,
            Device = s.GetString(RecipeSettings.DeviceKey),
        };

        var runs = Plan(s);
        int steps = s.GetInt("steps");
        var trainer = new ApproximationTrainer(model, steps, s.GetInt("log_every"), s.GetInt("stride"),
            s.GetString("engine"), s.GetString("components"), s.GetBool("stop_on_divergence"), trainSize, s.GetInt("batch_size"));
        var facts = new ApproximationFacts(source.Description, source.IsSynthetic, string.Join("-", model.LayerSizes),
            model.Activation.ToString(), model.DType.ToString());

        _sweep.Run(context, facts, runs.Count, ApproximationOutput.Columns, assigned => $"{assigned} sub-runs × {steps} steps", _ => steps,
            sub => trainer.Run(runs[sub.Index], data, s, sub));
    }

    private readonly SweepSkeleton<SubRun, ApproximationFacts> _sweep = new(WriteOutputs);

    /// <inheritdoc/>
    public void Merge(RunContext context, string facts, IReadOnlyList<string> results) => _sweep.Merge(context, facts, results);

    /// <summary>Summary and report from every sub-run (and, for a merge, metrics.csv's rows, which a run writes as it measures).</summary>
    private static void WriteOutputs(RunContext context, ApproximationFacts facts, IReadOnlyList<SubRun> runs, MetricsCsvWriter? liveMetrics)
    {
        if (liveMetrics is null) new ApproximationOutput(context, facts, runs).WriteMetrics();
        var output = new ApproximationOutput(context, facts, runs);
        output.WriteSummary();
        output.WriteReport();
    }

    /// <summary>The sub-runs of the sweep, in index order: optimizers in the order given, each over its grid, each rate at every seed.</summary>
    private static List<SubRun> Plan(RecipeSettings s)
    {
        var runs = new List<SubRun>();
        var seeds = s.GetSeeds();
        foreach (var optimizer in s.GetStringList("optimizers"))
        {
            double defaultRate = s.GetDouble($"default_lr.{optimizer}");
            var grid = s.GetDoubleList($"lr.{optimizer}");
            if (!grid.Contains(defaultRate))
                throw new TelescopeException(string.Create(CultureInfo.InvariantCulture,
                    $"default_lr.{optimizer} = {defaultRate} is not in lr.{optimizer} = [{string.Join(", ", grid)}]."))
                { Hint = $"Add it to the grid or set default_lr.{optimizer} to one of the grid's values." };
            runs.AddRange(grid.SelectMany(lr => seeds.Select(seed => new SubRun(optimizer, lr, lr == defaultRate, seed, seeds.Count > 1))));
        }
        return runs;
    }
}
