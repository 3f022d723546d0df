namespace Telescope.Recipes.Grokking;

/// <summary>
/// docs/method.md §9 row "grokking-mnist" (paper Figs. 4 right, 12, 13; Liu et al. 2023, Omnigrok): an MLP 784-200-200-10
/// whose initial parameters are all scaled by α, trained with AdamW on MSE to one-hot labels of the first 1000
/// MNIST training images. Effective parameters come from label-tangent propagation (docs/method.md §4.3, exact for AdamW)
/// with Hutchinson directions, on the training images and a test probe subset; the network's own p_net comes from
/// retraining (docs/method.md §5.2, <c>sensitivity=retraining</c>) and the surrogate's stability from its sharpness λ_t (§3c).
/// <para>
/// The full α = 8 run with p_net and without the surrogate (it blows up under AdamW, measured):
/// <c>telescope run grokking-mnist --data DIR --set configs=relu:8 --set smoother=none --set sensitivity=retraining
/// --set sensitivity_directions=2 --set threads=2</c> — base run plus 6 members (±σ along V_0, V_1 and ±σ/4 along
/// V_0). Estimate (not a measurement) from the quick run's 40.3 ms per step on the shared 2-core machine (5.7 ms
/// base training, 5.6 ms per member-step): ≈ 67 min for 10⁵ steps including ≈ 1 min of logging.
/// </para>
/// </summary>
/// <remarks>
/// Its sub-runs (configuration × seed of <c>seeds</c>) are independent, so it shards (<c>--shard i/N</c>) and merges
/// (<see cref="Merge"/>); every step can be checkpointed and resumed, the retraining members included.
/// </remarks>
internal sealed class GrokkingMnistRecipe() : SweepRecipe<GrokkingMnistSettings, GrokkingMnistRun, GrokkingMnistFacts>("grokking-mnist",
    "Omnigrok on MNIST: train/test error and effective parameters over training, α sweep with α = 1 ReLU/sigmoid controls (paper Figs. 4, 12, 13)",
    GrokkingMnistSettings.Schema)
{
    protected override void Run(RunContext context, GrokkingMnistSettings s)
    {
        if (s.TestProbes > s.TestSize)
            throw new TelescopeException($"test_probes ({s.TestProbes}) exceeds test_size ({s.TestSize}).") { Hint = "Track at most test_size test images." };
        var plan = Plan(s);

        var source = ImageSource.Load(context, s.Data, s.OwnImages, s.TrainSize, s.TestSize);
        context.Progress.Message($"Data: {source.Description}");
        using var scope = torch.NewDisposeScope();
        var (dtype, device) = (context.DType, context.Device);
        var data = new MnistGrokkingData(
            source.Train.ToTensor(dtype, device), source.Train.OneHot(dtype, device), source.Train.LabelsTensor(device),
            source.Test.ToTensor(dtype, device), source.Test.OneHot(dtype, device), source.Test.LabelsTensor(device), s.TestProbes);
        var facts = new GrokkingMnistFacts(source.Description, source.IsSynthetic, source.Train.FeatureCount);

        GrokkingSubRuns.Run(Sweep, context, s, facts, plan, GrokkingMnistOutput.Columns(s), "configuration × seed",
            (run, sub) => new GrokkingMnistTrainer(s, data, run.Seed).Run(run, sub));
    }

    protected override void WriteOutputs(RunContext context, GrokkingMnistSettings s, GrokkingMnistFacts facts, IReadOnlyList<GrokkingMnistRun> results,
        MetricsCsvWriter? liveMetrics) =>
        GrokkingSubRuns.WriteOutputs(context, s, results, liveMetrics, GrokkingMnistOutput.Columns(s), (csv, r, p, net) => GrokkingMnistOutput.WriteRow(s, csv, r, p, net),
            runs => new GrokkingMnistOutput(context, s, facts, new GrokkingMnistAnalysis(runs, s)).Write());

    /// <summary>The sub-runs of the sweep in index order: every configuration (in the order given) at every seed.</summary>
    private static List<GrokkingMnistRun> Plan(GrokkingMnistSettings s)
    {
        var specs = s.Configs;
        var configs = specs.Select(MnistConfiguration.Parse).ToList();
        if (configs.Count == 0 || configs.Select(c => c.Label).Distinct().Count() != configs.Count)
            throw new TelescopeException("configs must list at least one configuration, each once.") { Hint = "E.g. --set configs=relu:8,relu:1,sigmoid:1" };
        var seeds = s.Seeds;
        return configs.SelectMany((c, i) => seeds.Select(seed => new GrokkingMnistRun
        {
            Spec = specs[i], Configuration = c.Label, Seed = seed, Label = GrokkingRun.RunName(c.Label, seed, seeds.Count),
        })).ToList();
    }
}
