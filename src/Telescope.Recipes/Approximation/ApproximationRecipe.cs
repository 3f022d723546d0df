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
internal sealed class ApproximationRecipe() : SweepRecipe<ApproximationSettings, SubRun, ApproximationFacts>("approximation",
    "Telescoping vs linearized model error of an MLP on MNIST across optimizers and learning rates (paper Figs. 2, 7, 8)", ApproximationSettings.Schema)
{
    protected override void Run(RunContext context, ApproximationSettings s)
    {
        var (dtype, device) = (context.DType, context.Device);
        if (s.TrainProbes > s.TrainSize)
            throw new TelescopeException($"train_probes ({s.TrainProbes}) exceeds train_size ({s.TrainSize}).")
            { Hint = "Track at most train_size training images." };
        var source = ImageSource.Load(context, s.Data, s.OwnImages, s.TrainSize, s.TestProbes);
        context.Progress.Message($"Data: {source.Description}");

        using var scope = torch.NewDisposeScope();
        var trainInputs = source.Train.ToTensor(dtype, device);
        var trainLabels = source.Train.LabelsTensor(device);
        var data = new ApproximationData(trainInputs, trainLabels,
            source.Test.ToTensor(dtype, device), source.Test.LabelsTensor(device),
            trainInputs.narrow(0, 0, s.TrainProbes), trainLabels.narrow(0, 0, s.TrainProbes));

        Activation activation;
        try { activation = Activation.Parse(s.Activation); }
        catch (ArgumentException e) { throw new TelescopeException(e.Message); }
        var model = new MlpOptions
        {
            InputSize = source.Train.FeatureCount,
            HiddenWidths = s.Hidden.ToArray(),
            OutputSize = source.Train.NumClasses,
            Activation = activation,
            DType = dtype,
            Device = s.Compute.DeviceName,
        };

        var runs = Plan(s);
        var trainer = new ApproximationTrainer(model, s);
        var facts = new ApproximationFacts(source.Description, source.IsSynthetic, string.Join("-", model.LayerSizes),
            model.Activation.ToString(), model.DType.ToString());
        Sweep.Run(context, facts, runs.Count, ApproximationOutput.Columns, assigned => $"{assigned} sub-runs × {s.Steps} steps", _ => s.Steps,
            sub => trainer.Run(runs[sub.Index], data, sub));
    }

    /// <summary>Summary and report from every sub-run (and, for a merge, metrics.csv's rows, which a run writes as it measures).</summary>
    protected override void WriteOutputs(RunContext context, ApproximationSettings s, ApproximationFacts facts, IReadOnlyList<SubRun> runs,
        MetricsCsvWriter? liveMetrics)
    {
        var output = new ApproximationOutput(context, s, facts, runs);
        if (liveMetrics is null) output.WriteMetrics();
        output.WriteSummary();
        output.WriteReport();
    }

    /// <summary>The sub-runs of the sweep, in index order: optimizers in the order given, each over its grid, each rate at every seed.</summary>
    private static List<SubRun> Plan(ApproximationSettings s)
    {
        var runs = new List<SubRun>();
        var seeds = s.Seeds;
        foreach (var optimizer in s.Optimizers)
        {
            double defaultRate = s.DefaultLearningRates[optimizer];
            var grid = s.LearningRates[optimizer];
            if (!grid.Contains(defaultRate))
                throw new TelescopeException(string.Create(CultureInfo.InvariantCulture,
                    $"default_lr.{optimizer} = {defaultRate} is not in lr.{optimizer} = [{string.Join(", ", grid)}]."))
                { Hint = $"Add it to the grid or set default_lr.{optimizer} to one of the grid's values." };
            runs.AddRange(grid.SelectMany(lr => seeds.Select(seed => new SubRun(optimizer, lr, lr == defaultRate, seed, seeds.Count > 1))));
        }
        return runs;
    }
}
