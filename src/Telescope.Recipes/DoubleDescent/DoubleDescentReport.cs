namespace Telescope.Recipes.DoubleDescent;

/// <summary>
/// Writes the double-descent report.md and its figures from the analysis (<see cref="DoubleDescentFindings"/>): the
/// definitions, the setup, the findings in words (DoubleDescentReport.Findings.cs), the tables and the figures
/// (DoubleDescentReport.Charts.cs). Every number and verdict comes from the analysis; this type only words them.
/// </summary>
internal sealed partial class DoubleDescentReport(RunContext context, DoubleDescentFacts facts, DoubleDescentSettings s,
    DoubleDescentFindings analysis, StabilityBound? bound)
{
    private bool Hutchinson => s.Smoother == SmootherChoice.Hutchinson;
    private int N => facts.TrainCount;
    private double ThresholdWidth => analysis.ThresholdWidth;
    private IReadOnlyList<long> Seeds => analysis.Seeds;
    private bool Seeded => analysis.Seeded;
    private string Label(WidthRun r) => r.Label(Seeded);
    private IReadOnlyList<WidthRun> runs => analysis.Runs;
    private List<WidthRun> Sweep(double noise) => analysis.Sweep(noise);
    private bool InCurve(WidthRun r) => analysis.InCurve(r);
    private bool Reliable(WidthRun r) => analysis.Reliable(r);
    private static SensitivityPoint? Net(WidthRun r) => DoubleDescentFindings.Net(r);
    private static List<int> WidthsOf(SeededSeries series) => DoubleDescentFindings.WidthsOf(series);
    private string SmootherName => SmootherNameOf(s, N);

    /// <summary>Why a network is not part of the curve ("" when it is).</summary>
    private string Flag(WidthRun r) => (r.Capped ? $"capped at {r.Steps} steps" : "") +
        (analysis.WorseThan.TryGetValue(r, out var narrower)
            ? (r.Capped ? "; " : "") + $"optimization failure (train MSE {F(r.Final.TrainMse)} > {F(narrower.Final.TrainMse)} at width {narrower.Width} + {F(s.WorseFitTolerance)})"
            : "");

    /// <summary>The noise each verdict is judged against, in words.</summary>
    private string SpreadNote => Seeded
        ? $"with {Seeds.Count} seeds ({string.Join(", ", Seeds)}) each curve's value at a width is the mean over the seeds in the curve, and a verdict's noise unit is the sample standard deviation over those seeds (the seed spread; widths where fewer than two seeds are in the curve are left out of a peak's noise test, and the verdict names them)"
        : "with one seed a verdict's noise unit is the curve's own roughness (median |second difference|/(0.6745·√6)), so a verdict the noise cannot support reads 'inconclusive at this noise level'";

    /// <summary>When a verdict over p can only be inconclusive (<see cref="DoubleDescentFindings.Peak"/>), in words.</summary>
    private const string FlagNote = "A verdict over p is inconclusive where the report flags the values it rests on — p_net not linear at σ (a finite-σ, floor-dominated response), " +
        "or the smoother's p not trustworthy by the comparison with p_net — at a width that decides a peak (the candidate or its higher side minimum) or at more than half of the networks in the curve; " +
        "a peak found is also inconclusive when its prominence exceeds the criterion by no more than the estimator's own standard error of the prominence (over its random directions); " +
        "a peak beyond the noise but not within near_factor of h* does not count as the paper's peak. Capped networks and optimization failures are left out of every curve";

    /// <summary>The smoother's description (summary.json and report.md).</summary>
    public static string SmootherNameOf(DoubleDescentSettings s, int n) => s.Smoother switch
    {
        SmootherChoice.None => "none (p_net by retraining only)",
        SmootherChoice.Kernel => "kernel recursion (docs/method.md §4.2), exact for plain GD/SGD",
        SmootherChoice.Exact => $"label-tangent propagation (docs/method.md §4.3), exact basis (D = n = {n}), exact for {s.Optimizer}" + PreconditionerNote(s),
        _ => $"label-tangent propagation (docs/method.md §4.3), Hutchinson with D = {s.Directions} Rademacher directions (unbiased; ± standard error), exact in expectation for {s.Optimizer}" + PreconditionerNote(s),
    };

    private static string PreconditionerNote(DoubleDescentSettings s) => s.Optimizer == "adam" && s.PreconditionerKind == TangentPreconditioner.Differentiated
        ? "; option: the surrogate keeps its own Adam second moment and the tangents differentiate through it (S = ∂f̂/∂Y at the labels)"
        : "";

    public void Write()
    {
        var report = context.CreateReport("Double descent through the telescoping lens",
        [
            ("train / test MSE", "mean (f(x) − y)²: training set against the targets trained on (noisy ones included), test set against clean ±1 targets"),
            ("p_train, p_test", "effective parameters n/|I|·Σ_{x∈I} ||s_T(x)||² (docs/method.md §5.1) of the smoother s_T of the optimizer actually used; p_train over the n training inputs, p_test over the test probes"),
            ("P", $"trainable parameters h·(d + 2) + 1 of the d-h-1 network, d = {facts.FeatureCount}"),
            ("interpolation threshold h*", $"the width where P = n: (n − 1)/(d + 2) = {F(ThresholdWidth)} (P = n = {N})"),
            ("trained to convergence", s.Convergence.Describe() + "; the rule reads only the network's own training MSE at logged steps, so a resumed run stops at the same step, and the p_net members (which step in lockstep with the network, or with sensitivity_members = separate replay it in their pair sub-run) train exactly as many steps"),
            ("in the curve", $"a network is part of the curves and verdicts when it converged (not capped) and is no optimization failure: its final train MSE does not exceed that of a narrower network of the same noise level and seed by more than {F(s.WorseFitTolerance)} (worse_fit_tolerance; a wider network contains the narrower ones, so a clearly worse fit is a failure of the optimizer, not a property of the width). Flagged networks are listed in the tables and drawn as crosses in the figures"),
            ("seeds", SpreadNote),
            ("peak (ratio criterion)", $"the interior width whose value most exceeds the lowest value at smaller AND at larger widths (prominence = the smaller of the two ratios; the grid's ends never count, so underfitting at width 1 is not a peak); a peak when prominence ≥ {F(s.PeakProminence)}; 'near the threshold' = within a factor {F(s.NearFactor)} of h*. Descriptive only: the verdicts use the noise criterion below"),
            ("p reliable", $"the surrogate stayed close to the network — mean |f̂ − f| on the training set ≤ {F(s.FidelityLimit)} (targets are ±1) — and its label sensitivities did not blow up — p_train ≤ {F(s.PTrainLimit)}·n (an interpolating least-squares smoother has p_train = n); p at other widths describes an unstable surrogate and is left out of the p findings and figure"),
            ("fidelity gap", "mean |·| differences on the tracked inputs at the end of training between the surrogate f̂_T = S_T·Y + c_T, the telescoping model f̃_T and the network f_θT (docs/method.md §4)"),
            ("which estimate", $"p_train / p_test are the surrogate smoother's ({SmootherName}); p_net_train / p_net_test are the network's own by retraining (docs/method.md §5.2)"),
            .. SensitivityFindings.Definitions(s.Sensitivity, bound, s.Retraining is not null),
        ]);

        var steps = analysis.StepRange;
        report.Heading("Setup").Bullets(
        [
            $"Data: {facts.Description}." + (facts.IsSynthetic
                ? " **These are not MNIST**: no data folder was given; pass `--data DIR` or set `TELESCOPE_DATA` to run on MNIST."
                : ""),
            $"Label noise: {string.Join("; ", facts.Flips.GroupBy(f => f.LabelNoise).Select(g => $"{F(g.Key)} → {string.Join(" / ", g.Select(f => f.Flipped).Distinct())} of {N} training targets flipped"))} " +
                $"(`BinaryTask.WithLabelNoise`, one flip set per level{(Seeded ? " and seed" : "")}, shared by all widths); test targets are clean.",
            $"Seeds: {(Seeded ? $"{Seeds.Count} repetitions ({string.Join(", ", Seeds)}); each drives the initialization, data order, label-noise flips and the estimators' random directions, while the data subset and probes are shared" : $"one ({Seeds[0]}); `--set seeds=0,1,2` repeats every network and judges the verdicts against the seed spread")}.",
            $"Model: {facts.FeatureCount}-h-1 ReLU networks with biases, PyTorch-style uniform initialization, {s.Compute.DType}; widths {string.Join(", ", runs.Select(r => r.Width).Distinct().Order())}.",
            $"Training: squared loss (c = {F(s.LossScale)}), {(s.Optimizer == "adam" ? "Adam (β = 0.9, 0.999, ε = 1e-8)" : "plain gradient descent")}, learning rate {F(s.LearningRate)}, " +
                $"{(s.FullBatch ? "full batch" : $"minibatches of {s.Batch}")}; {s.Convergence.Describe()}. Steps used: {F(steps.Min)}–{F(steps.Max)} (median {F(steps.Median)}).",
            $"Smoother: {SmootherName}. " + SmootherChoiceNote(),
            $"p_test and the fidelity gap use the first {s.TestProbes} test examples; test MSE uses all {facts.TestCount}.",
            $"Time: {F(runs.Sum(r => r.WallSeconds))} s wall, {F(runs.Sum(r => r.CpuSeconds))} s CPU of training over {runs.Count} networks on {Environment.ProcessorCount} logical processors, {s.Compute.Threads} torch thread(s); {LoadAverage()} (wall time depends on other load, CPU time much less).",
        ]);

        report.Heading("Findings");
        report.Paragraph(s.Verdicts.Describe() + " Here " + SpreadNote + ". " + FlagNote + ".");
        report.Bullets(Findings());

        foreach (var noise in analysis.Noises)
        {
            if (Seeded)
            {
                report.Heading($"Results, label noise {F(noise)}: mean ± sd over the seeds in the curve");
                // "mean ± sd" at a width over the networks include admits (just the value with one, "—" with none).
                (string, Func<int, object?>) Mean(string name, Func<WidthRun, bool> include, Func<WidthRun, double> value) =>
                    (name, w => SeedAggregate.Text(Sweep(noise).Where(r => r.Width == w && include(r)).Select(value), F));
                report.Table(Sweep(noise).Select(r => r.Width).Distinct().ToList(), ("width", w => w), ("P", w => DoubleDescentAnalysis.ParameterCount(facts.FeatureCount, w)),
                    ("seeds in curve", w => $"{Sweep(noise).Count(r => r.Width == w && InCurve(r))} of {Sweep(noise).Count(r => r.Width == w)}"),
                    Mean("steps (all seeds)", _ => true, r => r.Steps), Mean("train MSE", InCurve, r => r.Final.TrainMse),
                    Mean("test MSE", InCurve, r => r.Final.TestMse), Mean("test error", InCurve, r => r.Final.TestError),
                    Mean("p_train", analysis.Usable, r => r.Final.PTrain.Value), Mean("p_test", analysis.Usable, r => r.Final.PTest.Value),
                    Mean("p_net_train", InCurve, r => Net(r)?.Train?.Value ?? double.NaN), Mean("p_net_test", InCurve, r => Net(r)?.Test?.Value ?? double.NaN));
            }
            report.Heading(Seeded ? $"Every network, label noise {F(noise)}" : $"Results, label noise {F(noise)}");
            (string, Func<WidthRun, object?>)[] seedColumn = Seeded ? [("seed", r => r.Seed)] : [];
            report.Table(Sweep(noise), [
                ("width", r => r.Width), .. seedColumn,
                ("P", r => r.Parameters), ("steps", r => r.Steps), ("stop", r => DoubleDescentOutput.StopName(r.Stop)), ("not in curve", r => Flag(r) is { Length: > 0 } f ? $"**{f}**" : ""),
                ("train MSE", r => r.Final.TrainMse), ("test MSE", r => r.Final.TestMse),
                ("test error", r => r.Final.TestError),
                ("p_train", r => PWithError(r.Final.PTrain)), ("p_test", r => PWithError(r.Final.PTest)), ("p reliable", r => Reliable(r) ? "yes" : "**NO**"),
                ("|f̂ − f̃| train", r => r.TrainFidelity?.SurrogateVsTelescoped), ("|f̂ − f| train", r => r.TrainFidelity?.SurrogateVsNetwork),
                ("|f̃ − f| train", r => r.TrainFidelity?.TelescopedVsNetwork),
                ("|f̂ − f̃| test", r => r.TestFidelity?.SurrogateVsTelescoped), ("|f̂ − f| test", r => r.TestFidelity?.SurrogateVsNetwork),
                ("|f̃ − f| test", r => r.TestFidelity?.TelescopedVsNetwork),
                ("p_net_train", r => Net(r) is { Train: { } a } ? PNet(a) : null), ("p_net_test", r => Net(r) is { Test: { } b } ? PNet(b) : null),
                ("linearity train / test", r => Net(r) is { Train: { } a, Test: { } b } ? $"{F(a.LinearityRatio ?? double.NaN)} / {F(b.LinearityRatio ?? double.NaN)}" : null),
                ("floor / Δf at σ (test)", r => Net(r) is { Test: { } b } ? $"{F(b.FloorDifference)} / {F(b.MeanDifference)}" : null),
                ("p − p_net train", r => Net(r)?.TrainAgreement is { } d ? $"{F(d.Difference)} ± {F(d.StandardError)}" : null),
                ("p − p_net test", r => Net(r)?.TestAgreement is { } d ? $"{F(d.Difference)} ± {F(d.StandardError)}" : null),
                ("λ_T", r => r.Sensitivity.LastOrDefault(p => p.Sharpness is not null)?.Sharpness),
                ("λ > bound from", r => bound is null ? null : SensitivityColumns.FirstUnstable(r.Sensitivity, bound)?.Step),
                ("p_train > limit from", r => analysis.FirstBlowUp(r)?.Step),
                ("last-interval Δtrain MSE", r => r.LastTrainMseChange), ("wall s", r => Math.Round(r.WallSeconds, 1)), ("CPU s", r => Math.Round(r.CpuSeconds, 1))]);
        }

        string bands = Seeded ? $" Lines are means over the seeds in the curve with ±1 sd bands ({Seeds.Count} seeds)." : "";
        const string crosses = " Crosses: networks not in the curve (capped or an optimization failure), at their own values.";
        report.Heading("Figures");
        report.Figure(context.Folder.SaveFigure(MseFigure(), "mse_vs_width"),
            "Test MSE (top) and train MSE (bottom) of the final networks against width; the dashed vertical line marks the interpolation threshold h* (P = n)." + bands + crosses);
        report.Figure(context.Folder.SaveFigure(StepsFigure(), "steps_vs_width"),
            "Training steps each network used before the convergence rule stopped it (mean ± sd over all seeds); crosses: networks that hit the cap (max_steps).");
        if (s.Retraining is not null)
            report.Figure(context.Folder.SaveFigure(NetFigure(), "p_net_vs_width"),
                "The network's own p_net_train (solid) and p_net_test (dashed) by retraining at every width in the curve (markers: circles), with the smoother's p at the same networks where it is finite (no markers; log scale, so blown-up values show as such)." + bands);
        if (s.HasSmoother)
            report.Figure(context.Folder.SaveFigure(PFigure(), "p_vs_width"),
                "Effective parameters p_train (solid) and p_test (dashed) against width, over the networks in the curve whose p is reliable (see the tables); dashed vertical line: h*." + (Hutchinson ? " Hutchinson estimates (standard errors in the tables)." : "") + bands);
        context.Folder.WriteReport(report.ToString());
    }

    private string SmootherChoiceNote() => s.Smoother switch
    {
        SmootherChoice.Hutchinson => $"Chosen for cost: the exact basis needs D = n = {N} tangent directions (≈ n backward passes per step), " +
            "Hutchinson needs D; `--set smoother=exact` gives exact S. With `--set optimizer=gd` the kernel recursion (`smoother=kernel`) is exact and cheap.",
        SmootherChoice.Exact => "Exact S (no estimation error); `--set smoother=hutchinson` is the scalable alternative.",
        _ => "Exact for plain gradient descent; with Adam use `smoother=hutchinson` or `exact` (docs/method.md §4.3).",
    };

    private string PNet(NetworkSensitivityEstimate e) => e.IsLinear == false ? $"{F(e.Value)} ± {F(e.StandardError)} (not linear)" : $"{F(e.Value)} ± {F(e.StandardError)}";

    private string PWithError(Smoothing.EffectiveParameterEstimate p) =>
        Hutchinson ? $"{F(p.Value)} ± {F(p.StandardError)}" : F(p.Value);

    /// <summary>The 1/5/15-minute load averages at the end of the run (Linux), since timings on a shared machine depend on them.</summary>
    private static string LoadAverage()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return $"load average at the end {parts[0]} / {parts[1]} / {parts[2]} (1 / 5 / 15 min)";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "load average not available";
        }
    }

    private static string F(double v) => v.ToString("G3", CultureInfo.InvariantCulture);
    private static string Join(IEnumerable<double> values) => "[" + string.Join(", ", values.Select(F)) + "]";
    private static string JoinInts(IEnumerable<int> values) => "[" + string.Join(", ", values) + "]";
}
