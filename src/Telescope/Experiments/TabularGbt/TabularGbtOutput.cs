using System.Globalization;
using Telescope.Reporting;
using Telescope.Verdicts;

namespace Telescope.Experiments.TabularGbt;

/// <summary>
/// Writes the tabular-gbt run folder from the data sets' results: metrics.csv (the network's training curve per data set, live while training or at once when merging shards), pi_metrics.csv
/// (every repetition at every π), summary.json, one figure pair per data set (ρ or Δ against π on top, W(π) of
/// both models below; and the training curve) and report.md with findings computed from the measurements.
/// </summary>
internal sealed class TabularGbtOutput(RunContext context, IReadOnlyList<DatasetOutcome> outcomes)
{
    /// <summary>The GBT smoother check passes at this tolerance (SPEC §4).</summary>
    public const double SmootherTolerance = 1e-8;

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
        foreach (var o in outcomes)
            foreach (var p in o.Nn.Curve) WritePoint(csv, o.Name, p);
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
        foreach (var o in outcomes)
        {
            var baseline = o.Repetitions.Where(r => r.Pi == 0).ToDictionary(r => r.Repetition);
            foreach (var r in o.Repetitions)
                pi.WriteRow($"{o.Name}/r{r.Repetition}", (long)Math.Round(r.Pi * 10), r.Pi, r.MseNn, r.MseGbt, r.MseConstant, r.Delta,
                    r.MaxWNn, r.MaxWGbt, r.MaxWNn / baseline[r.Repetition].MaxWNn, r.MaxWGbt / baseline[r.Repetition].MaxWGbt);
        }
    }

    public void WriteSummary()
    {
        var results = outcomes.SelectMany(o => o.Points.Select(p => new Dictionary<string, object?>
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
        })).ToList();
        var datasets = outcomes.Select(o => new Dictionary<string, object?>
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
        }).ToList();
        context.Folder.WriteSummary(new Dictionary<string, object?>
        {
            ["recipe"] = "tabular-gbt",
            ["target_scale"] = "standardized with training statistics",
            ["results"] = results,
            ["datasets"] = datasets,
        });
    }

    public void WriteReport()
    {
        var s = context.Settings;
        var report = context.CreateReport("Neural network vs gradient boosted trees on irregular inputs",
        [
            ("irregularity score", s.GetString("irregularity") == "knn"
                ? "mean Euclidean distance to the 10 nearest training rows (standardized features)"
                : "Mahalanobis distance to the training rows (training mean and covariance + 1e-6·I, standardized features)"),
            ("irregular pool", "the top 10% of the test pool by irregularity score; the rest is the regular pool"),
            ("T_π", $"{s.GetInt("test_size")} rows: round(π·m) from the irregular pool, the rest from the regular pool; {s.GetInt("repetitions")} seeded repetitions"),
            ("MSE", "mean squared error on T_π in the standardized target scale; the constant predictor predicts the training mean (0)"),
            ("Δ(π)", "MSE_NN(T_π) − MSE_GBT(T_π); positive = the trees are better"),
            ("ρ(π)", "(Δ̄(π) − Δ̄(0)) / |Δ̄(0)| from the repetition-averaged gaps Δ̄ (relative increase of the gap)"),
            ("w(x)", s.GetString("weight_norm") == "tangent-kernel"
                ? "for the network ‖K_T(x, X_train)‖₂, the norm of the final network's tangent-kernel row (the SPEC §5 option; a kernel, not a smoother, so its scale is not comparable to the trees'); for the trees ‖S_B(x)‖₂, the norm of the smoother row from the leaf-kernel recursion (SPEC §4)"
                : "‖S_T(x)‖₂, the norm of the smoother row of x: for the network the exact SGD kernel recursion (SPEC §2a), for the trees the leaf-kernel recursion (SPEC §4)"),
            ("W(π)", "max_{x∈T_π} w(x) / max_{x∈T_0} w(x) per repetition, then averaged over repetitions, per model"),
            ("f̂, f̃, f", "the network's surrogate S_T·Y + c_T, its telescoping model and the network itself (fidelity check, SPEC §2)"),
            ("p", "effective parameters n/|I|·Σ‖s(x)‖² (SPEC §3) on the training rows and the tracked rows"),
        ]);

        report.Heading("Setup").Bullets(
        [
            $"Data: {string.Join(", ", outcomes.Select(o => $"{o.Name} ({o.Data.SourceRows} rows, {o.Data.Features} features)"))}, with the benchmark's preprocessing; " +
                $"a seeded subset of n = {s.GetInt("train_size")} training rows and a disjoint test pool; features and target standardized with training statistics.",
            $"Network: MLP {string.Join("-", s.GetIntList("hidden"))} hidden, {s.GetString("activation")}, {context.DType}, squared loss ½(f − y)² (c = 1, batch mean), " +
                $"plain SGD lr {Format(s.GetDouble("lr"))}, batch {s.GetInt("batch_size")}, {s.GetInt("steps")} steps; smoother accumulated in float64.",
            $"Trees: LightGBM gbdt, η = {Format(s.GetDouble("gbt_lr"))}, λ_l1 = λ_l2 = 0, no bagging/GOSS, path_smooth = 0, max_delta_step = 0, boost from the label mean; " +
                $"num_leaves ∈ [{string.Join(", ", s.GetIntList("gbt_leaves"))}], min_data_in_leaf ∈ [{string.Join(", ", s.GetIntList("gbt_min_data_in_leaf"))}] and the number of rounds (≤ {s.GetInt("gbt_max_rounds")}) " +
                $"chosen on a seeded {Format(s.GetDouble("gbt_validation_fraction"))} validation share of the training rows, then refitted on all n rows.",
            "Tracked rows: the union of the pool rows that appear in any T_π (the only test rows whose smoother rows are needed); " +
                string.Join("; ", outcomes.Select(o => $"{o.Name}: {o.Data.TrackedRows} of {o.Data.PoolRows} pool rows ({o.Data.IrregularPoolRows} irregular)")) + ".",
        ]);

        report.Heading("Findings");
        report.Paragraph(Criteria.Describe() + " Here the noise is the spread over the R test-set draws (one trained network and one tree ensemble per data set).");
        foreach (var o in outcomes)
        {
            report.Heading(o.Name, 3);
            report.Bullets(Findings(o));
        }
        if (outcomes.Count > 1) report.Heading("Across data sets", 3).Bullets(Overall());

        report.Heading("Results by π");
        foreach (var o in outcomes)
        {
            report.Heading(o.Name, 3);
            report.Table(o.Points,
                ("π", p => p.Pi), ("MSE NN", p => p.MseNn), ("MSE GBT", p => p.MseGbt), ("MSE const", p => p.MseConstant),
                ("Δ", p => p.Delta), ("sd Δ", p => p.DeltaStd), ("ρ", p => p.RelativeGapIncrease),
                ("W_NN", p => p.WNn), ("sd", p => p.WNnStd), ("W_GBT", p => p.WGbt), ("sd ", p => p.WGbtStd));
        }

        report.Heading("Figures");
        foreach (var o in outcomes)
        {
            report.Figure(context.Folder.SaveFigure(GapAndWeights(o), $"gap_and_weights_{o.Name}"),
                $"{o.Name}: " + (o.DeltaZeroIsTiny ? "Δ(π) = MSE_NN − MSE_GBT (|Δ(0)| is tiny, so ρ is not shown)" : "relative increase of the MSE gap ρ(π)") +
                 " (top) and normalized maximum kernel weight norm W(π) of both models (bottom), averaged over repetitions (standard deviations in the table above and per repetition in pi_metrics.csv).");
            report.Figure(context.Folder.SaveFigure(TrainingCurve(o), $"training_{o.Name}"),
                $"{o.Name}: the network's MSE on all training rows and on the tracked pool rows during SGD, with LightGBM's MSE on the tracked rows (dashed) (top); the smoother's and the telescoping model's mean distance to the network on the tracked rows (bottom).");
        }
        report.Heading("Files").Bullets(
        [
            "`metrics.csv`: the network's training curve, run = data set, step = SGD step; train_batch_mse (mean batch MSE since the previous row), " +
                "train_mse and tracked_mse (network on all training rows / on the tracked pool rows), the fidelity gaps on the tracked rows " +
                "(surrogate_vs_network = |f̂ − f|, telescoped_vs_network = |f̃ − f|, surrogate_vs_telescoped = |f̂ − f̃|), p_train and p_tracked.",
            "`pi_metrics.csv`: every test set, run = `<data set>/r<repetition>`, step = 10·π; pi, mse_nn, mse_gbt, mse_constant, delta, " +
                "max_w_nn and max_w_gbt (max of w over T_π), w_nn and w_gbt (the same divided by its repetition's T_0 maximum).",
            "`summary.json`: `results` (one row per data set and π, averaged over repetitions, with standard deviations) and `datasets` " +
                "(sizes, the GBT smoother check `gbt_smoother_max_abs_error`, the chosen LightGBM settings, the network's fidelity and cost).",
        ]);
        context.Folder.WriteReport(report.ToString());
    }

    private double FlatTolerance => context.Settings.GetDouble(TabularGbtRecipe.FlatToleranceKey);
    private VerdictCriteria Criteria => context.Settings.GetVerdictCriteria();

    /// <summary>The paper's three claims on one data set, judged against the spread over the R test-set draws.</summary>
    private sealed record Claims(Verdict GbtBetterAtZero, TrendResult GapGrows, TrendResult WNnGrows, bool GbtFlat);

    private Claims Judge(DatasetOutcome o)
    {
        var byPi = o.Repetitions.GroupBy(r => r.Pi).OrderBy(g => g.Key).ToList();
        var baseline = o.Repetitions.Where(r => r.Pi == 0).ToDictionary(r => r.Repetition);
        var pis = byPi.Select(g => g.Key).ToList();
        var deltas = SeededSeries.FromSeeds(pis, byPi.Select(g => (IReadOnlyList<double>)g.Select(r => r.Delta).ToArray()).ToList());
        var wNn = SeededSeries.FromSeeds(pis, byPi.Select(g => (IReadOnlyList<double>)g.Select(r => r.MaxWNn / baseline[r.Repetition].MaxWNn).ToArray()).ToList());
        int reps = o.Repetitions.Count(r => r.Pi == 0);
        var p0 = o.First;
        var better = GapTest.ClearlyBelow(p0.MseGbt, p0.MseNn, reps > 1 ? p0.DeltaStd / Math.Sqrt(reps) : double.NaN, Criteria, ("MSE_GBT", "MSE_NN"));
        return new Claims(better, TrendTest.Judge(deltas, Criteria, TrendDirection.Grows), TrendTest.Judge(wNn, Criteria, TrendDirection.Grows),
            o.Points.Max(p => Math.Abs(p.WGbt - 1)) <= FlatTolerance);
    }

    private List<string> Findings(DatasetOutcome o)
    {
        var f = new List<string>();
        var p0 = o.First;
        var p1 = o.Last;
        var claims = Judge(o);
        f.Add($"Test error at π = 0 (standardized target): network {Format(p0.MseNn)}, LightGBM {Format(p0.MseGbt)}, constant predictor {Format(p0.MseConstant)} — " +
            (p0.MseNn < p0.MseConstant && p0.MseGbt < p0.MseConstant
                ? $"both models are far better than the constant ({Format(p0.MseNn / p0.MseConstant)} and {Format(p0.MseGbt / p0.MseConstant)} of its MSE)."
                : "at least one model is NOT better than the constant predictor; the comparison below is not meaningful."));
        f.Add($"Gap at π = 0: Δ(0) = {Format(p0.Delta)} ± {Format(p0.DeltaStd)} (sd over the test-set draws). " +
            claims.GbtBetterAtZero.About("The paper finds LightGBM better already on regular inputs"));
        int rises = o.Points.Zip(o.Points.Skip(1), (a, b) => b.Delta > a.Delta ? 1 : 0).Sum();
        string shape = $" Δ̄ rises in {rises} of the {o.Points.Count - 1} steps of the π grid" + (rises == o.Points.Count - 1 ? " (monotone)." : " (not monotone).");
        string gapClaim = claims.GapGrows.Verdict.About("The paper finds the gap growing with π");
        if (o.DeltaZeroIsTiny)
            f.Add($"|Δ(0)| is below {TinyGapText} of the constant predictor's MSE, so ρ(π) would divide by a tiny number; the figure shows Δ(π) instead. " +
                $"Δ(1) = {Format(p1.Delta)}. " + gapClaim + shape);
        else
            f.Add($"Gap against π: ρ(1) = {Format(p1.RelativeGapIncrease)} (Δ(1) = {Format(p1.Delta)} ± {Format(p1.DeltaStd)}). " + gapClaim +
                (p0.Delta <= 0 && claims.GapGrows.Verdict.Outcome == VerdictOutcome.Agrees ? " (Since the network was better at π = 0, a growing Δ means its advantage shrinks or reverses on irregular inputs.)" : "") + shape);
        double gbtDeviation = o.Points.Max(p => Math.Abs(p.WGbt - 1));
        f.Add($"Kernel weights: W_GBT(1) = {Format(p1.WGbt)} ± {Format(p1.WGbtStd)}, largest |W_GBT(π) − 1| = {Format(gbtDeviation)} — The paper finds W_GBT flat: " +
            (claims.GbtFlat ? $"agrees (within {Format(FlatTolerance)} of 1 at every π, {TabularGbtRecipe.FlatToleranceKey})." : $"does NOT agree (not within {Format(FlatTolerance)} of 1 at every π, {TabularGbtRecipe.FlatToleranceKey})."));
        f.Add($"W_NN(1) = {Format(p1.WNn)} ± {Format(p1.WNnStd)} vs W_GBT(1) = {Format(p1.WGbt)}. " + claims.WNnGrows.Verdict.About("The paper finds the network's largest kernel weight norm growing with π") +
            (p1.WNn > p1.WGbt ? $" W_NN(1) − 1 = {Format(p1.WNn - 1)} exceeds W_GBT(1) − 1 = {Format(p1.WGbt - 1)}." : " W_NN(1) does NOT exceed W_GBT(1)."));
        f.Add($"GBT smoother check: max |S_B·Y − LightGBM prediction| = {Format(o.Gbt.SmootherMaxAbsErrorTrain)} on the {o.Data.TrainRows} training rows and {Format(o.Gbt.SmootherMaxAbsErrorTracked)} on the {o.Data.TrackedRows} tracked rows " +
            (o.Gbt.SmootherMaxAbsError <= SmootherTolerance ? $"(passes at {Format(SmootherTolerance)})"
                : $"(FAILS the absolute {Format(SmootherTolerance)} check; relative to the largest |y| = {Format(o.Gbt.MaxAbsLabel)} it is {Format(o.Gbt.SmootherMaxAbsError / o.Gbt.MaxAbsLabel)}: " +
                  "LightGBM computes residuals in float32, so its rounding error grows with the size of the residuals)") +
            $"; tree smoother rows sum to [{Format(o.Gbt.MinKernelRowSum)}, {Format(o.Gbt.MaxKernelRowSum)}]. " +
            $"Chosen: {o.Gbt.Options.NumLeaves} leaves, min_data_in_leaf {o.Gbt.Options.MinDataInLeaf}, {o.Gbt.Options.NumRounds} rounds (validation MSE {Format(o.Gbt.ValidationMse)}).");
        var fid = o.Nn.Final.Fidelity;
        f.Add($"Network smoother fidelity on the tracked rows (mean |·|, network outputs have mean |f| = {Format(o.Nn.MeanAbsPrediction)}): |f̂ − f| = {Format(fid.SurrogateVsNetwork)}, " +
            $"|f̃ − f| = {Format(fid.TelescopedVsNetwork)}, |f̂ − f̃| = {Format(fid.SurrogateVsTelescoped)}; by subset " +
            string.Join("; ", o.Nn.FinalFidelity.Select(kv => $"{kv.Key} rows: {Format(kv.Value.SurrogateVsNetwork)}, {Format(kv.Value.TelescopedVsNetwork)}, {Format(kv.Value.SurrogateVsTelescoped)}")) + ". " +
            "f̂ is exact for the surrogate run that uses its own predictions in the residuals; the gap to f is what that surrogate and the first-order telescoping steps leave out.");
        f.Add($"Network: final training MSE {Format(o.Nn.Final.TrainMse)} (trees {Format(o.Gbt.TrainMse)}); effective parameters p_train = {Format(o.Nn.Final.PTrain)}, p_tracked = {Format(o.Nn.Final.PTracked)} of n = {o.Data.TrainRows}. " +
            $"Cost: {Format(o.Nn.WallTime.TotalSeconds)} s for {o.Nn.Curve[^1].Step} SGD steps with {o.Data.TrainRows + o.Data.TrackedRows} smoother rows of length {o.Data.TrainRows} " +
            $"({Format(1000 * o.Nn.WallTime.TotalSeconds / Math.Max(1, o.Nn.Curve[^1].Step))} ms/step); LightGBM tuning, fit and smoother {Format(o.Gbt.WallTime.TotalSeconds)} s.");
        return f;
    }

    private IEnumerable<string> Overall()
    {
        var claims = outcomes.Select(Judge).ToList();
        int n = outcomes.Count;
        string Count(Func<Claims, VerdictOutcome> pick) =>
            $"agrees on {claims.Count(c => pick(c) == VerdictOutcome.Agrees)}, does not on {claims.Count(c => pick(c) == VerdictOutcome.Disagrees)}, inconclusive on {claims.Count(c => pick(c) == VerdictOutcome.Inconclusive)} of {n} data sets";
        yield return $"LightGBM better at π = 0: {Count(c => c.GbtBetterAtZero.Outcome)}. The gap grows with π: {Count(c => c.GapGrows.Verdict.Outcome)}.";
        yield return $"W_GBT flat on {claims.Count(c => c.GbtFlat)} of {n}. W_NN grows with π: {Count(c => c.WNnGrows.Verdict.Outcome)}; W_NN(1) above W_GBT(1) on {outcomes.Count(o => o.Last.WNn > o.Last.WGbt)} of {n}.";
        yield return "The spread behind these verdicts is that of the R test-set draws around one trained network and one tree ensemble per data set; it does not include retraining noise.";
    }

    private string TinyGapText => context.Settings.GetDouble("tiny_gap").ToString("G3", CultureInfo.InvariantCulture);

    private static StackedChart GapAndWeights(DatasetOutcome o)
    {
        var pis = o.Points.Select(p => p.Pi).ToArray();
        LineChart top;
        if (o.DeltaZeroIsTiny)
        {
            top = new LineChart { Title = $"{o.Name}: MSE gap (|Δ(0)| tiny)", YLabel = "Δ(π) = MSE_NN − MSE_GBT" }
                .AddSeries("Δ(π)", pis, o.Points.Select(p => p.Delta).ToArray(), markers: true);
        }
        else
        {
            top = new LineChart { Title = $"{o.Name}: relative increase of the MSE gap", YLabel = "ρ(π)" }
                .AddSeries("ρ(π)", pis, o.Points.Select(p => p.RelativeGapIncrease).ToArray(), markers: true);
        }
        var bottom = new LineChart { XLabel = "π (share of irregular test inputs)", YLabel = "W(π)" }
            .AddSeries("neural network", pis, o.Points.Select(p => p.WNn).ToArray(), markers: true)
            .AddSeries("gradient boosted trees", pis, o.Points.Select(p => p.WGbt).ToArray(), markers: true);
        return new StackedChart(top, bottom);
    }

    private static StackedChart TrainingCurve(DatasetOutcome o)
    {
        var steps = o.Nn.Curve.Select(p => (double)p.Step).ToArray();
        double gbtTracked = GbtArm.Mse(o.Gbt.TrackedPredictions, o.Data.TrackedTarget);
        var mse = new LineChart { Title = $"{o.Name}: network training (SGD)", YLabel = "MSE (standardized target)", LogY = true }
            .AddSeries("NN, training rows", steps, o.Nn.Curve.Select(p => p.TrainMse).ToArray())
            .AddSeries("NN, tracked pool rows", steps, o.Nn.Curve.Select(p => p.TrackedMse).ToArray())
            .AddSeries("GBT, tracked pool rows", [steps[0], steps[^1]], [gbtTracked, gbtTracked], dashed: true);
        var later = o.Nn.Curve.Where(p => p.Step > 0).ToList();   // all gaps are 0 at step 0
        var laterSteps = later.Select(p => (double)p.Step).ToArray();
        var fidelity = new LineChart { XLabel = "step", YLabel = "mean |gap| on tracked rows", LogY = true }
            .AddSeries("smoother S·Y + c vs network", laterSteps, later.Select(p => p.Fidelity.SurrogateVsNetwork).ToArray())
            .AddSeries("telescoping model vs network", laterSteps, later.Select(p => p.Fidelity.TelescopedVsNetwork).ToArray(), dashed: true);
        return new StackedChart(mse, fidelity);
    }

    private static string Format(double v) => v.ToString("G3", CultureInfo.InvariantCulture);
}
