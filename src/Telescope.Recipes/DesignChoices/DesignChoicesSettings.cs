using Telescope.Recipes.TabularGbt;

namespace Telescope.Recipes.DesignChoices;

/// <summary>The settings of the design-choices recipe (docs/recipes/design-choices.md), one declaration each.</summary>
/// <param name="LearningRates">The learning rate of each optimizer (<c>lr.NAME</c>).</param>
/// <param name="Tabular">The tabular kernel part (<c>tabular</c> and the <c>tab_*</c> settings).</param>
public sealed record DesignChoicesSettings(long Seed, string Data, int TrainSize, int TrainProbes, int TestProbes,
    int KernelTrain, int KernelTest, int DriftProbes, IReadOnlyList<int> Hidden, string Activation, int BatchSize,
    int Steps, int LogEvery, int KernelEvery, int KernelDirections, IReadOnlyList<string> Optimizers,
    OptimizerSettings Optimizer, IReadOnlyDictionary<string, double> LearningRates, double PartThreshold,
    IReadOnlyList<string> IdentityNets, IReadOnlyList<string> IdentityOptimizers, int IdentitySteps,
    TabularKernelSettings Tabular, double DecompositionTolerance, double IdentityTolerance,
    double KernelMinMisalignment, IReadOnlyList<long> Seeds, VerdictCriteria Verdicts, ComputeSettings Compute)
{
    /// <summary>Name of the largest |Σ_c C_c − (f̃ − f_θ0)| that counts as an exact decomposition (the report cites it).</summary>
    public const string DecompositionToleranceName = "decomposition_tolerance";
    /// <summary>Name of the largest per-step relative deviation from −γλL·f that counts as the exact weight-decay identity.</summary>
    public const string IdentityToleranceName = "identity_tolerance";
    /// <summary>Name of the smallest 1 − alignment(K^T, K) that counts as a measurable difference of the kernels.</summary>
    public const string MisalignmentName = "kernel_min_misalignment";

    /// <summary>Learning rates of the compared optimizers (chosen so each moves the function visibly within the quick run).</summary>
    private static readonly Dictionary<string, double> Rates = new()
    {
        [OptimizerChoice.Sgd] = 0.05, [OptimizerChoice.SgdMomentum] = 0.005, [OptimizerChoice.SgdMomentumWeightDecay] = 0.005,
        [OptimizerChoice.Adam] = 5e-4, [OptimizerChoice.AdamW] = 5e-4,
    };

    public static SettingsSchema<DesignChoicesSettings> Schema { get; } = new SettingsSchema<DesignChoicesSettings>()
        .Seed(x => x.Seed)
        .String(x => x.Data, "data", "auto", "Images: mnist, synthetic, or auto (mnist when a data folder is given)", choices: ImageSource.Choices)
        .Int(x => x.TrainSize, "train_size", 5000, "Training images (the first ones of the training set)", quick: 2000, min: 1)
        .Int(x => x.TrainProbes, "train_probes", 300, "Training images on which f̃ and every component are tracked", quick: 150, min: 1)
        .Int(x => x.TestProbes, "test_probes", 500, "Test images on which f̃ and every component are tracked", quick: 200, min: 1)
        .Int(x => x.KernelTrain, "kernel_train", 200, "Train probes used as the columns of the kernel blocks (K^T vs K alignment)", quick: 100, min: 2)
        .Int(x => x.KernelTest, "kernel_test", 100, "Test probes used as the rows of the test×train kernel block", quick: 50, min: 2)
        .Int(x => x.DriftProbes, "drift_probes", 100, "Test probes on which the Jacobian drift J·v is measured", quick: 50, min: 3)
        .IntList(x => x.Hidden, "hidden", [128, 128], "Hidden-layer widths of the MLP", min: 1)
        .String(x => x.Activation, "activation", "relu", "Hidden activation of the main network (with biases): relu, sigmoid, tanh, identity, poly:EPS")
        .Int(x => x.BatchSize, "batch_size", 64, "Minibatch size", min: 1)
        .Int(x => x.Steps, "steps", 3000, "Training steps of the compared optimizers and the rescaled-SGD run", quick: 600, min: 1)
        .Int(x => x.LogEvery, "log_every", 50, "Measure every this many steps", quick: 20, min: 1)
        .Int(x => x.KernelEvery, "kernel_every", 250, "Kernel checkpoint every this many steps (a multiple of log_every)", quick: 100, min: 1)
        .Int(x => x.KernelDirections, "kernel_directions", 64, "Random directions R of the projected K^T estimate checked against the exact kernel at the end", min: 2)
        .StringList(x => x.Optimizers, "optimizers", OptimizerChoice.All, "Optimizers to compare", choices: OptimizerChoice.All)
        .Group(x => x.Optimizer, OptimizerSettings.Schema)
        .Each(x => x.LearningRates, OptimizerChoice.All,
            (s, name) => s.AddDouble($"lr.{name}", Rates[name], $"Learning rate of {name}", min: 0), (s, name) => s.GetDouble($"lr.{name}"))
        .Double(x => x.PartThreshold, "part_threshold", 0.1, "Momentum vs rescaled SGD: the networks have parted once mean |f_mom − f_sgd| exceeds this fraction of mean |f_sgd − f_θ0| (test probes)", min: 0)
        .StringList(x => x.IdentityNets, "identity_nets", ["relu-nobias", "tanh-nobias", "tanh-bias"], "Extra network variants for the weight-decay identity (the main network is relu-bias)",
            choices: NetVariant.Choices, allowEmpty: true)
        .StringList(x => x.IdentityOptimizers, "identity_optimizers", [OptimizerChoice.SgdMomentumWeightDecay, OptimizerChoice.AdamW], "Optimizers (with scalar weight-decay shrinkage) run on each identity net",
            choices: [OptimizerChoice.SgdMomentumWeightDecay, OptimizerChoice.AdamW], allowEmpty: true)
        .Int(x => x.IdentitySteps, "identity_steps", 1000, "Training steps of each identity-net run", quick: 200, min: 1)
        .Group(x => x.Tabular, TabularKernelSettings.Schema)
        .Double(x => x.DecompositionTolerance, DecompositionToleranceName, 1e-9, "Σ_c C_c = f̃ − f_θ0 counts as exact when max |Σ_c C_c − (f̃ − f_θ0)| over every run, probe and log step is at most this (float64; a float32 run needs ≈ 1e-4)", min: 0)
        .Double(x => x.IdentityTolerance, IdentityToleranceName, 1e-9, "The weight-decay identity J·Δθ^wd = −γλL·f counts as exact for a homogeneous net when its largest per-step relative deviation is at most this (float64)", min: 0)
        .Double(x => x.KernelMinMisalignment, MisalignmentName, 0.01, "Adam's K^T differs measurably from K when 1 − alignment(K^T, K) at the end is at least this (and, with seeds, beyond verdict_gap_se_factor standard errors of the seed mean); set after the committed one-seed full run was seen, as a round 1% difference of shape", min: 0, max: 1)
        .Seeds(x => x.Seeds, full: [0, 1, 2], quick: [])
        .Verdicts(x => x.Verdicts)
        .Compute(x => x.Compute, dtype: "float64");
}

/// <summary>
/// The tabular kernel part of design-choices: its data set (<c>tabular</c>) and the <c>tab_*</c> settings of its split
/// (as tabular-gbt prepares it, <see cref="TabularGbtData.Prepare"/>) and of its SGD and Adam networks.
/// </summary>
/// <param name="Dataset">A suite data set, or "none".</param>
public sealed record TabularKernelSettings(string Dataset, int TrainSize, int PoolSize, int TestSize,
    int Repetitions, IReadOnlyList<int> Hidden, double SgdRate, double AdamRate, int BatchSize, int Steps,
    int KernelEvery)
{
    public static SettingsSchema<TabularKernelSettings> Schema { get; } = new SettingsSchema<TabularKernelSettings>()
        .String(x => x.Dataset, "tabular", "houses", "Tabular data set of the kernel-weighting part, or none", choices: [.. TabularGbtRecipe.DatasetNames, "none"])
        .Int(x => x.TrainSize, "tab_train_size", 1000, "Tabular training rows n", quick: 500, min: 20)
        .Int(x => x.PoolSize, "tab_pool_size", 3000, "Tabular test-pool rows (top 10% by Mahalanobis irregularity = the irregular pool)", quick: 2000, min: 20)
        .Int(x => x.TestSize, "tab_test_size", 100, "Rows m of each test set T_π", quick: 50, min: 1)
        .Int(x => x.Repetitions, "tab_repetitions", 5, "Repetitions R of the T_π draws", min: 1)
        .IntList(x => x.Hidden, "tab_hidden", [64, 64], "Hidden widths of the tabular MLP", min: 1)
        .Double(x => x.SgdRate, "tab_sgd_lr", 0.01, "Tabular SGD learning rate", min: 0)
        .Double(x => x.AdamRate, "tab_adam_lr", 1e-3, "Tabular Adam learning rate", min: 0)
        .Int(x => x.BatchSize, "tab_batch_size", 64, "Tabular minibatch size", min: 1)
        .Int(x => x.Steps, "tab_steps", 4000, "Tabular training steps per optimizer", quick: 1500, min: 1)
        .Int(x => x.KernelEvery, "tab_kernel_every", 500, "Tabular kernel checkpoint every this many steps", quick: 300, min: 1);
}
