using Telescope.Models;
using Telescope.Runs;

namespace Telescope.Recipes.GrokkingModular;

/// <summary>
/// Grokking on modular arithmetic (Power et al. 2022; Nanda et al. 2023) through the telescoping lens
/// (docs/recipes/grokking-modular.md): a transformer learns op(a, b) mod p from a fraction of the table with AdamW and
/// weight decay; per logged step the recipe measures train/test loss and accuracy, the telescoping model's error,
/// p_net_train / p_net_test by retraining on soft targets and the tangent kernel's spectrum and target alignment.
/// </summary>
/// <remarks>
/// Its sub-runs (training fraction × weight decay × seed) are independent, so they shard (<c>--shard i/N</c>) and merge
/// (<see cref="Merge"/>); every step of a sub-run can be checkpointed and resumed.
/// </remarks>
public sealed class GrokkingModularRecipe : ISweepRecipe
{
    public string Name => "grokking-modular";
    public string Description => "Grokking of a transformer on (a + b) mod p: delay, p_net by retraining, telescoping error and tangent-kernel spectrum/alignment over training fraction × weight decay";

    public RecipeSettings CreateSettings(bool quick) => GrokkingModularSettings.Schema.Create(quick);

    private readonly SweepSkeleton<ModularRun, GrokkingModularFacts> _sweep = new(WriteOutputs);

    public void Run(RunContext context)
    {
        var s = GrokkingModularSettings.Schema.Bind(context.Settings);
        var task = new ModularTask(s.Operation, s.Modulus, s.Seed);
        var model = new TransformerOptions
        {
            VocabSize = task.VocabSize, ContextLength = 3, NumClasses = task.Modulus, ModelDim = s.ModelDim, Heads = s.Heads,
            Layers = s.Layers, MlpWidth = s.MlpWidth, LayerNorm = s.LayerNorm,
        };
        model.Validate();
        foreach (double fraction in s.TrainFractions) task.TrainCount(fraction);   // fails early on an empty side
        if (s.SpectrumProbes > 0 && s.SpectrumTopK > s.SpectrumProbes * task.Modulus)
            throw new TelescopeException($"spectrum_top_k ({s.SpectrumTopK}) exceeds the kernel's size spectrum_probes·p = {s.SpectrumProbes * task.Modulus}.")
            { Hint = "Lower spectrum_top_k or raise spectrum_probes." };
        var plan = Plan(s);
        var facts = new GrokkingModularFacts(task.Formula, task.Modulus, model.TrainableParameterCount);
        context.Progress.Message($"Task: {task.Formula}, {model.TrainableParameterCount} parameters, {plan.Count} sub-runs");
        var trainer = new ModularTrainer(s, task);
        _sweep.Run(context, facts, plan.Count, GrokkingModularOutput.Columns, n => $"{n} sub-runs × {s.Steps} steps", _ => s.Steps,
            sub => trainer.Run(plan[sub.Index], sub));
    }

    /// <inheritdoc/>
    public void Merge(RunContext context, string facts, IReadOnlyList<string> results) => _sweep.Merge(context, facts, results);

    /// <summary>Summary and report (and, for a merge, metrics.csv's rows in index order, as the live run wrote them).</summary>
    private static void WriteOutputs(RunContext context, GrokkingModularFacts facts, IReadOnlyList<ModularRun> runs, MetricsCsvWriter? liveMetrics)
    {
        var s = GrokkingModularSettings.Schema.Bind(context.Settings);
        if (liveMetrics is null) GrokkingModularOutput.WriteMetrics(context, runs);
        var findings = new GrokkingModularFindings(s, runs);
        GrokkingModularOutput.WriteSummary(context, s, facts, findings);
        new GrokkingModularReport(context, s, facts, findings).Write();
    }

    /// <summary>The sub-runs in index order: fractions in the order given, each over the weight decays, each at every seed.</summary>
    internal static List<ModularRun> Plan(GrokkingModularSettings s)
    {
        if (s.TrainFractions.Distinct().Count() != s.TrainFractions.Count || s.WeightDecays.Distinct().Count() != s.WeightDecays.Count)
            throw new TelescopeException("train_fractions and weight_decays must list each value once.") { Hint = "E.g. --set weight_decays=0.5,1,2" };
        bool seeded = s.Seeds.Count > 1;
        return s.TrainFractions.SelectMany(f => s.WeightDecays.SelectMany(wd => s.Seeds.Select(seed => new ModularRun(f, wd, seed, seeded)))).ToList();
    }
}
