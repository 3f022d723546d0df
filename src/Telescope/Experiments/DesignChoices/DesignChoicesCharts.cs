using Telescope.Optim;
using Telescope.Reporting;

namespace Telescope.Experiments.DesignChoices;

/// <summary>The figures of the design-choices recipe.</summary>
internal static class DesignChoicesCharts
{
    public static readonly string[] Components = [UpdateComponent.Gradient, UpdateComponent.Momentum, UpdateComponent.WeightDecay];

    /// <summary>Mean |cumulative contribution| of each component vs step, train probes (top) and test probes (bottom).</summary>
    public static StackedChart Contributions(DecompositionRun run)
    {
        LineChart Panel(string set, bool top)
        {
            var chart = new LineChart { Title = top ? $"{run.Label}: cumulative functional contribution per component" : "", XLabel = top ? "" : "step",
                YLabel = $"mean |Σ J·Δθ^(c)| ({set} probes)" };
            var steps = run.Points.Select(p => (double)p.Step).ToArray();
            foreach (var c in Components.Where(c => run.Final.Test.ContributionAbs.ContainsKey(c)))
                chart.AddSeries(c, steps, run.Points.Select(p => Of(p, set).ContributionAbs.GetValueOrDefault(c, 0)).ToArray());
            chart.AddSeries("network change |f − f_θ0|", steps, run.Points.Select(p => Of(p, set).MeanChange).ToArray(), dashed: true);
            return chart;
        }
        return new StackedChart(Panel("train", true), Panel("test", false));
    }

    private static SetPoint Of(DecompositionPoint p, string set) => set == "train" ? p.Train : p.Test;

    /// <summary>Per-step relative deviation of the weight-decay contribution from −s·L·f_{t−1} (largest in each log window).</summary>
    public static LineChart DecayIdentity(IEnumerable<DecompositionRun> runs)
    {
        var chart = new LineChart { Title = "Weight decay vs functional shrinkage −s·L·f (test probes)", XLabel = "step",
            YLabel = "max per-step ‖Δf^wd − (−sLf)‖ / ‖sLf‖", LogY = true, LegendOutside = true };
        foreach (var run in runs)
        {
            var points = run.Points.Where(p => p.DecayStepDeviationMax is not null).ToList();
            chart.AddSeries(run.Role == SubRunRole.Identity ? run.Label : $"{run.Label}@{run.Net.Name}", points.Select(p => (double)p.Step).ToArray(),
                points.Select(p => p.DecayStepDeviationMax!.Value).ToArray(), dashed: !run.Homogeneous);
        }
        return chart;
    }

    /// <summary>Momentum's projection and magnitude shares of each step's functional change (window means), with β.</summary>
    public static LineChart CarriedShare(IEnumerable<DecompositionRun> runs, double beta)
    {
        var chart = new LineChart { Title = "Share of the functional step carried over by momentum (test probes)", XLabel = "step",
            YLabel = "share", LegendOutside = true };
        int color = 0;
        double maxStep = 0;
        foreach (var run in runs)
        {
            var points = run.Points.Where(p => p.CarriedProjection is not null).ToList();
            if (points.Count == 0) continue;
            var steps = points.Select(p => (double)p.Step).ToArray();
            maxStep = Math.Max(maxStep, steps[^1]);
            chart.AddSeries($"{run.Label}: projection", steps, points.Select(p => p.CarriedProjection!.Value).ToArray(), colorGroup: color);
            chart.AddSeries($"{run.Label}: magnitude", steps, points.Select(p => p.CarriedMagnitude!.Value).ToArray(), dashed: true, colorGroup: color);
            color++;
        }
        chart.AddSeries($"β = {beta}", [0, maxStep], [beta, beta], dashed: true);
        return chart;
    }

    /// <summary>Momentum vs rescaled SGD: the relative gap of the two functions (top) and the Jacobian's movement (bottom).</summary>
    public static StackedChart MomentumVersusRescaled(MomentumComparison c)
    {
        var gaps = c.Gaps.Where(g => g.Step > 0).ToList();
        var steps = gaps.Select(g => (double)g.Step).ToArray();
        var top = new LineChart { Title = $"SGD+momentum (γ = {c.Momentum.LearningRate:G3}) vs SGD at γ/(1−β) = {c.Rescaled.LearningRate:G3}",
            YLabel = "gap (test probes)", LogY = true }
            .AddSeries("networks: mean |f_mom − f_sgd| / mean |f_sgd − f_θ0|", steps, gaps.Select(g => g.RelativeNetwork).ToArray())
            .AddSeries("telescoping models: mean |f̃_mom − f̃_sgd| / mean |f̃_sgd − f_θ0|", steps, gaps.Select(g => g.RelativeTelescoped).ToArray())
            .AddSeries("argmax disagreement", steps, gaps.Select(g => g.Disagreement).ToArray(), dashed: true);
        var momentum = c.Momentum.Points.Where(p => p.JacobianDrift is not null).ToList();
        var rescaled = c.Rescaled.Points.Where(p => p.JacobianDrift is not null).ToList();
        var blending = c.Momentum.Points.Where(p => p.BlendingJacobianRelative is not null).ToList();
        var bottom = new LineChart { XLabel = "step", YLabel = "relative size", LogY = true }
            .AddSeries("J·v drift per window, momentum run", momentum.Select(p => (double)p.Step).ToArray(), momentum.Select(p => p.JacobianDrift!.Value).ToArray())
            .AddSeries("J·v drift per window, rescaled run", rescaled.Select(p => (double)p.Step).ToArray(), rescaled.Select(p => p.JacobianDrift!.Value).ToArray(), dashed: true)
            .AddSeries("momentum run: ‖Jacobian-change term‖ / ‖f̃ − f_θ0‖", blending.Select(p => (double)p.Step).ToArray(), blending.Select(p => p.BlendingJacobianRelative!.Value).ToArray());
        return new StackedChart(top, bottom);
    }

    /// <summary>Alignment of K^T with K over training (MNIST adaptive runs and the tabular Adam run).</summary>
    public static StackedChart Alignment(IEnumerable<DecompositionRun> adaptive, TabularKernelRun? tabularAdam, string tabularName) =>
        new(AlignmentPanel(adaptive, tabularAdam, tabularName, centered: false), AlignmentPanel(adaptive, tabularAdam, tabularName, centered: true));

    private static LineChart AlignmentPanel(IEnumerable<DecompositionRun> adaptive, TabularKernelRun? tabularAdam, string tabularName, bool centered)
    {
        var chart = new LineChart { Title = centered ? "" : "Alignment ⟨K^T, K⟩ / (‖K^T‖‖K‖)", XLabel = centered ? "step" : "",
            YLabel = centered ? "centered alignment" : "alignment", LegendOutside = true };
        int color = 0;
        foreach (var run in adaptive)
        {
            var points = run.Points.Where(p => p.AlignmentTrain is not null).ToList();
            var steps = points.Select(p => (double)p.Step).ToArray();
            chart.AddSeries($"{run.Label} MNIST train×train", steps, points.Select(p => (centered ? p.AlignmentTrainCentered : p.AlignmentTrain)!.Value).ToArray(), markers: true, colorGroup: color);
            chart.AddSeries($"{run.Label} MNIST test×train", steps, points.Select(p => (centered ? p.AlignmentTestCentered : p.AlignmentTest)!.Value).ToArray(), markers: true, dashed: true, colorGroup: color);
            color++;
        }
        if (tabularAdam is not null)
        {
            var steps = tabularAdam.Points.Select(p => (double)p.Step).ToArray();
            chart.AddSeries($"adam {tabularName} train×train", steps, tabularAdam.Points.Select(p => centered ? p.AlignmentTrainCentered : p.AlignmentTrain).ToArray(), markers: true, colorGroup: color);
            chart.AddSeries($"adam {tabularName} test×train", steps, tabularAdam.Points.Select(p => centered ? p.AlignmentTestCentered : p.AlignmentTest).ToArray(), markers: true, dashed: true, colorGroup: color);
        }
        return chart;
    }

    /// <summary>W(π) of the final kernels: SGD's K, Adam's K^T and Adam's plain K.</summary>
    public static LineChart KernelWeights(IReadOnlyList<TabularKernelRun> runs, string tabularName)
    {
        var chart = new LineChart { Title = $"{tabularName}: normalized max kernel-row norm W(π)", XLabel = "share of irregular inputs π",
            YLabel = "W(π)", LegendOutside = true };
        var pi = Enumerable.Range(0, 11).Select(i => i / 10.0).ToArray();
        foreach (var run in runs)
        {
            bool adam = run.Optimizer == OptimizerChoice.Adam;
            chart.AddSeries(adam ? "adam: K^T = J T Jᵀ" : "sgd: K = J Jᵀ", pi, run.WOwn.Select(w => w.Mean).ToArray(), markers: true);
            if (adam) chart.AddSeries("adam: plain K = J Jᵀ", pi, run.WPlain.Select(w => w.Mean).ToArray(), markers: true, dashed: true);
        }
        return chart;
    }
}
