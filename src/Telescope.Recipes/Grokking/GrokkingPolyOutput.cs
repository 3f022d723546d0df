using static Telescope.Recipes.Grokking.GrokkingText;

namespace Telescope.Recipes.Grokking;

/// <summary>Writes grokking-poly's metrics.csv, summary.json, figures and report.md; the numbers and verdicts come from <see cref="GrokkingPolyAnalysis"/>.</summary>
internal sealed class GrokkingPolyOutput(RunContext context, GrokkingPolySettings s, GrokkingPolyAnalysis analysis)
    : GrokkingOutput<GrokkingPolyRun>(context, s, analysis, new("MSE", LogMetric: true,
        "the kernel smoother's p (docs/method.md §4.2)", TitleSuffix: $", α = {F(s.Alpha)}"))
{
    /// <summary>The metrics.csv columns after run and step.</summary>
    public static string[] Columns(GrokkingPolySettings s) =>
        ["epsilon", "train_mse", "test_mse", "p_train", "p_test", .. SensitivityColumns.Names, .. GrokkingSpectrum.Columns(s)];

    /// <summary>One metrics.csv row: the live run writes it when the step is logged, the merge from the stored results.</summary>
    public static void WriteRow(GrokkingPolySettings s, MetricsCsvWriter csv, GrokkingPolyRun run, GrokkingPoint p, SensitivityPoint net) =>
        csv.WriteRow(run.Label, p.Step, [run.Epsilon, p.Train, p.Test, SensitivityColumns.Measured(p.PTrain), SensitivityColumns.Measured(p.PTest), .. SensitivityColumns.Values(net),
            .. GrokkingSpectrum.Values(s, run, p.Step)]);

    protected override Dictionary<string, object?> Summary() => new()
    {
        ["recipe"] = "grokking-poly",
        ["learning_rate"] = s.LearningRate,
        ["loss_scale_c"] = s.LossScale,
        ["smoother"] = s.UseSmoother ? "kernel recursion (docs/method.md §4.2), exact for full-batch GD" : "none",
        ["sensitivity"] = SensitivityDescription,
        ["stability_bound"] = Bound?.Value,
        ["stability_bound_setting"] = Bound?.Description,
        ["test_probes"] = s.TestProbes,
        ["seeds"] = Seeds.ToArray(),
        ["results"] = Results(r => Entry(r, new()
        {
            ["epsilon"] = r.Epsilon,
            ["steps"] = r.Final.Step,
            ["train_mse"] = r.Final.Train,
            ["test_mse"] = r.Final.Test,
            ["p_train"] = SensitivityColumns.Measured(r.Final.PTrain),
            ["p_test"] = SensitivityColumns.Measured(r.Final.PTest),
            ["step_train_plateau"] = r.TrainPlateau,
            ["step_test_plateau"] = r.TestPlateau,
            ["initial_train_mse"] = r.Points[0].Train,
            ["initial_test_mse"] = r.Points[0].Test,
            ["step_p_test_below_p_train"] = GrokkingFindings.CrossingBelow(r),
            ["gd_sharpness_initial"] = r.InitialSharpness,
            ["gd_sharpness_final"] = r.FinalSharpness,
            ["fidelity_train_surrogate_vs_network"] = r.TrainFidelity?.SurrogateVsNetwork,
            ["fidelity_test_surrogate_vs_network"] = r.TestFidelity?.SurrogateVsNetwork,
            ["fidelity_test_surrogate_vs_telescoped"] = r.TestFidelity?.SurrogateVsTelescoped,
            ["fidelity_test_telescoped_vs_network"] = r.TestFidelity?.TelescopedVsNetwork,
            ["wall_seconds"] = Math.Round(r.WallTime.TotalSeconds, 1),
            ["retraining_members"] = r.Members,
            ["retraining_seconds"] = Math.Round((r.RetrainingTime + r.RetrainingMeasureTime).TotalSeconds, 1),   // the members' steps and evaluations
        })),
    };

    protected override string Name(IReadOnlyList<GrokkingPolyRun> g) => analysis.Where(g);

    protected override void WriteReport()
    {
        var report = Context.CreateReport("Grokking on polynomial regression (ε sweep)",
        [
            ("model", $"f(x) = (α/N) Σ_j φ(w_jᵀx), φ(z) = z + εz²/2, N = {s.Width}, w_j ~ N(0, I) trained, readout fixed at α/N, no biases"),
            ("task", $"x ~ N(0, I_d/d), d = {s.InputDim}; β ~ N(0, I_d); y = (βᵀx)²/2; {s.TrainSize} train, {s.TestSize} test examples"),
            ("loss", $"(c/2)·mean_i (f(x_i) − y_i)² over the full training set, c = {F(s.LossScale)}"),
            ("train_mse, test_mse", "mean (f(x) − y)² (no 1/2) on the training set / all test examples"),
            ("p_train, p_test (surrogate smoother, exact)", s.UseSmoother
                ? $"n/|I| Σ_{{x∈I}} ||s_T(x)||² (docs/method.md §5.1) from the exact kernel smoother (docs/method.md §4.2); I = the training set / the first {s.TestProbes} test examples"
                : "not computed (smoother = none)"),
            .. SensitivityFindings.Definitions(s.Sensitivity, Bound, Retraining is not null),
            ("step_train_plateau, step_test_plateau", "first logged step at which the MSE is within 10% of its initial-to-final drop of its final value"),
            ("GD sharpness", "γ·c·λ_max(K(X_train, X_train))/n, the largest residual contraction per step; ≪ 2 means GD follows gradient flow closely"),
            .. GrokkingSpectrumReport.Definitions(s),
        ]);
        report.Heading("Setup").Bullets(
        [
            string.Create(CultureInfo.InvariantCulture,
                $"Full-batch gradient descent, γ = {s.LrFactor}·N/α² = {s.LearningRate:G6}, {s.Steps} steps, α = {s.Alpha}, {s.Compute.DType}; same task (seed {Context.Seed}) for every ε and seed; ") +
                (Seeds.Count == 1
                    ? $"one seed ({(Context.Quick ? "quick mode; --set seeds=0,1,2 repeats it" : $"the full default: {GrokkingPolySettings.FullRunCost}")}): the same initial w (seed {GrokkingPolySettings.ModelSeed(Seeds[0])}) for every ε."
                    : $"{Seeds.Count} seed repetitions per ε (seeds {string.Join(", ", Seeds)}): seed S draws the initial w (seed S + 1) and the label directions of p_net (seed S + 2). Tables show mean ± sd over seeds, figures mean ± 1 sd bands, and the verdicts are judged against the seed-to-seed spread."),
            "Learning-rate convention: with the loss of docs/method.md §1 (c/2)·batch mean and c = 1 the gradient is (1/n) Σ (f − y)∇f, the convention of Kumar et al.'s L = (1/2n) Σ (y − f)²; " +
                "the batch mean does not change the effective rate relative to that loss, so γ = N/α² is the rate of docs/method.md. " +
                (s.LrFactor != 1
                    ? $"This run uses {F(s.LrFactor)}× that rate to fit the step budget. The largest measured GD sharpness γ·c·λ_max/n is {F(analysis.MaxSharpness)} " +
                      (analysis.MaxSharpness < 1
                        ? "(< 1: every mode of the linearized step contracts monotonically), so GD approximates gradient flow and the larger rate mainly compresses the step axis, by about "
                        : "(≥ 1: the top mode oscillates, so GD is NOT a close approximation of gradient flow here), and the step axis is compressed by roughly ") +
                      $"{F(s.LrFactor)}× relative to the rate of docs/method.md. This is an approximation checked only through the sharpness; compare step counts with the paper after multiplying by {F(s.LrFactor)}."
                    : "This run uses exactly that rate."),
            $"Smoother: kernel recursion of docs/method.md §4.2 (exact for plain GD) on the {s.TrainSize} training inputs and the first {s.TestProbes} test inputs, updated every step; the layer-wise tangent kernel is computed at θ_(t−1) before each update.",
            $"Logged steps: 0, {s.LogPerDecade} per decade on a geometric grid, and every {s.LogEvery} steps.",
            s.UseSpectrum
                ? $"Spectrum view (docs/method.md §11): at every logged step the exact tangent kernel of the first {GrokkingSpectrum.ProbeCount(s, s.TrainSize, s.TestSize)} training and test inputs, its top {s.SpectrumTopK} eigenvalues and the alignment with y; {F(analysis.Runs.Sum(r => r.SpectrumTime.TotalSeconds))} s of {F(analysis.Runs.Sum(r => r.WallTime.TotalSeconds))} s wall time in all sub-runs."
                : $"Spectrum view: off ({GrokkingSettings.SpectrumProbesName} = 0).",
        ]);
        var findings = ConfigurationFindings();
        findings.Add("docs/method.md §9 expects: train MSE falls first while test MSE lags far behind, then test MSE falls; p_test starts at or above p_train and ends clearly below it. " +
            "The verdicts above are computed from the logged values. " + analysis.Rule.Describe());
        if (analysis.EpsilonOrdering() is var (byRatio, byTestPlateau))
        {
            findings.Add("Kumar et al. (2024): a smaller ε delays generalization more, i.e. the delay falls as ε grows" +
                (Seeds.Count > 1 ? $" (judged over {Seeds.Count} seeds per ε by the slope over every seed's value)" : "") + ". " +
                byRatio.About("By the ratio of the test to the train plateau step") + " " + byTestPlateau.About("By the absolute test plateau step"));
        }
        foreach (var r in analysis.Runs)
            if (r.TestFidelity is { } tf && r.TrainFidelity is { } trf)
                findings.Add($"{SeedName(r, $"ε = {F(r.Epsilon)}")} fidelity at the end: mean |f̂ − f| = {F(trf.SurrogateVsNetwork)} (train), {F(tf.SurrogateVsNetwork)} (test probes); " +
                    $"|f̂ − f̃| = {F(tf.SurrogateVsTelescoped)}, |f̃ − f| = {F(tf.TelescopedVsNetwork)} (test probes); test-label scale: test MSE {F(r.Points[0].Test)} at the start.");
        WriteFindings(report, findings);
        WriteFinalValuesAndFigures(report, "",
            ("ε", g => g[0].Epsilon), Mean("train MSE", r => r.Final.Train), Mean("test MSE", r => r.Final.Test),
            Mean("p_train", r => r.Final.PTrain), Mean("p_test", r => r.Final.PTest),
            Mean("train plateau", r => r.TrainPlateau), Mean("test plateau", r => r.TestPlateau),
            ("p_test < p_train from", g => string.Join(", ", g.Select(r => ReportBuilder.FormatCell(GrokkingFindings.CrossingBelow(r))))),
            Mean("GD sharpness start", r => r.InitialSharpness), Mean("end", r => r.FinalSharpness), Mean("seconds", r => Math.Round(r.WallTime.TotalSeconds, 1)));
    }
}
