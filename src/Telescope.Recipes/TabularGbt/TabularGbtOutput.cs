using static Telescope.Recipes.TabularGbt.TabularGbtFindings;

namespace Telescope.Recipes.TabularGbt;

/// <summary>
/// Writes the tabular-gbt run folder from the data sets' results: metrics.csv (the network's training curve per data set, live while training or at once when merging shards), pi_metrics.csv
/// (every repetition at every π), summary.json, one figure pair per data set (ρ or Δ against π on top, W(π) of
/// both models below; and the training curve) and report.md with the judged claims of <see cref="TabularGbtFindings"/>.
/// </summary>
internal sealed class TabularGbtOutput(RunContext context, TabularGbtSettings s, TabularGbtFindings findings)
{
    private IReadOnlyList<long> Seeds => findings.Seeds;
    private bool Seeded => findings.Seeded;
    private IReadOnlyList<DatasetGroup> Groups => findings.Groups;

    public static readonly string[] CurveColumns =
    [
        "train_batch_mse", "train_mse", "tracked_mse",
        "surrogate_vs_network", "telescoped_vs_network", "surrogate_vs_telescoped",
        "p_train", "p_tracked",
    ];

    private static readonly string[] PiColumns = ["pi", "mse_nn", "mse_gbt", "mse_constant", "delta", "max_w_nn", "max_w_gbt", "w_nn", "w_gbt"];

    /// <summary>metrics.csv from the results (a merge; a live run writes its rows with <see cref="WritePoint"/> while training).</summary>
    public void WriteCurveMetrics()
    {
        using var csv = context.Folder.OpenMetrics(CurveColumns);
        foreach (var o in findings.Outcomes)
            foreach (var p in o.Nn.Curve) WritePoint(csv, o.Label, p);
    }

    /// <summary>The metrics.csv row of one point of a network's training curve.</summary>
    public static void WritePoint(MetricsCsvWriter csv, string dataset, NeuralPoint p) =>
        csv.WriteRow(dataset, p.Step, p.BatchMse, p.TrainMse, p.TrackedMse,
            p.Fidelity.SurrogateVsNetwork, p.Fidelity.TelescopedVsNetwork, p.Fidelity.SurrogateVsTelescoped,
            p.PTrain, p.PTracked);

    /// <summary>pi_metrics.csv: every repetition at every π.</summary>
    public void WritePiMetrics()
    {
        using var pi = context.Folder.OpenMetrics(PiColumns, "pi_metrics.csv");
        foreach (var o in findings.Outcomes)
        {
            var baseline = o.Repetitions.Where(r => r.Pi == 0).ToDictionary(r => r.Repetition);
            foreach (var r in o.Repetitions)
                pi.WriteRow($"{o.Label}/r{r.Repetition}", (long)Math.Round(r.Pi * 10), r.Pi, r.MseNn, r.MseGbt, r.MseConstant, r.Delta,
                    r.MaxWNn, r.MaxWGbt, r.MaxWNn / baseline[r.Repetition].MaxWNn, r.MaxWGbt / baseline[r.Repetition].MaxWGbt);
        }
    }

    /// <summary>
    /// summary.json: per data set and π (and per data set) the one run's values with one seed; with several, the
    /// <see cref="SeedAggregate.Combine"/> of the per-seed entries (means and sds over seeds of the values that are
    /// themselves averages over the R test-set draws; each seed's own draw sds stay in <c>per_seed</c>).
    /// </summary>
    public void WriteSummary()
    {
        static Dictionary<string, object?> PiEntry(DatasetOutcome o, PiPoint p) => new()
        {
            ["dataset"] = o.Name,
            ["pi"] = p.Pi,
            ["mse_nn"] = p.MseNn,
            ["mse_gbt"] = p.MseGbt,
            ["mse_constant"] = p.MseConstant,
            ["delta"] = p.Delta,
            ["delta_std"] = p.DeltaStd,
            ["relative_gap_increase"] = double.IsFinite(p.RelativeGapIncrease) ? p.RelativeGapIncrease : null,
            ["w_nn"] = p.WNn,
            ["w_nn_std"] = p.WNnStd,
            ["w_gbt"] = p.WGbt,
            ["w_gbt_std"] = p.WGbtStd,
        };
        static Dictionary<string, object?> DatasetEntry(DatasetOutcome o) => new()
        {
            ["dataset"] = o.Name,
            ["source_rows"] = o.Data.SourceRows,
            ["features"] = o.Data.Features,
            ["train_rows"] = o.Data.TrainRows,
            ["pool_rows"] = o.Data.PoolRows,
            ["irregular_pool_rows"] = o.Data.IrregularPoolRows,
            ["tracked_rows"] = o.Data.TrackedRows,
            ["gbt_smoother_max_abs_error"] = o.Gbt.SmootherMaxAbsError,
            ["gbt_smoother_max_abs_error_train"] = o.Gbt.SmootherMaxAbsErrorTrain,
            ["gbt_smoother_max_abs_error_tracked"] = o.Gbt.SmootherMaxAbsErrorTracked,
            ["gbt_max_abs_label"] = o.Gbt.MaxAbsLabel,
            ["gbt_kernel_row_sum_min"] = o.Gbt.MinKernelRowSum,
            ["gbt_kernel_row_sum_max"] = o.Gbt.MaxKernelRowSum,
            ["gbt_num_leaves"] = o.Gbt.Options.NumLeaves,
            ["gbt_min_data_in_leaf"] = o.Gbt.Options.MinDataInLeaf,
            ["gbt_rounds"] = o.Gbt.Options.NumRounds,
            ["gbt_learning_rate"] = o.Gbt.Options.LearningRate,
            ["gbt_validation_mse"] = o.Gbt.ValidationMse,
            ["gbt_train_mse"] = o.Gbt.TrainMse,
            ["nn_train_mse"] = o.Nn.Final.TrainMse,
            ["nn_fidelity_surrogate_vs_network"] = o.Nn.Final.Fidelity.SurrogateVsNetwork,
            ["nn_fidelity_telescoped_vs_network"] = o.Nn.Final.Fidelity.TelescopedVsNetwork,
            ["nn_fidelity_surrogate_vs_telescoped"] = o.Nn.Final.Fidelity.SurrogateVsTelescoped,
            ["nn_mean_abs_prediction"] = o.Nn.MeanAbsPrediction,
            ["nn_fidelity_by_subset"] = o.Nn.FinalFidelity.ToDictionary(kv => kv.Key, kv => new Dictionary<string, double>
            {
                ["surrogate_vs_network"] = kv.Value.SurrogateVsNetwork,
                ["telescoped_vs_network"] = kv.Value.TelescopedVsNetwork,
                ["surrogate_vs_telescoped"] = kv.Value.SurrogateVsTelescoped,
            }),
            ["nn_p_train"] = o.Nn.Final.PTrain,
            ["nn_p_tracked"] = o.Nn.Final.PTracked,
            ["delta_zero_is_tiny"] = o.DeltaZeroIsTiny,
            ["nn_seconds"] = Math.Round(o.Nn.WallTime.TotalSeconds, 2),
            ["gbt_seconds"] = Math.Round(o.Gbt.WallTime.TotalSeconds, 2),
        };
        // One seed's entry as it is, several seeds' entries combined.
        object OfSeeds(IEnumerable<object> perSeed) => Seeded ? SeedAggregate.Combine(Seeds, perSeed.ToList()) : perSeed.First();
        var summary = new Dictionary<string, object?>
        {
            ["recipe"] = "tabular-gbt",
            ["target_scale"] = "standardized with training statistics",
        };
        if (Seeded) summary["seeds"] = Seeds;
        summary["results"] = Groups.SelectMany(g => g.Pis.Select((_, i) => OfSeeds(g.Runs.Select(o => PiEntry(o, o.Points[i]))))).ToList();
        summary["datasets"] = Groups.Select(g => OfSeeds(g.Runs.Select(DatasetEntry))).ToList();
        context.Folder.WriteSummary(summary);
        RunFindings.Write(context.Folder, findings.RunFindings());
    }

    public void WriteReport()
    {
        var report = context.CreateReport("Neural network vs gradient boosted trees on irregular inputs",
        [
            ("irregularity score", s.Irregularity == "knn"
                ? "mean Euclidean distance to the 10 nearest training rows (standardized features)"
                : "Mahalanobis distance to the training rows (training mean and covariance + 1e-6·I, standardized features)"),
            ("irregular pool", "the top 10% of the test pool by irregularity score; the rest is the regular pool"),
            ("T_π", $"{s.TestSize} rows: round(π·m) from the irregular pool, the rest from the regular pool; {s.Repetitions} seeded repetitions (drawn from seed {context.Seed}, shared by every seed repetition)"),
            ("seeds", Seeded
                ? $"{Seeds.Count} repetitions (seeds {string.Join(", ", Seeds)}): each seed draws the network's initialization and batch order and LightGBM's tuning split and seed; the training rows, the test pool and the T_π draws are shared. ± = sd over the seeds"
                : $"one repetition (seed {context.Seed}): one trained network and one tree ensemble per data set; ± = sd over the R test-set draws"),
            ("MSE", "mean squared error on T_π in the standardized target scale; the constant predictor predicts the training mean (0)"),
            ("Δ(π)", "MSE_NN(T_π) − MSE_GBT(T_π); positive = the trees are better"),
            ("ρ(π)", "(Δ̄(π) − Δ̄(0)) / |Δ̄(0)| from the repetition-averaged gaps Δ̄ (relative increase of the gap)"),
            ("w(x)", s.WeightNorm == TabularGbtSettings.TangentKernel
                ? "for the network ‖K_T(x, X_train)‖₂, the norm of the final network's tangent-kernel row (the docs/method.md §7 option; a kernel, not a smoother, so its scale is not comparable to the trees'); for the trees ‖S_B(x)‖₂, the norm of the smoother row from the leaf-kernel recursion (docs/method.md §6)"
                : "‖S_T(x)‖₂, the norm of the smoother row of x: for the network the exact SGD kernel recursion (docs/method.md §4.2), for the trees the leaf-kernel recursion (docs/method.md §6)"),
            ("W(π)", "max_{x∈T_π} w(x) / max_{x∈T_0} w(x) per repetition, then averaged over repetitions, per model"),
            ("f̂, f̃, f", "the network's surrogate S_T·Y + c_T, its telescoping model and the network itself (fidelity check, docs/method.md §4)"),
            ("p", "effective parameters n/|I|·Σ‖s(x)‖² (docs/method.md §5.1) on the training rows and the tracked rows"),
        ]);

        report.Heading("Setup").Bullets(
        [
            $"Data: {string.Join(", ", Groups.Select(g => g.First).Select(o => $"{o.Name} ({o.Data.SourceRows} rows, {o.Data.Features} features)"))}, with the benchmark's preprocessing; " +
                $"a seeded subset of n = {s.TrainSize} training rows and a disjoint test pool; features and target standardized with training statistics.",
            $"Network: MLP {string.Join("-", s.Hidden)} hidden, {s.Activation}, {context.DType}, squared loss ½(f − y)² (c = 1, batch mean), " +
                $"plain SGD lr {Format(s.LearningRate)}, batch {s.BatchSize}, {s.Steps} steps; smoother accumulated in float64.",
            $"Trees: LightGBM gbdt, η = {Format(s.GbtLearningRate)}, λ_l1 = λ_l2 = 0, no bagging/GOSS, path_smooth = 0, max_delta_step = 0, boost from the label mean; " +
                $"num_leaves ∈ [{string.Join(", ", s.GbtLeaves)}], min_data_in_leaf ∈ [{string.Join(", ", s.GbtMinDataInLeaf)}] and the number of rounds (≤ {s.GbtMaxRounds}) " +
                $"chosen on a seeded {Format(s.GbtValidationFraction)} validation share of the training rows, then refitted on all n rows.",
            $"Cost: {findings.Outcomes.Count} sub-runs ({Groups.Count} data set(s) × {Seeds.Count} seed{(Seeded ? "s" : "")}) took {Format(findings.Outcomes.Sum(o => o.Nn.WallTime.TotalSeconds + o.Gbt.WallTime.TotalSeconds))} s of training in total (network and trees); every extra seed repeats all of them.",
            "Tracked rows: the union of the pool rows that appear in any T_π (the only test rows whose smoother rows are needed); " +
                string.Join("; ", Groups.Select(g => g.First).Select(o => $"{o.Name}: {o.Data.TrackedRows} of {o.Data.PoolRows} pool rows ({o.Data.IrregularPoolRows} irregular)")) + ".",
        ]);

        report.Heading("Findings").Paragraph(s.Verdicts.Describe() + " " + SpreadText);
        foreach (var d in findings.Datasets) report.Heading(d.Group.Name, 3).Bullets(Findings(d));
        if (Groups.Count > 1) report.Heading("Across data sets", 3).Bullets(Overall());

        report.Heading("Results by π").Paragraph(Seeded
            ? $"Mean ± sd over the {Seeds.Count} seeds of the values averaged over the R = {s.Repetitions} test-set draws " +
              "(each seed's sd over the draws is in `summary.json` → `per_seed`, and every draw in `pi_metrics.csv`)."
            : $"Values averaged over the R = {s.Repetitions} test-set draws; Δ and W ± their sd over the draws (every draw in `pi_metrics.csv`).");
        foreach (var g in Groups)
            report.Heading(g.Name, 3).Table(Enumerable.Range(0, g.Pis.Length).ToList(),
                ("π", i => g.Pis[i]), ("MSE NN", i => PiText(g, i, p => p.MseNn)), ("MSE GBT", i => PiText(g, i, p => p.MseGbt)),
                ("MSE const", i => PiText(g, i, p => p.MseConstant)), ("Δ", i => PiText(g, i, p => p.Delta, p => p.DeltaStd)),
                ("ρ", i => PiText(g, i, p => p.RelativeGapIncrease)), ("W_NN", i => PiText(g, i, p => p.WNn, p => p.WNnStd)),
                ("W_GBT", i => PiText(g, i, p => p.WGbt, p => p.WGbtStd)));

        report.Heading("Figures");
        string band = Seeded ? $" Lines: mean over {Seeds.Count} seeds; bands: ±1 sd over the seeds." : "";
        foreach (var (g, tiny) in findings.Datasets.Select(d => (d.Group, d.Tiny)))
        {
            report.Figure(context.Folder.SaveFigure(GapAndWeights(g, tiny), $"gap_and_weights_{g.Name}"),
                $"{g.Name}: " + (tiny ? "Δ(π) = MSE_NN − MSE_GBT (|Δ(0)| is tiny, so ρ is not shown)" : "relative increase of the MSE gap ρ(π)") +
                 " (top) and normalized maximum kernel weight norm W(π) of both models (bottom), averaged over repetitions (standard deviations in the table above and per repetition in pi_metrics.csv)." + band);
            report.Figure(context.Folder.SaveFigure(TrainingCurve(g), $"training_{g.Name}"),
                $"{g.Name}: the network's MSE on all training rows and on the tracked pool rows during SGD, with LightGBM's MSE on the tracked rows (dashed) (top); the smoother's and the telescoping model's mean distance to the network on the tracked rows (bottom)." + band);
        }
        report.Heading("Files").Bullets(
        [
            "`metrics.csv`: the network's training curve, run = data set, step = SGD step; train_batch_mse (mean batch MSE since the previous row), " +
                "train_mse and tracked_mse (network on all training rows / on the tracked pool rows), the fidelity gaps on the tracked rows " +
                "(surrogate_vs_network = |f̂ − f|, telescoped_vs_network = |f̃ − f|, surrogate_vs_telescoped = |f̂ − f̃|), p_train and p_tracked.",
            "`pi_metrics.csv`: every test set, run = `<data set>/r<repetition>` (`<data set>_seed=<seed>/r<repetition>` with several seeds), step = 10·π; pi, mse_nn, mse_gbt, mse_constant, delta, " +
                "max_w_nn and max_w_gbt (max of w over T_π), w_nn and w_gbt (the same divided by its repetition's T_0 maximum).",
            "`summary.json`: `results` (one row per data set and π, averaged over repetitions, with standard deviations) and `datasets` " +
                "(sizes, the GBT smoother check `gbt_smoother_max_abs_error`, the chosen LightGBM settings, the network's fidelity and cost).",
        ]);
        context.Folder.WriteReport(report.ToString());
    }

    /// <summary>Which spread the verdicts and the ± numbers are judged against.</summary>
    private string SpreadText => Seeded
        ? $"Here the noise is the spread over the {Seeds.Count} seeds (each seed retrains the network and the trees on the same training rows; " +
          $"each seed's value at a π is already the mean over the R = {s.Repetitions} test-set draws, which the seeds share): gaps are judged against sd/√{Seeds.Count}, trends take every seed's value as a point. " +
          "The spread of the test-set draws around one trained pair is a different, smaller noise: it is in each seed's entry (`per_seed`) and in pi_metrics.csv."
        : "Here the noise is the spread over the R test-set draws around one trained network and one tree ensemble per data set (one seed): it does not include retraining noise.";

    private List<string> Findings(DatasetFindings claims)
    {
        var f = new List<string>();
        var g = claims.Group;
        string Of(Func<DatasetOutcome, double> pick) => Text(g.Runs.Select(pick));
        f.Add($"Test error at π = 0 (standardized target): network {Of(o => o.First.MseNn)}, LightGBM {Of(o => o.First.MseGbt)}, constant predictor {Of(o => o.First.MseConstant)} — " +
            (claims.BothBeatConstant
                ? $"both models are far better than the constant ({Format(g.Mean(o => o.First.MseNn) / g.Mean(o => o.First.MseConstant))} and {Format(g.Mean(o => o.First.MseGbt) / g.Mean(o => o.First.MseConstant))} of its MSE)."
                : "at least one model is NOT better than the constant predictor; the comparison below is not meaningful."));
        string spread = Seeded ? "mean ± sd over the seeds" : "sd over the test-set draws";
        f.Add($"Gap at π = 0: Δ̄(0) = {PiText(g, 0, p => p.Delta, p => p.DeltaStd)} ({spread}). " +
            claims.GbtBetterAtZero.About("The paper finds LightGBM better already on regular inputs"));
        int steps = g.Pis.Length - 1;
        string shape = $" Δ̄ rises in {claims.Rises} of the {steps} steps of the π grid" + (claims.Rises == steps ? " (monotone)." : " (not monotone).");
        string gapClaim = claims.GapGrows.Verdict.About("The paper finds the gap growing with π");
        string delta1 = PiText(g, ^1, p => p.Delta, p => p.DeltaStd);
        if (claims.Tiny)
            f.Add($"|Δ(0)| is below {Format(s.TinyGap)} of the constant predictor's MSE, so ρ(π) would divide by a tiny number; the figure shows Δ(π) instead. " +
                $"Δ(1) = {delta1}. " + gapClaim + shape);
        else
            f.Add($"Gap against π: ρ(1) = {Of(o => o.Last.RelativeGapIncrease)} (Δ(1) = {delta1}). " + gapClaim +
                (g.Mean(o => o.First.Delta) <= 0 && claims.GapGrows.Verdict.Outcome == VerdictOutcome.Agrees ? " (Since the network was better at π = 0, a growing Δ means its advantage shrinks or reverses on irregular inputs.)" : "") + shape);
        f.Add($"Kernel weights: W_GBT(1) = {PiText(g, ^1, p => p.WGbt, p => p.WGbtStd)}. " + claims.Flat.About("The paper finds W_GBT flat at every π"));
        double wNn1 = g.Mean(o => o.Last.WNn), wGbt1 = g.Mean(o => o.Last.WGbt);
        f.Add($"W_NN(1) = {PiText(g, ^1, p => p.WNn, p => p.WNnStd)} vs W_GBT(1) = {Of(o => o.Last.WGbt)}. " + claims.WNnGrows.Verdict.About("The paper finds the network's largest kernel weight norm growing with π") +
            (claims.NnAboveGbtAtOne ? $" W_NN(1) − 1 = {Format(wNn1 - 1)} exceeds W_GBT(1) − 1 = {Format(wGbt1 - 1)}." : " W_NN(1) does NOT exceed W_GBT(1)."));
        double worst = g.Runs.Max(o => o.Gbt.SmootherMaxAbsError);
        var first = g.First;
        f.Add($"GBT smoother check{(Seeded ? " (worst over the seeds)" : "")}: max |S_B·Y − LightGBM prediction| = {Format(g.Runs.Max(o => o.Gbt.SmootherMaxAbsErrorTrain))} on the {first.Data.TrainRows} training rows and {Format(g.Runs.Max(o => o.Gbt.SmootherMaxAbsErrorTracked))} on the {first.Data.TrackedRows} tracked rows " +
            (claims.SmootherPasses ? $"(passes at {Format(TabularGbtFindings.SmootherTolerance)})"
                : $"(FAILS the absolute {Format(TabularGbtFindings.SmootherTolerance)} check; relative to the largest |y| = {Format(first.Gbt.MaxAbsLabel)} it is {Format(worst / first.Gbt.MaxAbsLabel)}: " +
                  "LightGBM computes residuals in float32, so its rounding error grows with the size of the residuals)") +
            $"; tree smoother rows sum to [{Format(g.Runs.Min(o => o.Gbt.MinKernelRowSum))}, {Format(g.Runs.Max(o => o.Gbt.MaxKernelRowSum))}]. " +
            "Chosen: " + string.Join("; ", g.Runs.Select(o => $"{o.Gbt.Options.NumLeaves} leaves, min_data_in_leaf {o.Gbt.Options.MinDataInLeaf}, {o.Gbt.Options.NumRounds} rounds (validation MSE {Format(o.Gbt.ValidationMse)}{(Seeded ? $", seed {o.Seed}" : "")})")) + ".");
        f.Add($"Network smoother fidelity on the tracked rows (mean |·|, network outputs have mean |f| = {Of(o => o.Nn.MeanAbsPrediction)}): |f̂ − f| = {Of(o => o.Nn.Final.Fidelity.SurrogateVsNetwork)}, " +
            $"|f̃ − f| = {Of(o => o.Nn.Final.Fidelity.TelescopedVsNetwork)}, |f̂ − f̃| = {Of(o => o.Nn.Final.Fidelity.SurrogateVsTelescoped)}; by subset " +
            string.Join("; ", first.Nn.FinalFidelity.Keys.Select(k => $"{k} rows: {Of(o => o.Nn.FinalFidelity[k].SurrogateVsNetwork)}, {Of(o => o.Nn.FinalFidelity[k].TelescopedVsNetwork)}, {Of(o => o.Nn.FinalFidelity[k].SurrogateVsTelescoped)}")) + ". " +
            "f̂ is exact for the surrogate run that uses its own predictions in the residuals; the gap to f is what that surrogate and the first-order telescoping steps leave out.");
        double nnSeconds = g.Runs.Sum(o => o.Nn.WallTime.TotalSeconds);
        int sgdSteps = g.Runs.Sum(o => o.Nn.Curve[^1].Step);
        f.Add($"Network: final training MSE {Of(o => o.Nn.Final.TrainMse)} (trees {Of(o => o.Gbt.TrainMse)}); effective parameters p_train = {Of(o => o.Nn.Final.PTrain)}, p_tracked = {Of(o => o.Nn.Final.PTracked)} of n = {first.Data.TrainRows}. " +
            $"Cost{(Seeded ? $" (all {Seeds.Count} seeds)" : "")}: {Format(nnSeconds)} s for {sgdSteps} SGD steps with {first.Data.TrainRows + first.Data.TrackedRows} smoother rows of length {first.Data.TrainRows} " +
            $"({Format(1000 * nnSeconds / Math.Max(1, sgdSteps))} ms/step); LightGBM tuning, fit and smoother {Format(g.Runs.Sum(o => o.Gbt.WallTime.TotalSeconds))} s.");
        return f;
    }

    private IEnumerable<string> Overall()
    {
        var claims = findings.Datasets;
        int n = claims.Count;
        string Count(Func<DatasetFindings, VerdictOutcome> pick) =>
            $"agrees on {claims.Count(c => pick(c) == VerdictOutcome.Agrees)}, does not on {claims.Count(c => pick(c) == VerdictOutcome.Disagrees)}, inconclusive on {claims.Count(c => pick(c) == VerdictOutcome.Inconclusive)} of {n} data sets";
        yield return $"LightGBM better at π = 0: {Count(c => c.GbtBetterAtZero.Outcome)}. The gap grows with π: {Count(c => c.GapGrows.Verdict.Outcome)}.";
        yield return $"W_GBT flat on {claims.Count(c => c.Flat.Outcome == VerdictOutcome.Agrees)} of {n}. " +
            $"W_NN grows with π: {Count(c => c.WNnGrows.Verdict.Outcome)}; W_NN(1) above W_GBT(1) on {claims.Count(c => c.NnAboveGbtAtOne)} of {n}.";
    }

    /// <summary>Report text: mean ± sd over the seeds (the value itself with one seed).</summary>
    private static string Text(IEnumerable<double> values) => SeedAggregate.Text(values, Format);

    /// <summary>A value at π index <paramref name="at"/>: <see cref="Text"/> over the seeds; with one seed ± its sd over the draws where given.</summary>
    private string PiText(DatasetGroup g, Index at, Func<PiPoint, double> mean, Func<PiPoint, double>? drawSd = null) => Seeded || drawSd is null
        ? Text(g.Runs.Select(o => mean(o.Points[at]))) : $"{Format(mean(g.First.Points[at]))} ± {Format(drawSd(g.First.Points[at]))}";

    private static StackedChart GapAndWeights(DatasetGroup g, bool tiny)
    {
        var top = tiny
            ? new LineChart { Title = $"{g.Name}: MSE gap (|Δ(0)| tiny)", YLabel = "Δ(π) = MSE_NN − MSE_GBT" }.AddSeeded("Δ(π)", g.Curve(p => p.Delta), markers: true)
            : new LineChart { Title = $"{g.Name}: relative increase of the MSE gap", YLabel = "ρ(π)" }.AddSeeded("ρ(π)", g.Curve(p => p.RelativeGapIncrease), markers: true);
        var bottom = new LineChart { XLabel = "π (share of irregular test inputs)", YLabel = "W(π)" }
            .AddSeeded("neural network", g.Curve(p => p.WNn), markers: true)
            .AddSeeded("gradient boosted trees", g.Curve(p => p.WGbt), markers: true);
        return new StackedChart(top, bottom);
    }

    private static StackedChart TrainingCurve(DatasetGroup g)
    {
        var curves = g.Runs.Select(o => (IReadOnlyList<NeuralPoint>)o.Nn.Curve).ToList();
        var steps = g.First.Nn.Curve.Select(p => (double)p.Step).ToArray();
        double gbtTracked = g.Runs.Average(o => GbtArm.Mse(o.Gbt.TrackedPredictions, o.Data.TrackedTarget));
        var mse = new LineChart { Title = $"{g.Name}: network training (SGD)", YLabel = "MSE (standardized target)", LogY = true }
            .AddSeeded("NN, training rows", SeededPoints.Of(curves, p => p.Step, p => p.TrainMse))
            .AddSeeded("NN, tracked pool rows", SeededPoints.Of(curves, p => p.Step, p => p.TrackedMse))
            .AddSeries("GBT, tracked pool rows", [steps[0], steps[^1]], [gbtTracked, gbtTracked], dashed: true);
        var later = g.Runs.Select(o => (IReadOnlyList<NeuralPoint>)o.Nn.Curve.Where(p => p.Step > 0).ToList()).ToList();   // all gaps are 0 at step 0
        var fidelity = new LineChart { XLabel = "step", YLabel = "mean |gap| on tracked rows", LogY = true }
            .AddSeeded("smoother S·Y + c vs network", SeededPoints.Of(later, p => p.Step, p => p.Fidelity.SurrogateVsNetwork))
            .AddSeeded("telescoping model vs network", SeededPoints.Of(later, p => p.Step, p => p.Fidelity.TelescopedVsNetwork), dashed: true);
        return new StackedChart(mse, fidelity);
    }
}
