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
internal sealed class GrokkingPolyRecipe() : SweepRecipe<GrokkingPolySettings, GrokkingPolyRun, NoFacts>("grokking-poly",
    "Grokking on polynomial regression: train/test MSE and effective parameters under full-batch GD, ε sweep (paper Figs. 4, 11)",
    GrokkingPolySettings.Schema)
{
    protected override void Run(RunContext context, GrokkingPolySettings s)
    {
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
        GrokkingSubRuns.Run(Sweep, context, s, new NoFacts(), plan, GrokkingPolyOutput.Columns(s), "ε × seed",
            (run, sub) => new GrokkingPolyTrainer(s, task, run.Seed).Run(run, sub));
    }

    protected override void WriteOutputs(RunContext context, GrokkingPolySettings s, NoFacts facts, IReadOnlyList<GrokkingPolyRun> results,
        MetricsCsvWriter? liveMetrics) =>
        GrokkingSubRuns.WriteOutputs(context, s, results, liveMetrics, GrokkingPolyOutput.Columns(s), (csv, r, p, net) => GrokkingPolyOutput.WriteRow(s, csv, r, p, net),
            runs => new GrokkingPolyOutput(context, s, new GrokkingPolyAnalysis(runs, s)).Write());
}
