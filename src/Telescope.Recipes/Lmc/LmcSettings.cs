namespace Telescope.Recipes.Lmc;

/// <summary>The settings of the lmc recipe (docs/recipes/lmc.md), one declaration each.</summary>
public sealed record LmcSettings(long Seed, int Width, string Norm, int Groups, IReadOnlyList<string> Arms,
    int TrainOffset, int TrainSize, int PretrainOffset, int PretrainSize, int TestSize, int Probes, int Steps,
    IReadOnlyList<int> SpawnSteps, int PretrainSteps, int BatchSize, double LearningRate, int WarmupSteps,
    IReadOnlyList<double> DecayAt, double Momentum, double WeightDecay, IReadOnlyList<double> Alphas,
    string BatchNormMode, int BatchNormBatches, string GradientMethod, int Directions, int LogEvery,
    double NearZeroDrop, double LargeDrop, IReadOnlyList<long> Seeds, VerdictCriteria Verdicts, ComputeSettings Compute)
{
    public static readonly string[] ArmChoices = ["random", "pretrained"];

    public static SettingsSchema<LmcSettings> Schema { get; } = new SettingsSchema<LmcSettings>()
        .Seed(x => x.Seed)
        .Int(x => x.Width, "width", 8, "ResNet width w (stages w, 2w, 4w; 16 = the standard ResNet-20, 8 = the scale that fits ≈ 2 h here, as in FINDINGS.md's PyTorch miniature)", min: 1)
        .String(x => x.Norm, "norm", "batchnorm", "Normalization layers", choices: ["batchnorm", "groupnorm", "none"])
        .Int(x => x.Groups, "groups", 4, "GroupNorm groups (norm=groupnorm; must divide the width)", min: 1)
        .StringList(x => x.Arms, "arms", ArmChoices, "Arms: random (parent from initialization) and/or pretrained (parent pretrained on the disjoint subset)", choices: ArmChoices)
        .Int(x => x.TrainOffset, "train_offset", 0, "First training image of the main subset (the 10k file is class-interleaved, so contiguous ranges are balanced)", min: 0)
        .Int(x => x.TrainSize, "train_size", 5000, "Training images of the main subset (parent and children)", min: 2)
        .Int(x => x.PretrainOffset, "pretrain_offset", 5000, "First training image of the pretraining subset (must not overlap the main subset)", min: 0)
        .Int(x => x.PretrainSize, "pretrain_size", 5000, "Training images of the pretraining subset", min: 2)
        .Int(x => x.TestSize, "test_size", 5000, "Test images for accuracy and loss along the path (the first ones)", quick: 2000, min: 1)
        .Int(x => x.Probes, "probes", 200, "Probe inputs (the first test images) for the gradient change and the linearization view", quick: 32, min: 1)
        .Int(x => x.Steps, "steps", 1000, "T: steps of every run (children train from t′ to T)", quick: 200, min: 2)
        .IntList(x => x.SpawnSteps, "spawn_steps", [0, 5, 10, 20, 50, 100, 200, 500], "Spawn steps t′ (each in [0, T); dense early, where the transition is)", quick: [0, 10, 30, 80], min: 0)
        .Int(x => x.PretrainSteps, "pretrain_steps", 500, "Steps of pretraining (pretrained arm)", quick: 150, min: 1)
        .Int(x => x.BatchSize, "batch_size", 128, "Minibatch size", min: 2)
        .Double(x => x.LearningRate, "lr", 0.1, "Peak learning rate", min: 0, source: "Frankle et al. 2020 (ResNet-20, CIFAR-10)")
        .Int(x => x.WarmupSteps, "warmup_steps", 30, "Linear warm-up steps (1 = none)", quick: 10, min: 1)
        .DoubleList(x => x.DecayAt, "decay_at", [0.5, 0.75], "Fractions of T after which the rate is multiplied by 0.1", min: 0)
        .Double(x => x.Momentum, "momentum", 0.9, "SGD momentum β", min: 0, max: 0.999)
        .Double(x => x.WeightDecay, "weight_decay", 1e-4, "Coupled (L2) weight decay λ", min: 0, source: "Frankle et al. 2020 (ResNet-20, CIFAR-10)")
        .DoubleList(x => x.Alphas, "alphas", [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1], "α grid of θ(α) = α θ¹ + (1−α) θ² (must contain 0, 0.5 and 1)",
            quick: [0, 0.25, 0.5, 0.75, 1], min: 0, max: 1)
        .String(x => x.BatchNormMode, "bn_mode", "recompute", "BatchNorm statistics of θ(α): recompute (training batches, train mode, no augmentation) or interpolate",
            choices: ["recompute", "interpolate"])
        .Int(x => x.BatchNormBatches, "bn_batches", 20, "Training batches used to recompute BatchNorm statistics", quick: 10, min: 1)
        .String(x => x.GradientMethod, "gradient_method", "exact", "Gradient change: exact (per-probe reverse passes per logit) or hutchinson (group-restricted Rademacher JVPs)",
            choices: ["exact", "hutchinson"])
        .Int(x => x.Directions, "directions", 8, "Hutchinson directions per layer group (gradient_method=hutchinson)", min: 2)
        .Int(x => x.LogEvery, "log_every", 25, "Training curves: one point per this many steps", quick: 10, min: 1)
        .Double(x => x.NearZeroDrop, "near_zero_drop", 0.02, "Verdict threshold: an accuracy drop below this counts as 'near zero'", min: 0)
        .Double(x => x.LargeDrop, "large_drop", 0.05, "Verdict threshold: an accuracy drop at least this large counts as 'large'", min: 0)
        // One repetition by default in both modes: each seed repeats the whole protocol (≈ 15 min quick, ≈ 2.5 h full here, estimated).
        .Seeds(x => x.Seeds)
        .Verdicts(x => x.Verdicts)
        .Compute(x => x.Compute);
}
