namespace Telescope.Recipes.Grokking;

/// <summary>
/// What both grokking reports print of the spectrum view (docs/recipes/grokking-mnist.md, "Spectrum view"): one bullet
/// of three verdicts per configuration, and two figures per configuration — the kernel-target alignment above the p
/// the report's effective-parameter story uses, and the top eigenvalues.
/// </summary>
internal static class GrokkingSpectrumReport
{
    /// <summary>The definitions the report adds when the spectrum ran.</summary>
    public static IEnumerable<(string, string)> Definitions(GrokkingSettings s) => s.UseSpectrum
        ?
        [
            ("kernel_lambda_1 … kernel_lambda_k, energy_top_k, rotation", $"top-{s.SpectrumTopK} eigenvalues of the empirical tangent kernel K = J Jᵀ of the first {s.SpectrumProbes} training inputs (at most; all output blocks, explicit kernel and eigh, exact), the share ‖U_kᵀy‖²/‖y‖² of the training targets in their span, and 1 − ‖U_tᵀU_(t−1)‖_F²/k against the previous log (docs/method.md §11)"),
            ("alignment_train, alignment_test", $"kernel-target alignment yᵀKy / (‖K‖_F‖y‖²) of the targets with the tangent kernel of the first {s.SpectrumProbes} training / test inputs (each its own kernel; docs/method.md §11.3)"),
            ("half way (spectrum verdicts)", $"the first logged step at which a curve has covered half of its move (the alignment's rise from step 0 to its maximum, the test metric's fall to its minimum, p_test's drop from its peak); a move counts only above {GrokkingText.F(s.Verdicts.PeakNoiseFactor)}× the curve's roughness ({VerdictCriteria.PeakNoiseFactorKey})"),
        ]
        : [];

    /// <summary>The bullet of one configuration's spectrum verdicts.</summary>
    public static string Bullet(string name, SpectrumFinding f) =>
        $"{name} — spectrum view: {f.LeadsTest.About(SpectrumFinding.LeadsTestClaim)} {f.LeadsPTest.About(SpectrumFinding.LeadsPTestClaim)} " +
        $"**Do the spectral and the effective-parameter stories agree? {f.StoriesAgree.Tag}** — {f.StoriesAgree.Statement}.";

    /// <summary>The two figures of a configuration's seeds (nothing when the spectrum did not run).</summary>
    /// <remarks>The p shown is the one the verdicts time (<see cref="GrokkingAnalysis{TRun}.Spectrum"/>): p_net when every seed measured it, else the smoother's.</remarks>
    public static void Figures(RunContext context, ReportBuilder report, IReadOnlyList<GrokkingRun> seeds, string name, string file)
    {
        if (seeds.Any(r => r.Spectrum.Count == 0)) return;
        var views = seeds.Select(r => GrokkingNetworkView.Of(r)).ToList();
        bool net = views.All(v => v is not null);
        IReadOnlyList<GrokkingRun> shown = net ? views! : seeds;
        string pSource = net ? "the network's p_net by retraining" : "the smoother's p";
        string bands = seeds.Count > 1 ? $" Mean ± 1 sd over {seeds.Count} seeds." : "";
        var top = new LineChart { Title = name, YLabel = "kernel-target alignment", LogX = true }
            .AddSeeded("train probes", GrokkingCharts.Series(seeds.Select(r => r.Spectrum), p => p.Step, p => p.TrainAlignment))
            .AddSeeded("test probes", GrokkingCharts.Series(seeds.Select(r => r.Spectrum), p => p.Step, p => p.TestAlignment), dashed: true);
        var bottom = new LineChart { XLabel = "step", YLabel = "effective parameters p", LogX = true }
            .AddSeeded("p_train", GrokkingCharts.Series(shown, p => p.PTrain))
            .AddSeeded("p_test", GrokkingCharts.Series(shown, p => p.PTest), dashed: true);
        report.Figure(context.Folder.SaveFigure(new StackedChart(top, bottom), $"spectrum_{file}"),
            $"{name}: the kernel-target alignment of the training (solid) and test (dashed) targets (top) above p_train (solid) and p_test (dashed) — {pSource} (bottom), against the step.{bands}");
        var run = seeds[0];
        var chart = new LineChart { Title = name, XLabel = "step", YLabel = "eigenvalue of K (training probes)", LogX = true, LogY = true, LegendOutside = true };
        var logged = run.Spectrum.Where(p => p.Step > 0).ToList();
        for (int i = 0; i < logged[0].Eigenvalues.Length; i++)
        {
            var kept = logged.Where(p => p.Eigenvalues[i] > 0).ToList();
            if (kept.Count > 0) chart.AddSeries($"λ_{i + 1}", kept.Select(p => (double)p.Step).ToList(), kept.Select(p => p.Eigenvalues[i]).ToList());
        }
        report.Figure(context.Folder.SaveFigure(chart, $"eigenvalues_{file}"),
            $"{run.Label}: the top {logged[0].Eigenvalues.Length} eigenvalues of the training-probe tangent kernel against the step (both axes logarithmic); the rotation of their eigenspace is metrics.csv's `rotation`.");
    }
}
