using Telescope.Connectivity;

namespace Telescope.Recipes.Lmc;

/// <summary>
/// docs/method.md §9 row "lmc" (paper Fig. 6; Frankle et al. 2020): linear mode connectivity of ResNet-20 on CIFAR-10 through
/// gradient stabilization. From one parent per arm (random initialization, or pretrained on a disjoint subset with
/// its classifier re-initialized), two children are spawned at every t′ and trained to T with their own data order
/// and augmentation; their linear path gives the accuracy drop and barrier, the Jacobians at t′ and T the gradient
/// change by layer group, and the linearization at t′ the telescoping view of the spawn.
/// </summary>
internal sealed class LmcRecipe() : SweepRecipe<LmcSettings, LmcSpawnResult, LmcFacts>("lmc",
    "Linear mode connectivity of ResNet-20 on CIFAR-10: accuracy drop/barrier and gradient change by layer vs spawn step, random init vs pretrained (paper Fig. 6)",
    LmcSettings.Schema)
{
    protected override void Run(RunContext context, LmcSettings s)
    {
        var setup = Resolve(s);
        int trainEnd = s.TrainOffset + s.TrainSize, pretrainEnd = s.PretrainOffset + s.PretrainSize;
        bool pretrained = s.Arms.Contains("pretrained");
        if (pretrained && s.TrainOffset < pretrainEnd && s.PretrainOffset < trainEnd)
            throw new TelescopeException($"The pretraining subset [{s.PretrainOffset}, {pretrainEnd}) overlaps the main subset [{s.TrainOffset}, {trainEnd}).")
            { Hint = "The pretrained arm needs disjoint data: e.g. --set train_offset=0 --set train_size=5000 --set pretrain_offset=5000." };
        if (s.Probes > s.TestSize) throw new TelescopeException($"probes ({s.Probes}) exceeds test_size ({s.TestSize}).") { Hint = "Use at most test_size probe inputs." };
        int bnImages = setup.Training.BatchSize * s.BatchNormBatches;
        if (setup.BatchNorm == BatchNormMode.Recompute && bnImages > s.TrainSize)
            throw new TelescopeException($"bn_batches × batch_size = {bnImages} exceeds the {s.TrainSize} main training images.") { Hint = "Lower bn_batches." };

        var folder = DataFolder.Open(context.RequireDataDirectory());
        ImageDataset all;
        try { all = Cifar10Data.Load(folder, DataSplit.Train, Math.Max(trainEnd, pretrained ? pretrainEnd : 0)); }
        catch (ArgumentOutOfRangeException e) { throw new TelescopeException(e.Message) { Hint = "Lower train_size / pretrain_size or their offsets." }; }
        var mainSet = all.Subset(Enumerable.Range(s.TrainOffset, s.TrainSize).ToArray());
        var pretrainSet = pretrained ? all.Subset(Enumerable.Range(s.PretrainOffset, s.PretrainSize).ToArray()) : null;
        var testSet = Cifar10Data.Load(folder, DataSplit.Test, s.TestSize);
        // Per-channel normalization with the main training subset's statistics (applied to every split).
        var (mean, std) = mainSet.ChannelStatistics();
        string description = $"CIFAR-10 ({string.Join(", ", Cifar10Data.FindFiles(folder, DataSplit.Train).Select(Path.GetFileName))}): main training images " +
            $"[{s.TrainOffset}, {trainEnd})" + (pretrained ? $", pretraining images [{s.PretrainOffset}, {pretrainEnd})" : "") +
            $", the first {testSet.Count} test images; per-channel normalization with the main subset's mean and std";
        context.Progress.Message($"Data: {description}");

        using var scope = torch.NewDisposeScope();
        var device = context.Device;
        ImageClassifierData Tensors(ImageDataset d) => new(d.NormalizeChannels(mean, std).ToImageTensor(context.DType, device), d.LabelsTensor(device));
        var train = Tensors(mainSet);
        var pretrain = pretrainSet is null ? train : Tensors(pretrainSet);
        var test = Tensors(testSet);
        // BatchNorm recomputation batches: a fixed seeded order of the main images, no augmentation.
        var order = torch.tensor(SplitMix64.Permutation(train.Count, (ulong)context.Seed ^ 0xB17CUL).Take(Math.Min(bnImages, train.Count)).Select(i => (long)i).ToArray(), device: device);

        var lmcData = new LmcData(train, pretrain, test, test.Images.narrow(0, 0, s.Probes), train.Images.index_select(0, order));
        var plan = setup.Plan();
        Sweep.Run(context, new LmcFacts(description), plan.Count, LmcOutput.Columns, (sweep, csv) =>
        {
            var assigned = plan.Where(p => sweep.Shard.Includes(p.Index)).ToList();
            long totalSteps = LmcProtocol.StepsOf(setup, assigned);
            using var progress = context.Progress.Start(
                $"{s.Arms.Count} arm(s) × {setup.Seeds.Count} seed(s), {setup.SpawnSteps.Count} spawn steps, {assigned.Count} of {plan.Count} sub-runs, {totalSteps} training steps", totalSteps);
            var protocol = new LmcProtocol(setup, lmcData, sweep, context.Checkpoints, csv, progress, context.CancellationToken);
            progress.Advance(protocol.ResumedSteps);
            protocol.Run(plan);
        });
    }

    /// <summary>Summary, figures and report (and, for a merge, metrics.csv's rows in index order, as the live run wrote them).</summary>
    protected override void WriteOutputs(RunContext context, LmcSettings s, LmcFacts facts, IReadOnlyList<LmcSpawnResult> results, MetricsCsvWriter? liveMetrics)
    {
        var setup = Resolve(s);
        if (liveMetrics is null) LmcOutput.WriteMetrics(context, setup, results);
        double wallSeconds = liveMetrics is null ? results.Sum(r => r.TrainSeconds + r.MeasureSeconds) : (DateTimeOffset.UtcNow - context.StartedUtc).TotalSeconds;
        var output = new LmcOutput(context, s, setup, facts, results, wallSeconds);
        output.WriteSummary();
        output.WriteReport();
    }

    /// <summary>Parses and validates the settings (everything that can fail before data is read).</summary>
    internal static LmcSetup Resolve(LmcSettings s)
    {
        int steps = s.Steps;
        var spawn = s.SpawnSteps.Order().ToArray();
        if (spawn.Any(t => t < 0 || t >= steps) || spawn.Distinct().Count() != spawn.Length)
            throw new TelescopeException($"Spawn steps [{string.Join(", ", spawn)}] must be distinct and lie in [0, T = {steps}).")
            { Hint = "Children need at least one step to train: e.g. --set spawn_steps=0,10,50,100." };
        var alphas = s.Alphas;
        InterpolationPath.ValidateGrid(alphas);
        if (!alphas.Any(a => Math.Abs(a - 0.5) < 1e-12))
            throw new TelescopeException($"The α grid [{string.Join(", ", alphas)}] must contain 0.5 (the accuracy drop is measured there).")
            { Hint = "E.g. --set alphas=0,0.25,0.5,0.75,1." };
        var arms = s.Arms;
        if (arms.Count == 0 || arms.Distinct().Count() != arms.Count)
            throw new TelescopeException("arms must list random and/or pretrained, each once.") { Hint = "E.g. --set arms=random,pretrained" };
        var norm = s.Norm switch
        {
            "batchnorm" => NormKind.BatchNorm,
            "groupnorm" => NormKind.GroupNorm,
            "none" => NormKind.None,
            var other => throw new TelescopeException($"Unknown norm '{other}'.") { Hint = "Use batchnorm, groupnorm or none." },
        };
        var model = new ResNetOptions
        {
            Width = s.Width, Norm = norm, Groups = s.Groups, DType = s.Compute.DType, Device = s.Compute.DeviceName,
        };
        try { model.Validate(); }
        catch (ArgumentException e) { throw new TelescopeException(e.Message) { Hint = "Check --set width / groups." }; }
        var training = new ClassifierTrainingOptions
        {
            Steps = steps, BatchSize = s.BatchSize, LearningRate = s.LearningRate, Momentum = s.Momentum,
            WeightDecay = s.WeightDecay, WarmupSteps = Math.Min(s.WarmupSteps, steps), DecayFractions = s.DecayAt,
        };
        training.Validate();
        var pretraining = training with { Steps = s.PretrainSteps, WarmupSteps = Math.Min(s.WarmupSteps, s.PretrainSteps) };
        pretraining.Validate();
        if (training.BatchSize > s.TrainSize || (arms.Contains("pretrained") && training.BatchSize > s.PretrainSize))
            throw new TelescopeException($"batch_size ({training.BatchSize}) exceeds a training subset.") { Hint = "Lower batch_size or enlarge train_size / pretrain_size." };
        return new LmcSetup(s, model, training, pretraining, spawn, s.BatchNormMode == "interpolate" ? BatchNormMode.Interpolate : BatchNormMode.Recompute,
            s.GradientMethod == "hutchinson" ? GradientChangeMethod.Hutchinson : GradientChangeMethod.Exact);
    }
}
