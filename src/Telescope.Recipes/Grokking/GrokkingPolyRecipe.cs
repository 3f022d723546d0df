namespace Telescope.Recipes.Grokking;

/// <summary>
/// docs/method.md §9 row "grokking-poly" (paper Figs. 4 left, 11; Kumar et al. 2024): a two-layer network
/// f(x) = (α/N) Σ_j φ(w_jᵀx), φ(z) = z + εz²/2, with a fixed readout, trained by full-batch gradient descent on
/// y = (βᵀx)²/2. The exact kernel smoother (docs/method.md §4.2) gives p_train(t) and p_test(t) alongside train and
/// test MSE, for a sweep over ε.
/// </summary>
/// <remarks>
/// Its sub-runs (ε × seed of <c>seeds</c>; the task is shared) are independent, so it shards (<c>--shard i/N</c>) and
/// merges (<see cref="Merge"/>); every step can be checkpointed and resumed (smoother, tracker and members included).
/// </remarks>
public sealed class GrokkingPolyRecipe : ISweepRecipe
{
    public string Name => "grokking-poly";
    public string Description => "Grokking on polynomial regression: train/test MSE and effective parameters under full-batch GD, ε sweep (paper Figs. 4, 11)";

    public RecipeSettings CreateSettings(bool quick) => GrokkingPolySettings.Schema.Create(quick);

    public void Run(RunContext context)
    {
        var s = GrokkingPolySettings.Schema.Bind(context.Settings);
        s.Validate();

        using var scope = torch.NewDisposeScope();
        // The task (β, inputs, labels) is the data: drawn from 'seed' and shared by every repetition.
        var task = PolynomialTask.Create(s.InputDim, s.TrainSize, s.TestSize, (ulong)context.Seed, context.DType, context.Device);
        context.Progress.Message(string.Create(CultureInfo.InvariantCulture,
            $"Learning rate γ = {s.LearningRate:G6} ({s.LrFactor}·N/α²), c = {s.LossScale}"));

        var seeds = s.Seeds;
        var plan = s.Epsilons.SelectMany(e => seeds.Select(seed => new GrokkingPolyRun
        {
            Epsilon = e, Seed = seed, Configuration = GrokkingPolyRun.ConfigurationOf(e), Label = GrokkingRun.RunName(GrokkingPolyRun.ConfigurationOf(e), seed, seeds.Count),
        })).ToList();
        var separatePairs = s.SeparatePairs;
        var units = GrokkingSubRuns.Units(plan, separatePairs);
        _sweep.Run(context, new SharedFacts(), units.Count, GrokkingPolyOutput.Columns,
            assigned => GrokkingSubRuns.Describe(assigned, "ε × seed", separatePairs, s.Steps), _ => s.Steps,
            sub => new GrokkingPolyTrainer(s, task, units[sub.Index].Seed).Run(units[sub.Index], sub));
    }

    /// <summary>The sweep-wide facts: none (the task is drawn from the settings' seed).</summary>
    private sealed record SharedFacts;

    private readonly SweepSkeleton<GrokkingPolyRun, SharedFacts> _sweep = new((context, _, results, liveMetrics) =>
    {
        var s = GrokkingPolySettings.Schema.Bind(context.Settings);
        GrokkingSubRuns.WriteOutputs(context, results, liveMetrics, GrokkingPolyOutput.Columns, GrokkingPolyOutput.WriteRow,
            s.SeparatePairs, runs => WriteOutputs(context, s, runs));
    });

    /// <inheritdoc/>
    public void Merge(RunContext context, string facts, IReadOnlyList<string> results) => _sweep.Merge(context, facts, results);

    private static void WriteOutputs(RunContext context, GrokkingPolySettings s, IReadOnlyList<GrokkingPolyRun> runs)
    {
        var bound = s.Sensitivity.StabilityIterations > 0
            ? s.Sensitivity.Bound(new TangentStepRule { Kind = TangentOptimizerKind.Sgd, Step = 1, LearningRate = s.LearningRate })
            : null;
        new GrokkingPolyOutput(context, s, new GrokkingPolyAnalysis(runs, s), bound).Write();
    }
}
