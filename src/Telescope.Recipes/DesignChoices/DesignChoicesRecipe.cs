using Telescope.Data.Tabular;
using Telescope.Recipes.TabularGbt;

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
/// <param name="loader">Supplies the tabular data sets by suite name; null reads them from the shared data folder
/// (<c>--data</c> or TELESCOPE_DATA).</param>
internal sealed class DesignChoicesRecipe(Func<string, TabularDataset>? loader = null) : SweepRecipe<DesignChoicesSettings, DesignChoicesSubRun, DesignChoicesFacts>(
    "design-choices",
    "What momentum, weight decay and adaptive learning rates do to the function: component contributions, shrinkage identity, momentum blending, preconditioned kernels (paper Sec. 5)",
    DesignChoicesSettings.Schema)
{

    protected override void Run(RunContext context, DesignChoicesSettings s)
    {
        int trainSize = s.TrainSize, trainProbes = s.TrainProbes, testProbes = s.TestProbes;
        Require(trainProbes <= trainSize, $"train_probes ({trainProbes}) exceeds train_size ({trainSize}).", "Track at most train_size training images.");
        Require(s.KernelTrain <= trainProbes, $"kernel_train ({s.KernelTrain}) exceeds train_probes ({trainProbes}).", "Use kernel_train ≤ train_probes.");
        Require(s.KernelTest <= testProbes && s.DriftProbes <= testProbes,
            "kernel_test and drift_probes must not exceed test_probes.", "Lower them or raise test_probes.");
        Require(s.KernelEvery % s.LogEvery == 0,
            $"kernel_every ({s.KernelEvery}) is not a multiple of log_every ({s.LogEvery}).", "Kernel checkpoints are reported at log points.");
        Require(s.BatchSize <= trainSize, $"batch_size exceeds train_size.", "Use a smaller batch.");
        Require(s.Optimizer.Momentum > 0, "momentum must be positive: the momentum analysis needs β > 0.", "Use --set momentum=0.9.");

        Require(s.Data != OwnImages.Choice, $"design-choices reads no image files of its own (data = {OwnImages.Choice}).", "Use data=mnist, synthetic or auto.");
        var source = ImageSource.Load(context, s.Data, NoOwnImages, trainSize, testProbes);
        context.Progress.Message($"Data: {source.Description}");
        var tab = s.Tabular;
        string tabular = tab.Dataset;
        if (tabular != "none" && loader is null && context.DataDirectory is null)
        {
            context.Progress.Message($"No data folder given: the tabular kernel part ({tabular}) is skipped. Pass --data DIR or set TELESCOPE_DATA to run it.");
            tabular = "none";
        }

        using var scope = torch.NewDisposeScope();
        var trainInputs = source.Train.ToTensor(context.DType, context.Device);
        var trainLabels = source.Train.LabelsTensor(context.Device);
        var testInputs = source.Test.ToTensor(context.DType, context.Device);
        var testLabels = source.Test.LabelsTensor(context.Device);
        var data = new DecompositionData(trainInputs, trainLabels,
            trainInputs.narrow(0, 0, trainProbes), trainLabels.narrow(0, 0, trainProbes), testInputs, testLabels,
            trainInputs.narrow(0, 0, s.KernelTrain), testInputs.narrow(0, 0, s.KernelTest), testInputs.narrow(0, 0, s.DriftProbes));

        Activation activation;
        try { activation = Activation.Parse(s.Activation); }
        catch (ArgumentException e) { throw new TelescopeException(e.Message); }
        var main = new NetVariant($"{s.Activation}-bias", activation, true);
        var model = new MlpOptions
        {
            InputSize = source.Train.FeatureCount, HiddenWidths = s.Hidden.ToArray(), OutputSize = source.Train.NumClasses,
            Activation = activation, DType = context.DType, Device = s.Compute.DeviceName,
        };

        TabularGbtData? tabularData = null;
        if (tabular != "none")
        {
            string name = TabularGbtRecipe.DatasetNames.First(d => d.Equals(tabular, StringComparison.OrdinalIgnoreCase));
            // The split, the pools and the T_π draws come from 'seed' and are shared by every seed repetition.
            tabularData = TabularGbtData.Prepare(TabularSources.Suite(name, context, loader), tab.TrainSize, tab.PoolSize, tab.TestSize, tab.Repetitions, IrregularityMethod.Mahalanobis, (ulong)context.Seed);
            Require(tab.BatchSize <= tabularData.Train.Rows, "tab_batch_size exceeds tab_train_size.", "Use a smaller batch.");
            tabular = name;
            context.Progress.Message($"{name}: n = {tabularData.Train.Rows}, {tabularData.Train.Columns} features, {tabularData.Tracked.Rows} tracked test rows");
        }

        var plan = Plan(s, main, tabularData is not null);
        var facts = new DesignChoicesFacts(source.Description, source.IsSynthetic, string.Join("-", model.LayerSizes), model.Activation.ToString(),
            model.DType.ToString(), model.OutputSize,
            data.TrainProbeLabels.to_type(ScalarType.Int64).data<long>().ToArray(), data.TestProbeLabels.to_type(ScalarType.Int64).data<long>().ToArray(),
            tabularData is null ? null : TabularFacts.Of(tabular, tabularData));

        var trainer = new DecompositionTrainer(data, model, s);
        Sweep.Run(context, facts, plan.Count, DesignChoicesOutput.Columns,
            assigned => $"{assigned} of {plan.Count} sub-runs ({plan.Count(p => p.Mnist is not null)} MNIST{(tabularData is null ? "" : $", {plan.Count(p => p.Tabular is not null)} {tabular}")})",
            k => plan[k].Steps, sub =>
            {
                var p = plan[sub.Index];
                return p.Mnist is { } run
                    ? new DesignChoicesSubRun(trainer.Run(run, p.Steps, p.KeepsTestOutputs, point => DesignChoicesOutput.WritePoint(sub.Metrics, run, point), sub), null)
                    : new DesignChoicesSubRun(null, AdaptiveKernelArm.Run(tabularData!, p.Tabular!, tab, s.Compute,
                        point => DesignChoicesOutput.WritePoint(sub.Metrics, tabular, p.Tabular!, point), sub));
            });
    }

    /// <summary>
    /// Everything written from all sub-runs: for a merge (no <paramref name="liveMetrics"/>) the sub-runs' rows of
    /// metrics.csv, then the momentum comparison's rows, the per-input file, summary, figures, report.
    /// </summary>
    protected override void WriteOutputs(RunContext context, DesignChoicesSettings s, DesignChoicesFacts facts, IReadOnlyList<DesignChoicesSubRun> results,
        MetricsCsvWriter? liveMetrics)
    {
        using var merged = liveMetrics is null ? context.Folder.OpenMetrics(DesignChoicesOutput.Columns) : null;
        var csv = liveMetrics ?? merged!;
        if (liveMetrics is null)
            foreach (var r in results)
            {
                if (r.Mnist is { } run) foreach (var p in run.Points) DesignChoicesOutput.WritePoint(csv, run, p);
                if (r.Tabular is { } tab) foreach (var p in tab.Points) DesignChoicesOutput.WritePoint(csv, facts.Tabular!.Name, tab, p);
            }
        var output = new DesignChoicesOutput(context, s, facts, new DesignChoicesFindings(s, facts,
            results.Where(r => r.Mnist is not null).Select(r => r.Mnist!).ToList(),
            results.Where(r => r.Tabular is not null).Select(r => r.Tabular!).ToList()));
        output.WriteMomentumMetrics(csv);
        output.WritePerInput();
        output.WriteSummary();
        output.WriteReport();
    }

    /// <summary>
    /// The sub-runs, in index order: every arm (the compared optimizers, SGD at γ/(1−β) unless plain SGD already runs
    /// at that rate, the identity nets, then the tabular SGD and Adam networks), each at every seed of <c>seeds</c>.
    /// </summary>
    private static List<PlannedSubRun> Plan(DesignChoicesSettings s, NetVariant main, bool withTabular)
    {
        var seeds = s.Seeds;
        bool seeded = seeds.Count > 1;
        var arms = s.Optimizers.Select(o => (Optimizer: o, Rate: s.LearningRates[o], Net: main, Role: SubRunRole.Main, Steps: s.Steps)).ToList();
        // SGD at γ/(1−β) for the momentum comparison: a main arm if plain SGD already runs at that rate, else an arm of its own.
        double? rescaled = s.Optimizers.Contains(OptimizerChoice.SgdMomentum)
            ? MomentumComparison.RescaledRate(s.LearningRates[OptimizerChoice.SgdMomentum], s.Optimizer.Momentum) : null;
        bool IsRescaled(string optimizer, double rate) => optimizer == OptimizerChoice.Sgd && rescaled is double r && MomentumComparison.SameRate(rate, r);
        if (rescaled is double rate && !arms.Any(a => IsRescaled(a.Optimizer, a.Rate)))
            arms.Add((OptimizerChoice.Sgd, rate, main, SubRunRole.Rescaled, s.Steps));
        foreach (var net in s.IdentityNets.Select(NetVariant.Parse).Where(n => n != main))
            foreach (var o in s.IdentityOptimizers)
                arms.Add((o, s.LearningRates[o], net, SubRunRole.Identity, s.IdentitySteps));

        // The two runs of the momentum comparison keep their test outputs.
        bool Keep(string optimizer, double rate, SubRunRole role) =>
            role != SubRunRole.Identity && (optimizer == OptimizerChoice.SgdMomentum || IsRescaled(optimizer, rate));
        var plan = arms.SelectMany(arm => seeds.Select(seed => new PlannedSubRun(new DecompositionRun(arm.Optimizer, arm.Rate, arm.Net, arm.Role, seed, seeded),
            null, arm.Steps, Keep(arm.Optimizer, arm.Rate, arm.Role)))).ToList();
        var tabular = s.Tabular;
        if (withTabular)
            foreach (var o in new[] { OptimizerChoice.Sgd, OptimizerChoice.Adam })
                foreach (long seed in seeds)
                    plan.Add(new PlannedSubRun(null, new TabularKernelRun(o, o == OptimizerChoice.Adam ? tabular.AdamRate : tabular.SgdRate, seed, seeded),
                        tabular.Steps, false));
        return plan;
    }

    /// <summary>One sub-run of the sweep before it runs: an MNIST network or a tabular network, its steps, and whether it keeps its test outputs.</summary>
    private sealed record PlannedSubRun(DecompositionRun? Mnist, TabularKernelRun? Tabular, int Steps, bool KeepsTestOutputs);

    /// <summary>design-choices declares no own-image settings: <see cref="ImageSource.Load"/> sees none given.</summary>
    private static readonly OwnImageSettings NoOwnImages = new("", "", "", "", 10);

    private static void Require(bool condition, string message, string hint)
    {
        if (!condition) throw new TelescopeException(message) { Hint = hint };
    }
}
