using Telescope.Data.Tabular;

namespace Telescope.Recipes.TabularGbt;

/// <summary>
/// docs/method.md §9 row "tabular-gbt" (paper Figs. 5, 14): an MLP trained with plain SGD (its smoother exact by the
/// kernel recursion, docs/method.md §4.2) against LightGBM under identity-preserving settings (its smoother exact by the
/// leaf-kernel recursion, docs/method.md §6), on test sets with a growing share π of irregular inputs (docs/method.md §7): the
/// relative increase of the MSE gap ρ(π) and the normalized maximum kernel weight norm W(π) of both models.
/// </summary>
/// <remarks>
/// Its sub-runs are the data sets at every seed of <c>seeds</c>: they shard (<c>--shard i/N</c>) and merge (<see cref="Merge"/>), and the
/// network arm checkpoints every SGD step (the LightGBM arm, seconds long, is stored once it has finished).
/// </remarks>
/// <param name="loader">Supplies the data sets by suite name (no data folder needed); null reads them from the shared
/// data folder (<c>--data</c> or TELESCOPE_DATA).</param>
internal sealed class TabularGbtRecipe(Func<string, TabularDataset>? loader = null) : SweepRecipe<TabularGbtSettings, DatasetOutcome, NoFacts>("tabular-gbt",
    "Neural network (SGD, exact smoother) vs LightGBM on irregular tabular inputs: MSE gap and kernel weight norms against π (paper Figs. 5, 14)",
    TabularGbtSettings.Schema)
{
    /// <summary>Suite names accepted by the <c>datasets</c> setting.</summary>
    public static IReadOnlyList<string> DatasetNames { get; } = Enum.GetValues<TabularBenchmark>().Select(TabularSuite.NameOf).ToArray();

    protected override void Run(RunContext context, TabularGbtSettings s)
    {
        Activation activation;
        try { activation = Activation.Parse(s.Activation); }
        catch (ArgumentException e) { throw new TelescopeException(e.Message); }
        if (s.BatchSize > s.TrainSize)
            throw new TelescopeException($"batch_size = {s.BatchSize} exceeds train_size = {s.TrainSize}.") { Hint = "Use a smaller batch." };

        // Every data set is read and checked before any training: a bad file stops the run at once.
        var sources = TabularSources.Load(context, s, loader);
        // Sub-run k = data set k / S at seed k % S: every data set at every seed repetition.
        var seeds = s.Seeds;
        Sweep.Run(context, new NoFacts(), s.Datasets.Count * seeds.Count, TabularGbtOutput.CurveColumns,   // metrics.csv: the training curves, row by row
            assigned => $"{assigned} of {s.Datasets.Count * seeds.Count} sub-runs (data set × seed) × {s.Steps} SGD steps", _ => s.Steps, sub =>
            {
                int k = sub.Index;
                var raw = sources[k / seeds.Count];
                long runSeed = seeds[k % seeds.Count];
                int seed = (int)(runSeed & int.MaxValue);
                string name = raw.Name;
                string label = seeds.Count > 1 ? $"{name}_seed={runSeed}" : name;
                var data = TabularGbtData.Prepare(raw, s.TrainSize, s.PoolSize, s.TestSize, s.Repetitions, s.IrregularityMethod, (ulong)context.Seed);
                context.Progress.Message($"{name}: n = {data.Train.Rows}, {data.Train.Columns} features, pool {data.PoolRows} rows, {data.Tracked.Rows} tracked");
                // The trees take seconds: a resumed data set reuses their stored result instead of checkpointing inside LightGBM.
                var gbt = sub.Resume is not null
                    ? sub.LoadValue<GbtResult>(CurrentGbt)
                    : GbtArm.Run(data, s, seed, context.CancellationToken);
                context.Progress.Message($"{name}: LightGBM {gbt.Options.NumLeaves} leaves, min leaf {gbt.Options.MinDataInLeaf}, {gbt.Options.NumRounds} rounds; |S·Y − LightGBM| ≤ {gbt.SmootherMaxAbsError:G3}");
                var nnResult = NeuralArm.Run(data, s, activation, seed, point => TabularGbtOutput.WritePoint(sub.Metrics, label, point), sub,
                    sub.State().Add(state => SweepSubRun.SaveValue(state, CurrentGbt, gbt), _ => { }));
                // Targets are standardized with training statistics, so the constant predictor (training mean) is 0.
                var reps = PiAnalysis.Repetitions(data.TestSets, data.Tracked.Target, nnResult.TrackedPredictions, gbt.TrackedPredictions,
                    0.0, nnResult.TrackedWeightNorms, gbt.TrackedWeightNorms);
                var points = PiAnalysis.Average(reps);
                bool tiny = Math.Abs(points[0].Delta) < s.TinyGap * points[0].MseConstant;
                return new DatasetOutcome(name, runSeed, seeds.Count > 1, DatasetFacts.Of(data), nnResult, gbt, reps, points, tiny);
            });
    }

    /// <summary>Key (inside the sub-run's scope) of the GBT arm's result of the data set in flight.</summary>
    private const string CurrentGbt = "gbt";

    /// <summary>The π metrics, summary and report from every data set (and, for a merge, the curves' rows, which a run writes as it trains).</summary>
    protected override void WriteOutputs(RunContext context, TabularGbtSettings s, NoFacts facts, IReadOnlyList<DatasetOutcome> outcomes,
        MetricsCsvWriter? liveMetrics)
    {
        var output = new TabularGbtOutput(context, s, new TabularGbtFindings(outcomes, s));
        if (liveMetrics is null) output.WriteCurveMetrics();
        output.WritePiMetrics();
        output.WriteSummary();
        output.WriteReport();
    }
}
