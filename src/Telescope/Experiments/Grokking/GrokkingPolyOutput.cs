using System.Globalization;
using Telescope.Experiments.Sensitivity;
using Telescope.Smoothing;
using Telescope.Verdicts;
using static Telescope.Experiments.Grokking.GrokkingFindings;

namespace Telescope.Experiments.Grokking;

/// <summary>Writes grokking-poly's metrics.csv, summary.json, figures and report.md.</summary>
internal sealed class GrokkingPolyOutput(RunContext context, GrokkingPolyConfig config, IReadOnlyList<GrokkingPolyRun> runs, StabilityBound? bound)
{
    private ClearlyBelowRule Rule => ClearlyBelowRule.From(context.Settings);

    /// <summary>
    /// Kumar et al.'s ordering — a smaller ε (an initial kernel less aligned with the quadratic target) delays
    /// generalization more — judged under both definitions of the delay, which can disagree.
    /// </summary>
    private string EpsilonOrdering()
    {
        var byEpsilon = runs.OrderBy(r => r.Epsilon).ToList();
        var labels = byEpsilon.Select(r => $"ε = {F(r.Epsilon)}").ToList();
        var ratio = OrderingTest.SingleRun(byEpsilon.Select(r => (double)r.TestPlateau / Math.Max(r.TrainPlateau, 1)).ToList(), labels, TrendDirection.Falls);
        var absolute = OrderingTest.SingleRun(byEpsilon.Select(r => (double)r.TestPlateau).ToList(), labels, TrendDirection.Falls);
        return "Kumar et al. (2024): a smaller ε delays generalization more, i.e. the delay falls as ε grows. " +
            ratio.About("By the ratio of the test to the train plateau step") + " " +
            absolute.About("By the absolute test plateau step");
    }

    private double MaxSharpness => runs.Max(r => Math.Max(r.InitialSharpness, r.FinalSharpness));

    private static readonly string[] Columns = ["epsilon", "train_mse", "test_mse", "p_train", "p_test", .. SensitivityColumns.Names];

    public void Write()
    {
        WriteMetrics();
        WriteSummary();
        WriteReport();
    }

    private void WriteMetrics()
    {
        using var csv = context.Folder.OpenMetrics(Columns);
        foreach (var run in runs)
            foreach (var (p, net) in run.Points.Zip(run.Sensitivity))
                csv.WriteRow(run.Label, p.Step, [run.Epsilon, p.Train, p.Test, SensitivityColumns.Measured(p.PTrain), SensitivityColumns.Measured(p.PTest), .. SensitivityColumns.Values(net)]);
    }

    private void WriteSummary()
    {
        context.Folder.WriteSummary(new Dictionary<string, object?>
        {
            ["recipe"] = "grokking-poly",
            ["learning_rate"] = config.LearningRate,
            ["loss_scale_c"] = config.LossScale,
            ["smoother"] = config.UseSmoother ? "kernel recursion (SPEC §2a), exact for full-batch GD" : "none",
            ["sensitivity"] = config.Sensitivity is { } o
                ? FormattableString.Invariant($"retraining (SPEC §3b), σ = {o.Sigma}, D = {o.DirectionCount}, linearity check {(o.LinearityCheck ? "σ/4" : "off")}")
                : "none",
            ["stability_bound"] = bound?.Value,
            ["stability_bound_setting"] = bound?.Description,
            ["test_probes"] = config.TestProbes,
            ["results"] = runs.Select(r => SensitivityColumns.Merge(new Dictionary<string, object?>
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
                ["step_p_test_below_p_train"] = CrossingBelow(r),
                ["gd_sharpness_initial"] = r.InitialSharpness,
                ["gd_sharpness_final"] = r.FinalSharpness,
                ["fidelity_train_surrogate_vs_network"] = r.TrainFidelity?.SurrogateVsNetwork,
                ["fidelity_test_surrogate_vs_network"] = r.TestFidelity?.SurrogateVsNetwork,
                ["fidelity_test_surrogate_vs_telescoped"] = r.TestFidelity?.SurrogateVsTelescoped,
                ["fidelity_test_telescoped_vs_network"] = r.TestFidelity?.TelescopedVsNetwork,
                ["wall_seconds"] = Math.Round(r.WallTime.TotalSeconds, 1),
                ["retraining_members"] = r.Members,
                ["retraining_seconds"] = Math.Round(r.RetrainingTime.TotalSeconds, 1),
            }, SensitivityColumns.Summary(r.Sensitivity, bound))).ToList(),
        });
    }



    private void WriteReport()
    {
        var s = context.Settings;
        double lrFactor = s.GetDouble("lr_factor");
        var report = context.CreateReport("Grokking on polynomial regression (ε sweep)",
        [
            ("model", $"f(x) = (α/N) Σ_j φ(w_jᵀx), φ(z) = z + εz²/2, N = {config.Width}, w_j ~ N(0, I) trained, readout fixed at α/N, no biases"),
            ("task", $"x ~ N(0, I_d/d), d = {s.GetInt("input_dim")}; β ~ N(0, I_d); y = (βᵀx)²/2; {s.GetInt("train_size")} train, {s.GetInt("test_size")} test examples"),
            ("loss", $"(c/2)·mean_i (f(x_i) − y_i)² over the full training set, c = {F(config.LossScale)}"),
            ("train_mse, test_mse", "mean (f(x) − y)² (no 1/2) on the training set / all test examples"),
            ("p_train, p_test (surrogate smoother, exact)", config.UseSmoother
                ? $"n/|I| Σ_{{x∈I}} ||s_T(x)||² (SPEC §3) from the exact kernel smoother (SPEC §2a); I = the training set / the first {config.TestProbes} test examples"
                : "not computed (smoother = none)"),
            .. SensitivityFindings.Definitions(s, bound, config.Sensitivity is not null),
            ("step_train_plateau, step_test_plateau", "first logged step at which the MSE is within 10% of its initial-to-final drop of its final value"),
            ("GD sharpness", "γ·c·λ_max(K(X_train, X_train))/n, the largest residual contraction per step; ≪ 2 means GD follows gradient flow closely"),
        ]);

        report.Heading("Setup").Bullets(
        [
            string.Create(CultureInfo.InvariantCulture,
                $"Full-batch gradient descent, γ = {lrFactor}·N/α² = {config.LearningRate:G6}, {config.Steps} steps, α = {config.Alpha}, {config.DType}; same task (seed {context.Seed}) and same initial w (seed {config.ModelSeed}) for every ε."),
            "Learning-rate convention: with the SPEC's loss (c/2)·batch mean and c = 1 the gradient is (1/n) Σ (f − y)∇f, the convention of Kumar et al.'s L = (1/2n) Σ (y − f)²; " +
                "the batch mean does not change the effective rate relative to that loss, so γ = N/α² is the SPEC's rate. " +
                (lrFactor != 1
                    ? $"This run uses {F(lrFactor)}× that rate to fit the step budget. The largest measured GD sharpness γ·c·λ_max/n is {F(MaxSharpness)} " +
                      (MaxSharpness < 1
                        ? "(< 1: every mode of the linearized step contracts monotonically), so GD approximates gradient flow and the larger rate mainly compresses the step axis, by about "
                        : "(≥ 1: the top mode oscillates, so GD is NOT a close approximation of gradient flow here), and the step axis is compressed by roughly ") +
                      $"{F(lrFactor)}× relative to the SPEC's rate. This is an approximation checked only through the sharpness; compare step counts with the paper after multiplying by {F(lrFactor)}."
                    : "This run uses exactly that rate."),
            $"Smoother: kernel recursion of SPEC §2a (exact for plain GD) on the {s.GetInt("train_size")} training inputs and the first {config.TestProbes} test inputs, updated every step; the layer-wise tangent kernel is computed at θ_(t−1) before each update.",
            $"Logged steps: 0, {s.GetInt("log_per_decade")} per decade on a geometric grid, and every {s.GetInt("log_every")} steps.",
        ]);

        report.Heading("Findings");
        report.Paragraph(context.Settings.GetVerdictCriteria().Describe());
        var findings = new List<string>();
        foreach (var r in runs)
        {
            findings.Add($"**ε = {F(r.Epsilon)}** — {DelayFinding(r, "MSE")}");
            if (config.UseSmoother) findings.Add($"ε = {F(r.Epsilon)} — from the kernel smoother's p (SPEC §2a): {EffectiveParameterFinding(r, Rule)}");
            if (GrokkingNetworkView.Of(r, r.Sensitivity) is { } view)
                findings.Add($"ε = {F(r.Epsilon)} — {GrokkingNetworkView.Finding(view, r.Sensitivity[^1], Rule)}");
            findings.AddRange(SensitivityFindings.For($"ε = {F(r.Epsilon)}", r.Sensitivity, bound,
                config.UseSmoother ? r.Points.Select(p => (p.Step, p.PTrain, p.PTest)).ToList() : [],
                s.GetDouble("p_train_limit") * s.GetInt("train_size"), s.GetDouble("agreement_se"), s.GetDouble("agreement_relative")));
        }
        findings.Add("SPEC §6 expects: train MSE falls first while test MSE lags far behind, then test MSE falls; p_test starts at or above p_train and ends clearly below it. " +
            "The verdicts above are computed from the logged values. " + Rule.Describe());
        if (runs.Count > 1)
        {
            findings.Add(EpsilonOrdering());
        }
        foreach (var r in runs)
            if (r.TestFidelity is { } tf && r.TrainFidelity is { } trf)
                findings.Add($"ε = {F(r.Epsilon)} fidelity at the end: mean |f̂ − f| = {F(trf.SurrogateVsNetwork)} (train), {F(tf.SurrogateVsNetwork)} (test probes); " +
                    $"|f̂ − f̃| = {F(tf.SurrogateVsTelescoped)}, |f̃ − f| = {F(tf.TelescopedVsNetwork)} (test probes); test-label scale: test MSE {F(r.Points[0].Test)} at the start.");
        report.Bullets(findings);

        report.Heading("Final values");
        report.Table(runs,
            ("ε", r => r.Epsilon), ("train MSE", r => r.Final.Train), ("test MSE", r => r.Final.Test),
            ("p_train", r => r.Final.PTrain), ("p_test", r => r.Final.PTest),
            ("train plateau", r => r.TrainPlateau), ("test plateau", r => r.TestPlateau),
            ("p_test < p_train from", r => CrossingBelow(r)),
            ("GD sharpness start", r => r.InitialSharpness), ("end", r => r.FinalSharpness),
            ("seconds", r => Math.Round(r.WallTime.TotalSeconds, 1)));

        report.Heading("Figures");
        foreach (var r in runs)
        {
            var view = config.UseSmoother ? r : GrokkingNetworkView.Of(r, r.Sensitivity) ?? r;
            report.Figure(context.Folder.SaveFigure(GrokkingCharts.Dynamics(view, $"ε = {F(r.Epsilon)}, α = {F(config.Alpha)}", "MSE", logMetric: true), $"dynamics_{r.Label}"),
                $"ε = {F(r.Epsilon)}: train (solid) and test (dashed) MSE (top) and p_train (solid), p_test (dashed) (bottom) against the step; both axes logarithmic in the top panel" +
                (config.UseSmoother ? " — the kernel smoother's p." : " — the network's p_net by retraining."));
            if (r.Sensitivity.Any(p => p.Train is not null || p.Sharpness is not null))
                report.Figure(context.Folder.SaveFigure(GrokkingNetworkView.Overlay(r, r.Sensitivity, bound, $"ε = {F(r.Epsilon)}"), $"p_net_vs_p_{r.Label}"),
                    $"ε = {F(r.Epsilon)}: the kernel smoother's p (lines) and the network's p_net by retraining (markers) (top); λ_t and its bound (bottom).");
        }
        context.Folder.WriteReport(report.ToString());
    }
}
