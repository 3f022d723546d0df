namespace Telescope.Recipes.Approximation;

/// <summary>The settings of the approximation recipe (docs/recipes/approximation.md), one declaration each.</summary>
public sealed record ApproximationSettings(long Seed, string Data, OwnImageSettings OwnImages, int TrainSize,
    int TestProbes, int TrainProbes, IReadOnlyList<int> Hidden, string Activation, int BatchSize, int Steps,
    int LogEvery, int Stride, string Engine, string Components, IReadOnlyList<string> Optimizers,
    OptimizerSettings Optimizer, IReadOnlyDictionary<string, IReadOnlyList<double>> LearningRates,
    IReadOnlyDictionary<string, double> DefaultLearningRates, bool StopOnDivergence, double LinearGapFactor, double SingleSeedMargin,
    IReadOnlyList<long> Seeds, VerdictCriteria Verdicts, ComputeSettings Compute)
{
    /// <summary>Name of the setting the paper's "orders of magnitude" verdict is judged by (the report cites it).</summary>
    public const string LinearGapFactorName = "linear_gap_factor";
    /// <summary>Name of the setting a one-seed ratio verdict must clear (docs/recipes/approximation.md, "Verdict rules").</summary>
    public const string SingleSeedMarginName = "single_seed_ratio_margin";

    /// <summary>Learning-rate grids (full, quick) and the default rate of each optimizer.</summary>
    private static readonly Dictionary<string, (double[] Grid, double[] Quick, double Default)> Grids = new()
    {
        [OptimizerChoice.Sgd] = ([0.003, 0.01, 0.03, 0.1, 0.2], [0.003, 0.01, 0.05], 0.01),
        [OptimizerChoice.SgdMomentum] = ([0.0003, 0.001, 0.003, 0.01, 0.02], [0.0003, 0.001, 0.005], 0.001),
        [OptimizerChoice.SgdMomentumWeightDecay] = ([0.0003, 0.001, 0.003, 0.01, 0.02], [0.0003, 0.001, 0.005], 0.001),
        [OptimizerChoice.Adam] = ([3e-5, 1e-4, 3e-4, 1e-3, 3e-3], [3e-5, 1e-4, 1e-3], 1e-4),
        [OptimizerChoice.AdamW] = ([3e-5, 1e-4, 3e-4, 1e-3, 3e-3], [3e-5, 1e-4, 1e-3], 1e-4),
    };

    public static SettingsSchema<ApproximationSettings> Schema { get; } = new SettingsSchema<ApproximationSettings>()
        .Seed(x => x.Seed)
        .String(x => x.Data, "data", "auto", "Images: mnist, synthetic, files (your own: train_images, …), or auto (files when train_images is set, else mnist when a data folder is given)", choices: ImageSource.Choices)
        .Group(x => x.OwnImages, OwnImageSettings.Schema)
        .Int(x => x.TrainSize, "train_size", 10000, "Training images (the first ones of the training set)", quick: 2000, min: 1)
        .Int(x => x.TestProbes, "test_probes", 1000, "Test images on which f̃ and f_lin are tracked", quick: 300, min: 1)
        .Int(x => x.TrainProbes, "train_probes", 500, "Training images on which f̃ and f_lin are also tracked (0 = none)", quick: 100, min: 0)
        .IntList(x => x.Hidden, "hidden", [128, 128], "Hidden-layer widths of the MLP", min: 1, source: "paper §4.1 (MLP on MNIST)")
        .String(x => x.Activation, "activation", "relu", "Hidden activation: relu, sigmoid, tanh, identity, poly:EPS")
        .Int(x => x.BatchSize, "batch_size", 64, "Minibatch size", min: 1)
        .Int(x => x.Steps, "steps", 5000, "Training steps per sub-run", quick: 2000, min: 1)
        .Int(x => x.LogEvery, "log_every", 100, "Measure every this many steps", min: 1)
        .Int(x => x.Stride, "stride", 1, "Linearize once per this many steps (1 = the telescoping model of docs/method.md §2)", min: 1)
        .String(x => x.Engine, "engine", "forward", "JVP engine: forward (layer-wise forward mode) or double_backward (generic)",
            choices: ["forward", "double_backward"])
        .String(x => x.Components, "components", "default", "Track the design-choice decomposition (one extra JVP tangent per update component) " +
            "for: default (each optimizer's default learning rate), all, or none", choices: ["default", "all", "none"])
        .StringList(x => x.Optimizers, "optimizers", OptimizerChoice.All, "Optimizers to compare", choices: OptimizerChoice.All)
        .Group(x => x.Optimizer, OptimizerSettings.Schema)
        .Each(x => x.LearningRates, OptimizerChoice.All,
            (s, name) => s.AddDoubleList($"lr.{name}", Grids[name].Grid, $"Learning rates of {name}", quick: Grids[name].Quick, min: 0)
                          .AddDouble($"default_lr.{name}", Grids[name].Default, $"The learning rate of {name} shown in the per-step figures", min: 0),
            (s, name) => s.GetDoubleList($"lr.{name}"))
        .Each(x => x.DefaultLearningRates, OptimizerChoice.All, (_, _) => { }, (s, name) => s.GetDouble($"default_lr.{name}"))
        .Bool(x => x.StopOnDivergence, "stop_on_divergence", true, "A non-finite loss stops the run (false: record the sub-run as diverged and go on)")
        .Double(x => x.LinearGapFactor, LinearGapFactorName, 10, "The paper's 'orders of magnitude' claim counts as reproduced when |f − f_lin| is at least this many times |f − f̃| (fixed before any run)", min: 1)
        // One seed measures no seed-to-seed noise, so a ratio verdict then needs a stated margin beyond its threshold
        // (ApproximationFindings). 2 (0.3 in log10) is a convention fixed before any run, not a calibrated noise level;
        // with seeds the seed spread decides instead.
        .Double(x => x.SingleSeedMargin, SingleSeedMarginName, 2, "With one finished seed (no seed-to-seed noise measured) a ratio verdict — f_lin's error / f̃'s against its threshold, or the accuracy gaps — agrees only when the ratio exceeds the threshold by this factor, disagrees only when it falls below the threshold by this factor, and is inconclusive in between", quick: 2, min: 1, max: 1000)
        .Seeds(x => x.Seeds, full: [0, 1, 2], quick: [])
        .Verdicts(x => x.Verdicts)
        .Compute(x => x.Compute);
}
