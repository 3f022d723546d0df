namespace Telescope.Recipes.DesignChoices;

/// <summary>
/// The figures of the design-choices recipe. Every series is drawn per arm from its seed repetitions: the mean over
/// seeds with a ±1 sd band when there are several (<see cref="LineChart.AddSeeded"/>), a plain line with one.
/// </summary>
internal static class DesignChoicesCharts
{
    public static readonly string[] Components = [UpdateComponent.Gradient, UpdateComponent.Momentum, UpdateComponent.WeightDecay];

    private static SeededSeries Seeded(Arm arm, Func<DecompositionPoint, double?> pick) =>
        SeededPoints.Of(arm.Runs.Select(r => (IReadOnlyList<DecompositionPoint>)r.Points).ToList(), p => p.Step, pick);

    /// <summary>Mean |cumulative contribution| of each component vs step, train probes (top) and test probes (bottom).</summary>
    public static StackedChart Contributions(Arm arm)
    {
        LineChart Panel(string set, bool top)
        {
            var chart = new LineChart { Title = top ? $"{arm.Name}: cumulative functional contribution per component" : "", XLabel = top ? "" : "step",
                YLabel = $"mean |Σ J·Δθ^(c)| ({set} probes)" };
            foreach (var c in Components.Where(c => arm.First.Final.Test.ContributionAbs.ContainsKey(c)))
                chart.AddSeeded(c, Seeded(arm, p => Of(p, set).ContributionAbs.GetValueOrDefault(c, 0)));
            chart.AddSeeded("network change |f − f_θ0|", Seeded(arm, p => Of(p, set).MeanChange), dashed: true);
            return chart;
        }
        return new StackedChart(Panel("train", true), Panel("test", false));
    }

    private static SetPoint Of(DecompositionPoint p, string set) => set == "train" ? p.Train : p.Test;

    /// <summary>Per-step relative deviation of the weight-decay contribution from −s·L·f_{t−1} (largest in each log window).</summary>
    public static LineChart DecayIdentity(IEnumerable<Arm> arms)
    {
        var chart = new LineChart { Title = "Weight decay vs functional shrinkage −s·L·f (test probes)", XLabel = "step",
            YLabel = "max per-step ‖Δf^wd − (−sLf)‖ / ‖sLf‖", LogY = true, LegendOutside = true };
        foreach (var arm in arms)
            chart.AddSeeded(arm.First.Role == SubRunRole.Identity ? arm.Name : $"{arm.Name}@{arm.First.Net.Name}", Seeded(arm, p => p.DecayStepDeviationMax),
                dashed: !arm.First.Homogeneous);
        return chart;
    }

    /// <summary>Momentum's projection and magnitude shares of each step's functional change (window means), with β.</summary>
    public static LineChart CarriedShare(IEnumerable<Arm> arms, double beta)
    {
        var chart = new LineChart { Title = "Share of the functional step carried over by momentum (test probes)", XLabel = "step",
            YLabel = "share", LegendOutside = true };
        int color = 0;
        double maxStep = 0;
        foreach (var arm in arms)
        {
            var projection = Seeded(arm, p => p.CarriedProjection);
            if (projection.Count == 0) continue;
            maxStep = Math.Max(maxStep, projection.X[^1]);
            chart.AddSeeded($"{arm.Name}: projection", projection, colorGroup: color);
            chart.AddSeeded($"{arm.Name}: magnitude", Seeded(arm, p => p.CarriedMagnitude), dashed: true, colorGroup: color);
            color++;
        }
        chart.AddSeries($"β = {beta}", [0, maxStep], [beta, beta], dashed: true);
        return chart;
    }

    /// <summary>Momentum vs rescaled SGD (one comparison per seed): the relative gap of the two functions (top) and the Jacobian's movement (bottom).</summary>
    public static StackedChart MomentumVersusRescaled(IReadOnlyList<MomentumComparison> comparisons)
    {
        var c = comparisons[0];
        var gaps = comparisons.Select(m => (IReadOnlyList<MomentumGap>)m.Gaps.Where(g => g.Step > 0).ToList()).ToList();
        var top = new LineChart { Title = $"SGD+momentum (γ = {c.Momentum.LearningRate:G3}) vs SGD at γ/(1−β) = {c.Rescaled.LearningRate:G3}",
            YLabel = "gap (test probes)", LogY = true }
            .AddSeeded("networks: mean |f_mom − f_sgd| / mean |f_sgd − f_θ0|", SeededPoints.Of(gaps, g => g.Step, g => g.RelativeNetwork))
            .AddSeeded("telescoping models: mean |f̃_mom − f̃_sgd| / mean |f̃_sgd − f_θ0|", SeededPoints.Of(gaps, g => g.Step, g => g.RelativeTelescoped))
            .AddSeeded("argmax disagreement", SeededPoints.Of(gaps, g => g.Step, g => g.Disagreement), dashed: true);
        SeededSeries Of(Func<MomentumComparison, DecompositionRun> run, Func<DecompositionPoint, double?> pick) =>
            SeededPoints.Of(comparisons.Select(m => (IReadOnlyList<DecompositionPoint>)run(m).Points).ToList(), p => p.Step, pick);
        var bottom = new LineChart { XLabel = "step", YLabel = "relative size", LogY = true }
            .AddSeeded("J·v drift per window, momentum run", Of(m => m.Momentum, p => p.JacobianDrift))
            .AddSeeded("J·v drift per window, rescaled run", Of(m => m.Rescaled, p => p.JacobianDrift), dashed: true)
            .AddSeeded("momentum run: ‖Jacobian-change term‖ / ‖f̃ − f_θ0‖", Of(m => m.Momentum, p => p.BlendingJacobianRelative));
        return new StackedChart(top, bottom);
    }

    /// <summary>Alignment of K^T with K over training (MNIST adaptive runs and the tabular Adam run).</summary>
    public static StackedChart Alignment(IEnumerable<Arm> adaptive, TabularArm? tabularAdam, string tabularName) =>
        new(AlignmentPanel(adaptive, tabularAdam, tabularName, centered: false), AlignmentPanel(adaptive, tabularAdam, tabularName, centered: true));

    private static LineChart AlignmentPanel(IEnumerable<Arm> adaptive, TabularArm? tabularAdam, string tabularName, bool centered)
    {
        var chart = new LineChart { Title = centered ? "" : "Alignment ⟨K^T, K⟩ / (‖K^T‖‖K‖)", XLabel = centered ? "step" : "",
            YLabel = centered ? "centered alignment" : "alignment", LegendOutside = true };
        int color = 0;
        foreach (var arm in adaptive)
        {
            chart.AddSeeded($"{arm.Name} MNIST train×train", Seeded(arm, p => centered ? p.AlignmentTrainCentered : p.AlignmentTrain), markers: true, colorGroup: color);
            chart.AddSeeded($"{arm.Name} MNIST test×train", Seeded(arm, p => centered ? p.AlignmentTestCentered : p.AlignmentTest), markers: true, dashed: true, colorGroup: color);
            color++;
        }
        if (tabularAdam is not null)
        {
            var points = tabularAdam.Runs.Select(r => (IReadOnlyList<TabularKernelPoint>)r.Points).ToList();
            chart.AddSeeded($"adam {tabularName} train×train", SeededPoints.Of(points, p => p.Step, p => centered ? p.AlignmentTrainCentered : p.AlignmentTrain), markers: true, colorGroup: color);
            chart.AddSeeded($"adam {tabularName} test×train", SeededPoints.Of(points, p => p.Step, p => centered ? p.AlignmentTestCentered : p.AlignmentTest), markers: true, dashed: true, colorGroup: color);
        }
        return chart;
    }

    /// <summary>W(π) of the final kernels: SGD's K, Adam's K^T and Adam's plain K (seed means of the repetition means).</summary>
    public static LineChart KernelWeights(IReadOnlyList<TabularArm> arms, string tabularName)
    {
        var chart = new LineChart { Title = $"{tabularName}: normalized max kernel-row norm W(π)", XLabel = "share of irregular inputs π",
            YLabel = "W(π)", LegendOutside = true };
        var pi = Enumerable.Range(0, 11).Select(i => i / 10.0).ToArray();
        SeededSeries Curve(TabularArm arm, Func<TabularKernelRun, RepetitionSpread[]> pick) =>
            SeededSeries.FromSeeds(pi, pi.Select((_, i) => (IReadOnlyList<double>)arm.Runs.Select(r => pick(r)[i].Mean).ToArray()).ToList());
        foreach (var arm in arms)
        {
            bool adam = arm.Optimizer == OptimizerChoice.Adam;
            chart.AddSeeded(adam ? "adam: K^T = J T Jᵀ" : "sgd: K = J Jᵀ", Curve(arm, r => r.WOwn), markers: true);
            if (adam) chart.AddSeeded("adam: plain K = J Jᵀ", Curve(arm, r => r.WPlain), markers: true, dashed: true);
        }
        return chart;
    }
}
