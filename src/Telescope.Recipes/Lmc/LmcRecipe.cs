using System.Diagnostics;
using Telescope.Connectivity;
using Telescope.Data;
using Telescope.Models;
using Telescope.Runs;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Recipes.Lmc;

/// <summary>
/// docs/method.md §9 row "lmc" (paper Fig. 6; Frankle et al. 2020): linear mode connectivity of ResNet-20 on CIFAR-10 through
/// gradient stabilization. From one parent per arm (random initialization, or pretrained on a disjoint subset with
/// its classifier re-initialized), two children are spawned at every t′ and trained to T with their own data order
/// and augmentation; their linear path gives the accuracy drop and barrier, the Jacobians at t′ and T the gradient
/// change by layer group, and the linearization at t′ the telescoping view of the spawn.
/// </summary>
public sealed class LmcRecipe : ISweepRecipe
{
    public string Name => "lmc";
    public string Description => "Linear mode connectivity of ResNet-20 on CIFAR-10: accuracy drop/barrier and gradient change by layer vs spawn step, random init vs pretrained (paper Fig. 6)";

    /// <summary>The arms of the protocol.</summary>
    public static readonly string[] ArmChoices = ["random", "pretrained"];

    public RecipeSettings CreateSettings(bool quick) => new RecipeSettings(quick)
        .AddInt("width", 8, "ResNet width w (stages w, 2w, 4w; 16 = the standard ResNet-20, 8 = the scale that fits ≈ 2 h here, as in FINDINGS.md's PyTorch miniature)", min: 1)
        .AddString("norm", "batchnorm", "Normalization layers", choices: ["batchnorm", "groupnorm", "none"])
        .AddInt("groups", 4, "GroupNorm groups (norm=groupnorm; must divide the width)", min: 1)
        .AddStringList("arms", ArmChoices, "Arms: random (parent from initialization) and/or pretrained (parent pretrained on the disjoint subset)", choices: ArmChoices)
        .AddInt("train_offset", 0, "First training image of the main subset (the 10k file is class-interleaved, so contiguous ranges are balanced)", min: 0)
        .AddInt("train_size", 5000, "Training images of the main subset (parent and children)", min: 2)
        .AddInt("pretrain_offset", 5000, "First training image of the pretraining subset (must not overlap the main subset)", min: 0)
        .AddInt("pretrain_size", 5000, "Training images of the pretraining subset", min: 2)
        .AddInt("test_size", 5000, "Test images for accuracy and loss along the path (the first ones)", quick: 2000, min: 1)
        .AddInt("probes", 200, "Probe inputs (the first test images) for the gradient change and the linearization view", quick: 32, min: 1)
        .AddInt("steps", 1000, "T: steps of every run (children train from t′ to T)", quick: 200, min: 2)
        .AddIntList("spawn_steps", [0, 5, 10, 20, 50, 100, 200, 500], "Spawn steps t′ (each in [0, T); dense early, where the transition is)", quick: [0, 10, 30, 80], min: 0)
        .AddInt("pretrain_steps", 500, "Steps of pretraining (pretrained arm)", quick: 150, min: 1)
        .AddInt("batch_size", 128, "Minibatch size", min: 2)
        .AddDouble("lr", 0.1, "Peak learning rate", min: 0)
        .AddInt("warmup_steps", 30, "Linear warm-up steps (1 = none)", quick: 10, min: 1)
        .AddDoubleList("decay_at", [0.5, 0.75], "Fractions of T after which the rate is multiplied by 0.1", min: 0)
        .AddDouble("momentum", 0.9, "SGD momentum β", min: 0, max: 0.999)
        .AddDouble("weight_decay", 1e-4, "Coupled (L2) weight decay λ", min: 0)
        .AddDoubleList("alphas", [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1], "α grid of θ(α) = α θ¹ + (1−α) θ² (must contain 0, 0.5 and 1)",
            quick: [0, 0.25, 0.5, 0.75, 1], min: 0, max: 1)
        .AddString("bn_mode", "recompute", "BatchNorm statistics of θ(α): recompute (training batches, train mode, no augmentation) or interpolate",
            choices: ["recompute", "interpolate"])
        .AddInt("bn_batches", 20, "Training batches used to recompute BatchNorm statistics", quick: 10, min: 1)
        .AddString("gradient_method", "exact", "Gradient change: exact (per-probe reverse passes per logit) or hutchinson (group-restricted Rademacher JVPs)",
            choices: ["exact", "hutchinson"])
        .AddInt("directions", 8, "Hutchinson directions per layer group (gradient_method=hutchinson)", min: 2)
        .AddInt("log_every", 25, "Training curves: one point per this many steps", quick: 10, min: 1)
        .AddDouble("near_zero_drop", 0.02, "Verdict threshold: an accuracy drop below this counts as 'near zero'", min: 0)
        .AddDouble("large_drop", 0.05, "Verdict threshold: an accuracy drop at least this large counts as 'large'", min: 0)
        // One repetition by default in both modes: each seed repeats the whole protocol (≈ 15 min quick, ≈ 2.5 h full here, estimated).
        .AddSeeds()
        .AddVerdictCriteria()
        .AddComputeSettings();

    public void Run(RunContext context)
    {
        var s = context.Settings;
        var setup = Resolve(s);
        var (trainRange, pretrainRange) = ((s.GetInt("train_offset"), s.GetInt("train_size")), (s.GetInt("pretrain_offset"), s.GetInt("pretrain_size")));
        bool pretrained = setup.Arms.Contains("pretrained");
        if (pretrained && trainRange.Item1 < pretrainRange.Item1 + pretrainRange.Item2 && pretrainRange.Item1 < trainRange.Item1 + trainRange.Item2)
            throw new TelescopeException(
                $"The pretraining subset [{pretrainRange.Item1}, {pretrainRange.Item1 + pretrainRange.Item2}) overlaps the main subset [{trainRange.Item1}, {trainRange.Item1 + trainRange.Item2}).")
            { Hint = "The pretrained arm needs disjoint data: e.g. --set train_offset=0 --set train_size=5000 --set pretrain_offset=5000." };
        int probes = s.GetInt("probes"), testSize = s.GetInt("test_size");
        if (probes > testSize) throw new TelescopeException($"probes ({probes}) exceeds test_size ({testSize}).") { Hint = "Use at most test_size probe inputs." };
        int bnImages = setup.Training.BatchSize * setup.BatchNormBatches;
        if (setup.BatchNorm == BatchNormMode.Recompute && bnImages > trainRange.Item2)
            throw new TelescopeException($"bn_batches × batch_size = {bnImages} exceeds the {trainRange.Item2} main training images.") { Hint = "Lower bn_batches." };

        var folder = DataFolder.Open(context.RequireDataDirectory());
        int needed = Math.Max(trainRange.Item1 + trainRange.Item2, pretrained ? pretrainRange.Item1 + pretrainRange.Item2 : 0);
        var all = LoadTrain(folder, needed);
        var mainSet = all.Subset(Enumerable.Range(trainRange.Item1, trainRange.Item2).ToArray());
        var pretrainSet = pretrained ? all.Subset(Enumerable.Range(pretrainRange.Item1, pretrainRange.Item2).ToArray()) : null;
        var testSet = Cifar10Data.Load(folder, DataSplit.Test, testSize);
        // Per-channel normalization with the main training subset's statistics (applied to every split).
        var (mean, std) = mainSet.ChannelStatistics();
        string description = $"CIFAR-10 ({string.Join(", ", Cifar10Data.FindFiles(folder, DataSplit.Train).Select(Path.GetFileName))}): main training images " +
            $"[{trainRange.Item1}, {trainRange.Item1 + trainRange.Item2})" + (pretrained ? $", pretraining images [{pretrainRange.Item1}, {pretrainRange.Item1 + pretrainRange.Item2})" : "") +
            $", the first {testSet.Count} test images; per-channel normalization with the main subset's mean and std";
        context.Progress.Message($"Data: {description}");

        using var scope = torch.NewDisposeScope();
        var dtype = context.DType;
        var device = context.Device;
        ImageClassifierData Tensors(ImageDataset d) =>
            new(d.NormalizeChannels(mean, std).ToImageTensor(dtype, device), d.LabelsTensor(device));
        var train = Tensors(mainSet);
        var pretrain = pretrainSet is null ? train : Tensors(pretrainSet);
        var test = Tensors(testSet);
        var probeInputs = test.Images.narrow(0, 0, probes);
        // BatchNorm recomputation batches: a fixed seeded order of the main images, no augmentation.
        var order = torch.tensor(SplitMix64.Permutation(train.Count, (ulong)context.Seed ^ 0xB17CUL).Take(Math.Min(bnImages, train.Count)).Select(i => (long)i).ToArray(), device: device);
        var statisticsImages = train.Images.index_select(0, order);

        var clock = Stopwatch.StartNew();
        var lmcData = new LmcData(train, pretrain, test, probeInputs, statisticsImages);
        var plan = setup.Plan();
        var sweep = new Sweep<LmcSpawnResult>(context, plan.Count);
        var csv = context.Folder.OpenMetrics(LmcOutput.Columns);   // rows appear as they are measured
        var assigned = plan.Where(p => sweep.Shard.Includes(p.Index)).ToList();
        long totalSteps = LmcProtocol.StepsOf(setup, assigned);
        using (var progress = context.Progress.Start(
            $"{setup.Arms.Count} arm(s) × {setup.Seeds.Count} seed(s), {setup.SpawnSteps.Count} spawn steps, {assigned.Count} of {plan.Count} sub-runs, {totalSteps} training steps", totalSteps))
        {
            var protocol = new LmcProtocol(setup, lmcData, sweep, context.Checkpoints, csv, progress, context.CancellationToken);
            progress.Advance(protocol.ResumedSteps);
            protocol.Run(plan);
        }
        csv.Dispose();
        var facts = new LmcFacts(description);
        sweep.Finish(SubRunResults.Serialize(facts), results => new LmcOutput(context, setup, facts, results, clock.Elapsed.TotalSeconds).Write());
    }

    /// <inheritdoc/>
    public void Merge(RunContext context, string facts, IReadOnlyList<string> results)
    {
        var setup = Resolve(context.Settings);
        var f = SubRunResults.Deserialize<LmcFacts>(facts, ShardFile.FileName);
        var runs = results.Select(r => SubRunResults.Deserialize<LmcSpawnResult>(r, ShardFile.FileName)).ToList();
        LmcOutput.WriteMetrics(context, setup, runs);
        new LmcOutput(context, setup, f, runs, runs.Sum(r => r.TrainSeconds + r.MeasureSeconds)).Write();
    }

    private static ImageDataset LoadTrain(DataFolder folder, int count)
    {
        try { return Cifar10Data.Load(folder, DataSplit.Train, count); }
        catch (ArgumentOutOfRangeException e)
        {
            throw new TelescopeException(e.Message) { Hint = "Lower train_size / pretrain_size or their offsets." };
        }
    }

    /// <summary>Parses and validates the settings (everything that can fail before data is read).</summary>
    internal static LmcSetup Resolve(RecipeSettings s)
    {
        int steps = s.GetInt("steps");
        var spawn = s.GetIntList("spawn_steps").Order().ToArray();
        if (spawn.Any(t => t < 0 || t >= steps) || spawn.Distinct().Count() != spawn.Length)
            throw new TelescopeException($"Spawn steps [{string.Join(", ", spawn)}] must be distinct and lie in [0, T = {steps}).")
            { Hint = "Children need at least one step to train: e.g. --set spawn_steps=0,10,50,100." };
        var alphas = s.GetDoubleList("alphas");
        InterpolationPath.ValidateGrid(alphas);
        if (!alphas.Any(a => Math.Abs(a - 0.5) < 1e-12))
            throw new TelescopeException($"The α grid [{string.Join(", ", alphas)}] must contain 0.5 (the accuracy drop is measured there).")
            { Hint = "E.g. --set alphas=0,0.25,0.5,0.75,1." };
        var arms = s.GetStringList("arms");
        if (arms.Count == 0 || arms.Distinct().Count() != arms.Count)
            throw new TelescopeException("arms must list random and/or pretrained, each once.") { Hint = "E.g. --set arms=random,pretrained" };
        var norm = s.GetString("norm") switch
        {
            "batchnorm" => NormKind.BatchNorm,
            "groupnorm" => NormKind.GroupNorm,
            "none" => NormKind.None,
            var other => throw new TelescopeException($"Unknown norm '{other}'.") { Hint = "Use batchnorm, groupnorm or none." },
        };
        var model = new ResNetOptions
        {
            Width = s.GetInt("width"), Norm = norm, Groups = s.GetInt("groups"),
            DType = s.GetString(RecipeSettings.DTypeKey) == "float64" ? ScalarType.Float64 : ScalarType.Float32,
            Device = s.GetString(RecipeSettings.DeviceKey),
        };
        try { model.Validate(); }
        catch (ArgumentException e) { throw new TelescopeException(e.Message) { Hint = "Check --set width / groups." }; }
        var training = new ClassifierTrainingOptions
        {
            Steps = steps, BatchSize = s.GetInt("batch_size"), LearningRate = s.GetDouble("lr"), Momentum = s.GetDouble("momentum"),
            WeightDecay = s.GetDouble("weight_decay"), WarmupSteps = Math.Min(s.GetInt("warmup_steps"), steps), DecayFractions = s.GetDoubleList("decay_at"),
        };
        training.Validate();
        var pretraining = training with { Steps = s.GetInt("pretrain_steps"), WarmupSteps = Math.Min(s.GetInt("warmup_steps"), s.GetInt("pretrain_steps")) };
        pretraining.Validate();
        if (training.BatchSize > s.GetInt("train_size") || (arms.Contains("pretrained") && training.BatchSize > s.GetInt("pretrain_size")))
            throw new TelescopeException($"batch_size ({training.BatchSize}) exceeds a training subset.") { Hint = "Lower batch_size or enlarge train_size / pretrain_size." };
        return new LmcSetup(model, training, pretraining, spawn, arms, alphas,
            s.GetString("bn_mode") == "interpolate" ? BatchNormMode.Interpolate : BatchNormMode.Recompute, s.GetInt("bn_batches"),
            s.GetString("gradient_method") == "hutchinson" ? GradientChangeMethod.Hutchinson : GradientChangeMethod.Exact,
            s.GetInt("directions"), s.GetInt("log_every"), s.GetSeeds());
    }
}
