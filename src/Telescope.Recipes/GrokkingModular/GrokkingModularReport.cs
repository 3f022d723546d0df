using System.Globalization;
using Telescope.Reporting;
using Telescope.Runs;
using Telescope.Verdicts;

namespace Telescope.Recipes.GrokkingModular;

/// <summary>report.md and the figures of a grokking-modular run, from <see cref="GrokkingModularFindings"/> (prose only; no numbers are computed here).</summary>
internal sealed class GrokkingModularReport(RunContext context, GrokkingModularSettings s, GrokkingModularFacts facts, GrokkingModularFindings findings)
{
    private IEnumerable<ModularEvents> Runs => findings.Grid.SelectMany(g => g.Seeds);

    public void Write()
    {
        var report = context.CreateReport($"Grokking on {facts.Formula} through the telescoping lens", Definitions());
        report.Heading("Setup").Bullets(
        [
            $"Task: {facts.Formula}, the p² = {facts.Modulus * facts.Modulus} pairs as tokens \"a b =\"; the training set is a seeded fraction of the table (seed {s.Seed}), the test set the rest.",
            $"Model: {s.Layers}-layer transformer, d_model {s.ModelDim}, {s.Heads} heads, d_mlp {s.MlpWidth}, {(s.LayerNorm ? "with" : "no")} LayerNorm, readout at '=' ({facts.Parameters} parameters), {s.Compute.DType}.",
            $"Training: full batch, AdamW lr {F(s.LearningRate)}, β = ({F(s.Beta1)}, {F(s.Beta2)}), cross-entropy, {s.Steps} steps; grid: training fractions {Join(s.TrainFractions)} × weight decays {Join(s.WeightDecays)} × seeds {string.Join(", ", s.Seeds)} (a seed draws the initialization and p_net's directions).",
            $"Tracked: f̃ on {s.TelescopingProbes} training and {s.TelescopingProbes} test pairs (at most); p_net on the whole training and test sets" +
                (s.Sensitivity == "retraining" ? $" (D = {s.SensitivityDirections}, σ = {F(s.SensitivitySigma)}{(s.SensitivityLinearity ? ", linearity pair at σ/4" : "")})" : " — off") +
                $"; the kernel spectrum on {s.SpectrumProbes} training and {s.SpectrumProbes} test pairs (top {s.SpectrumTopK}).",
            $"Cost: {Runs.Count()} sub-runs took {F(Runs.Sum(e => e.Run.WallSeconds))} s: training {F(Runs.Sum(e => e.Run.TrainSeconds))} s, f̃ {F(Runs.Sum(e => e.Run.TelescopingSeconds))} s, " +
                $"p_net members {F(Runs.Sum(e => e.Run.RetrainingSeconds))} s, spectrum {F(Runs.Sum(e => e.Run.SpectrumSeconds))} s.",
        ]);

        report.Heading("Findings");
        report.Paragraph(s.Verdicts.Describe() + (s.Seeds.Count > 1
            ? $" Noise here: the spread over the {s.Seeds.Count} seeds."
            : " One seed: event times are judged on the logging grid, and p_net's gap against its standard error over the label directions."));
        report.Bullets(findings.RunFindings().Select(v => $"**{v.Where}** — {v.Verdict.About(v.Claim)}"));

        report.Heading("Events per run");
        report.Table(Runs.ToList(),
            ("fraction", e => e.Run.Fraction), ("λ", e => e.Run.WeightDecay), ("seed", e => e.Run.Seed),
            ("step fit", e => e.StepFit), ("step grok", e => e.StepGrok), ("delay ×", e => e.DelayRatio),
            ("test acc at fit", e => e.TestAccuracyAtFit), ("final test acc", e => e.FinalTestAccuracy),
            ("p_net train/test at fit", e => PNet(e.PNetAtFit)), ("p_net train/test at grok", e => PNet(e.PNetAtGrok)),
            ("half rise: alignment / accuracy", e => $"{e.Alignment?.HalfRise?.ToString(CultureInfo.InvariantCulture) ?? "—"} / {e.AccuracyHalfRise?.ToString(CultureInfo.InvariantCulture) ?? "—"}"),
            ("seconds", e => Math.Round(e.Run.WallSeconds, 1)));

        report.Heading("Figures");
        foreach (var fraction in s.TrainFractions.Where(f => findings.Grid.Any(g => g.Fraction == f)))
        {
            string tag = fraction.ToString("G4", CultureInfo.InvariantCulture);
            var group = findings.Grid.Where(g => g.Fraction == fraction).SelectMany(g => g.Seeds).Select(e => e.Run).ToList();
            report.Figure(context.Folder.SaveFigure(Chart(group, "accuracy", (p => p.TrainAccuracy, true), (p => p.TestAccuracy, false)), $"accuracy_fraction_{tag}"),
                $"Fraction {tag}: training (dashed) and test (solid) accuracy by step, one colour per weight decay and seed.");
            if (group.Any(r => r.Points.Any(p => p.Step > 0 && p.Sensitivity?.Train is not null)))
                report.Figure(context.Folder.SaveFigure(Chart(group, "p_net", (p => p.Sensitivity?.Train?.Value, true), (p => p.Sensitivity?.Test?.Value, false), logY: true), $"p_net_fraction_{tag}"),
                    $"Fraction {tag}: p_net_train (dashed) and p_net_test (solid) by step.");
            if (group.Any(r => r.Points.Any(p => p.Spectrum is not null)))
                report.Figure(context.Folder.SaveFigure(Chart(group, "kernel-target alignment", (p => p.Spectrum?.TrainAlignment, true), (p => p.Spectrum?.TestAlignment, false)), $"alignment_fraction_{tag}"),
                    $"Fraction {tag}: alignment of the training targets (dashed) and the test targets (solid, their own kernel) by step.");
            if (group.Any(r => r.Points.Any(p => p.Spectrum?.TrainAlignmentCentered is not null)))
                report.Figure(context.Folder.SaveFigure(Chart(group, "output-centred alignment", (p => p.Spectrum?.TrainAlignmentCentered, true), (p => p.Spectrum?.TestAlignmentCentered, false)), $"alignment_centered_fraction_{tag}"),
                    $"Fraction {tag}: the output-centred alignment (docs/method.md §11.3, blind to shifts of all logits of a pair) of the training (dashed) and test (solid) targets by step.");
            if (group.Any(r => r.Points.Any(p => p.TelescopingTest is not null)))
                report.Figure(context.Folder.SaveFigure(Chart(group, "mean |error| on test probes", (p => p.TelescopingTest?.ErrAbsLinear, true), (p => p.TelescopingTest?.ErrAbs, false), logY: true), $"telescoping_fraction_{tag}"),
                    $"Fraction {tag}: |f − f̃| (solid) and |f − f_lin| (dashed) on the test probes by step.");
        }
        var first = Runs.FirstOrDefault(e => e.Run.Points.Any(p => p.Spectrum is not null));
        if (first is not null)
            report.Figure(context.Folder.SaveFigure(Spectrum(first.Run), "spectrum"),
                $"{first.Run.Label}: the top {s.SpectrumTopK} eigenvalues of the training-probe tangent kernel by step, one line each; the rotation of their eigenspace since the previous log is in metrics.csv (`rotation`).");
        context.Folder.WriteReport(report.ToString());
    }

    private IEnumerable<(string, string)> Definitions() =>
    [
        ("step fit", $"first logged step with training accuracy ≥ {F(s.TrainAccuracyThreshold)} (train_accuracy_threshold)"),
        ("step grok", $"first logged step at or after the fit with test accuracy ≥ {F(s.TestAccuracyThreshold)} (test_accuracy_threshold); delay = step grok / step fit"),
        ("f̃ (telescoping model)", "f̃_t = f̃_{t−1} + J_{t−1}(x)·Δθ_t with AdamW's exact update (docs/method.md §2), on the logits; f_lin = f_θ0 + J_0(x)(θ_t − θ_0)"),
        ("p_net_train, p_net_test", $"the network's label sensitivity by retraining (docs/method.md §5.2) on soft targets: members trained from the same θ_0 with cross-entropy against Y ± σV_d (Y one-hot, V_d Rademacher over all n·p entries, σ = {F(s.SensitivitySigma)}), ŝ_d = (f_+ − f_−)/(2σ) on the logits, p_net = n/(|I|·p)·mean_d Σ_x ||ŝ_d(x)||²"),
        ("sensitivity_linearity, floor", "p_0(σ)/p_0(σ/4) along V_0 (1 when linear), and the mean |Δf| at σ/4 (the chaos floor, docs/method.md §5.2)"),
        ("alignment", "yᵀKy / (‖K‖_F‖y‖²) of the one-hot targets with the tangent kernel K of the probes, all output blocks (docs/method.md §11.3)"),
        ("half rise", "first logged step where a curve has covered half of its rise from step 0 to its maximum"),
    ];

    /// <summary>A log-step chart with two quantities per run (dashed, solid), one colour per run.</summary>
    private static LineChart Chart(IReadOnlyList<ModularRun> runs, string yLabel, (Func<ModularPoint, double?> Pick, bool Dashed) a,
        (Func<ModularPoint, double?> Pick, bool Dashed) b, bool logY = false)
    {
        var chart = new LineChart { XLabel = "step", YLabel = yLabel, LogX = true, LogY = logY, LegendOutside = runs.Count > 3 };
        for (int i = 0; i < runs.Count; i++)
            foreach (var (pick, dashed) in new[] { a, b })
            {
                var points = runs[i].Points.Where(p => p.Step > 0 && pick(p) is double v && double.IsFinite(v) && (!logY || v > 0)).ToList();
                if (points.Count > 0)
                    chart.AddSeries(dashed ? "" : runs[i].Label, points.Select(p => (double)p.Step).ToList(), points.Select(p => pick(p)!.Value).ToList(), dashed: dashed, colorGroup: i);
            }
        return chart;
    }

    private static LineChart Spectrum(ModularRun run)
    {
        var chart = new LineChart { XLabel = "step", YLabel = "eigenvalue of K", LogX = true, LogY = true, LegendOutside = true };
        var points = run.Points.Where(p => p.Step > 0 && p.Spectrum is not null).ToList();
        int k = points.Count == 0 ? 0 : points[0].Spectrum!.Eigenvalues.Length;
        for (int i = 0; i < k; i++)
        {
            var kept = points.Where(p => p.Spectrum!.Eigenvalues[i] > 0).ToList();
            if (kept.Count > 0) chart.AddSeries($"λ_{i + 1}", kept.Select(p => (double)p.Step).ToList(), kept.Select(p => p.Spectrum!.Eigenvalues[i]).ToList());
        }
        return chart;
    }

    private static string PNet(Sensitivity.SensitivityPoint? p) => p?.Train is { } a && p.Test is { } b ? $"{F(a.Value)} / {F(b.Value)}" : "—";
    private static string Join(IEnumerable<double> values) => string.Join(", ", values.Select(F));
    private static string F(double v) => v.ToString("G3", CultureInfo.InvariantCulture);
}
