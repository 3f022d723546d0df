using System.Globalization;
using Telescope.Data;
using Telescope.Experiments.Sensitivity;
using Telescope.Reporting;
using Telescope.Smoothing;
using Telescope.Verdicts;

namespace Telescope.Experiments.DoubleDescent;

/// <summary>Writes the double-descent run's metrics.csv, summary.json, figures and report.md.</summary>
internal sealed class DoubleDescentOutput(RunContext context, DoubleDescentData data, DoubleDescentConfig config,
    IReadOnlyDictionary<double, BinaryTask> tasks, IReadOnlyList<WidthRun> runs, StabilityBound? bound)
{
    private bool Hutchinson => config.Smoother == SmootherChoice.Hutchinson;
    private int N => data.Train.Count;
    private double ThresholdWidth => DoubleDescentAnalysis.ThresholdWidth(N, data.FeatureCount);
    private IEnumerable<double> Noises => runs.Select(r => r.LabelNoise).Distinct();
    private List<WidthRun> Sweep(double noise) => runs.Where(r => r.LabelNoise == noise).OrderBy(r => r.Width).ToList();
    private double FidelityLimit => context.Settings.GetDouble("fidelity_limit");

    /// <summary>
    /// p describes the network only while the surrogate stays close to it. With Adam the surrogate freezes the
    /// realized preconditioner, which becomes huge once the network interpolates (tiny gradients); fed its own
    /// residuals, the surrogate can then diverge. Such widths are flagged and left out of the p findings.
    /// </summary>
    /// <remarks>
    /// The fidelity gap tests the surrogate only along V = Y; other label directions can blow up while it stays
    /// small, so p_train far above n (the value of an interpolating least-squares smoother) is flagged too.
    /// </remarks>
    private bool Reliable(WidthRun r) => r.TrainFidelity is { } f && double.IsFinite(f.SurrogateVsNetwork) && f.SurrogateVsNetwork <= FidelityLimit
        && double.IsFinite(r.Final.PTrain.Value) && double.IsFinite(r.Final.PTest.Value)
        && r.Final.PTrain.Value <= context.Settings.GetDouble("p_train_limit") * N;
    private List<WidthRun> ReliableSweep(double noise) => Sweep(noise).Where(Reliable).ToList();

    public void WriteMetrics()
    {
        string[] columns = ["label_noise", "width", "parameters", "train_mse", "test_mse", "test_error", "p_train", "p_test",
            .. Hutchinson ? new[] { "p_train_se", "p_test_se" } : [], .. SensitivityColumns.Names];
        using var csv = context.Folder.OpenMetrics(columns);
        foreach (var run in runs)
            foreach (var (p, net) in run.Points.Zip(run.Sensitivity))
                csv.WriteRow(run.Label, p.Step,
                [
                    run.LabelNoise, run.Width, run.Parameters, p.TrainMse, p.TestMse, p.TestError, SensitivityColumns.Measured(p.PTrain.Value), SensitivityColumns.Measured(p.PTest.Value),
                    .. Hutchinson ? new double?[] { p.PTrain.StandardError, p.PTest.StandardError } : [],
                    .. SensitivityColumns.Values(net),
                ]);
    }

    public void WriteSummary()
    {
        var results = runs.Select(r =>
        {
            var row = new Dictionary<string, object?>
            {
                ["label_noise"] = r.LabelNoise,
                ["width"] = r.Width,
                ["parameters"] = r.Parameters,
                ["train_mse"] = r.Final.TrainMse,
                ["test_mse"] = r.Final.TestMse,
                ["test_error"] = r.Final.TestError,
                ["p_train"] = SensitivityColumns.Measured(r.Final.PTrain.Value),
                ["p_test"] = SensitivityColumns.Measured(r.Final.PTest.Value),
            };
            if (Hutchinson)
            {
                row["p_train_se"] = r.Final.PTrain.StandardError;
                row["p_test_se"] = r.Final.PTest.StandardError;
            }
            row["p_reliable"] = Reliable(r);
            row["fidelity_train"] = Fidelity(r.TrainFidelity);
            row["fidelity_test"] = Fidelity(r.TestFidelity);
            row["steps"] = r.Final.Step;
            row["last_interval_train_mse_change"] = r.LastTrainMseChange;
            row["wall_seconds"] = Math.Round(r.WallTime.TotalSeconds, 2);
            row["cpu_seconds"] = Math.Round(r.CpuTime.TotalSeconds, 2);
            row["retraining_members"] = r.Members;
            row["retraining_seconds"] = Math.Round(r.RetrainingTime.TotalSeconds, 2);
            row["stability_seconds"] = Math.Round(r.StabilityTime.TotalSeconds, 2);
            row["step_p_unreliable"] = FirstBlowUp(r)?.Step;
            foreach (var (key, value) in SensitivityColumns.Summary(r.Sensitivity, bound)) row[key] = value;
            return row;
        }).ToList();
        context.Folder.WriteSummary(new Dictionary<string, object?>
        {
            ["recipe"] = "double-descent",
            ["data"] = data.Description,
            ["synthetic_data"] = data.IsSynthetic,
            ["n"] = N,
            ["features"] = data.FeatureCount,
            ["threshold_width"] = ThresholdWidth,
            ["optimizer"] = config.Optimizer,
            ["smoother"] = SmootherName,
            ["sensitivity"] = config.Sensitivity is { } o
                ? FormattableString.Invariant($"retraining (SPEC §3b), σ = {o.Sigma}, D = {o.DirectionCount}, linearity check {(o.LinearityCheck ? "σ/4" : "off")}")
                : "none",
            ["stability_bound"] = bound?.Value,
            ["stability_bound_setting"] = bound?.Description,
            ["peaks"] = Noises.ToDictionary(n => n.ToString("G4", CultureInfo.InvariantCulture), n =>
            {
                var sweep = Sweep(n);
                var test = Peak(sweep, r => r.Final.TestMse);
                var reliable = sweep.Where(Reliable).ToList();
                var pTest = reliable.Count > 0 ? Peak(reliable, r => r.Final.PTest.Value) : new SeriesPeak(0, 0, double.NaN, 0);
                return new Dictionary<string, object?>
                {
                    ["test_mse_peak_width"] = test.Width,
                    ["test_mse_peak_prominence"] = test.Prominence,
                    ["p_test_peak_width"] = pTest.Width,
                    ["p_test_peak_prominence"] = pTest.Prominence,
                    ["interpolation_width"] = InterpolationWidth(sweep),
                };
            }),
            ["results"] = results,
        });
    }

    private static Dictionary<string, double>? Fidelity(Smoothing.SmootherFidelity? f) => f is null ? null : new()
    {
        ["surrogate_vs_telescoping"] = f.SurrogateVsTelescoped,
        ["surrogate_vs_network"] = f.SurrogateVsNetwork,
        ["telescoping_vs_network"] = f.TelescopedVsNetwork,
    };


    /// <summary>The first logged step at which the smoother's p_train exceeds p_train_limit·n (or p is not finite).</summary>
    private DoubleDescentPoint? FirstBlowUp(WidthRun r) => !config.HasSmoother ? null
        : r.Points.FirstOrDefault(p => p.Step > 0 && !(p.PTrain.Value <= context.Settings.GetDouble("p_train_limit") * N && double.IsFinite(p.PTest.Value)));

    private SensitivityPoint? Net(WidthRun r) => r.Sensitivity.LastOrDefault(p => p.Train is not null);

    private string SmootherName => config.Smoother switch
    {
        SmootherChoice.None => "none (p_net by retraining only)",
        SmootherChoice.Kernel => "kernel recursion (SPEC §2a), exact for plain GD/SGD",
        SmootherChoice.Exact => $"label-tangent propagation (SPEC §2b), exact basis (D = n = {N}), exact for {config.Optimizer}" + PreconditionerNote,
        _ => $"label-tangent propagation (SPEC §2b), Hutchinson with D = {config.Directions} Rademacher directions (unbiased; ± standard error), exact in expectation for {config.Optimizer}" + PreconditionerNote,
    };

    private string PreconditionerNote => config.Optimizer == "adam" && config.Preconditioner == TangentPreconditioner.Differentiated
        ? "; option: the surrogate keeps its own Adam second moment and the tangents differentiate through it (S = ∂f̂/∂Y at the labels)"
        : "";

    public void WriteReport()
    {
        var s = context.Settings;
        var report = context.CreateReport("Double descent through the telescoping lens",
        [
            ("train / test MSE", "mean (f(x) − y)²: training set against the targets trained on (noisy ones included), test set against clean ±1 targets"),
            ("p_train, p_test", "effective parameters n/|I|·Σ_{x∈I} ||s_T(x)||² (SPEC §3) of the smoother s_T of the optimizer actually used; p_train over the n training inputs, p_test over the test probes"),
            ("P", $"trainable parameters h·(d + 2) + 1 of the d-h-1 network, d = {data.FeatureCount}"),
            ("interpolation threshold h*", $"the width where P = n: (n − 1)/(d + 2) = {F(ThresholdWidth)} (P = n = {N})"),
            ("peak", $"the interior width whose value most exceeds the lowest value at smaller AND at larger widths (prominence = the smaller of the two ratios; the grid's ends never count, so underfitting at width 1 is not a peak); a peak when prominence ≥ {F(s.GetDouble("peak_prominence"))}; 'near the threshold' = within a factor {F(s.GetDouble("near_factor"))} of h*"),
            ("p reliable", $"the surrogate stayed close to the network — mean |f̂ − f| on the training set ≤ {F(s.GetDouble("fidelity_limit"))} (targets are ±1) — and its label sensitivities did not blow up — p_train ≤ {F(s.GetDouble("p_train_limit"))}·n (an interpolating least-squares smoother has p_train = n); p at other widths describes an unstable surrogate and is left out of the p findings and figure"),
            ("fidelity gap", "mean |·| differences on the tracked inputs at the end of training between the surrogate f̂_T = S_T·Y + c_T, the telescoping model f̃_T and the network f_θT (SPEC §2)"),
            ("which estimate", $"p_train / p_test are the surrogate smoother's ({SmootherName}); p_net_train / p_net_test are the network's own by retraining (SPEC §3b)"),
            .. SensitivityFindings.Definitions(s, bound, config.Sensitivity is not null),
        ]);

        report.Heading("Setup").Bullets(
        [
            $"Data: {data.Description}." + (data.IsSynthetic
                ? " **These are not MNIST**: no data folder was given; pass `--data DIR` or set `TELESCOPE_DATA` to run on MNIST."
                : ""),
            $"Label noise: {string.Join("; ", tasks.Select(kv => $"{F(kv.Key)} → {kv.Value.FlippedIndices.Length} of {N} training targets flipped"))} (`BinaryTask.WithLabelNoise`, one flip set per level shared by all widths); test targets are clean.",
            $"Model: {data.FeatureCount}-h-1 ReLU networks with biases, PyTorch-style uniform initialization (seed {context.Seed}), {config.DType}; widths {string.Join(", ", runs.Select(r => r.Width).Distinct())}.",
            $"Training: squared loss (c = {F(config.LossScale)}), {(config.Optimizer == "adam" ? "Adam (β = 0.9, 0.999, ε = 1e-8)" : "plain gradient descent")}, learning rate {F(config.LearningRate)}, " +
                $"{(config.FullBatch ? "full batch" : $"minibatches of {s.GetInt("batch_size")}")}, {config.Steps} steps per network.",
            $"Smoother: {SmootherName}. " + SmootherChoiceNote(),
            $"p_test and the fidelity gap use the first {s.GetInt("test_probes")} test examples; test MSE uses all {data.Test.Count}.",
            $"Time: {F(runs.Sum(r => r.WallTime.TotalSeconds))} s wall, {F(runs.Sum(r => r.CpuTime.TotalSeconds))} s CPU of training over {runs.Count} networks on {Environment.ProcessorCount} logical processors, {context.Settings.GetInt(RecipeSettings.ThreadsKey)} torch thread(s); {LoadAverage()} (wall time depends on other load, CPU time much less).",
        ]);

        report.Heading("Findings");
        report.Paragraph(context.Settings.GetVerdictCriteria().Describe());
        report.Bullets(Findings());

        foreach (var noise in Noises)
        {
            report.Heading($"Results, label noise {F(noise)}");
            report.Table(Sweep(noise),
                ("width", r => r.Width), ("P", r => r.Parameters), ("train MSE", r => r.Final.TrainMse), ("test MSE", r => r.Final.TestMse),
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
                ("p_train > limit from", r => FirstBlowUp(r)?.Step),
                ("last-interval Δtrain MSE", r => r.LastTrainMseChange), ("wall s", r => Math.Round(r.WallTime.TotalSeconds, 1)), ("CPU s", r => Math.Round(r.CpuTime.TotalSeconds, 1)));
        }

        report.Heading("Figures");
        report.Figure(context.Folder.SaveFigure(MseFigure(), "mse_vs_width"),
            "Test MSE (top) and train MSE (bottom) of the final networks against width; the dashed vertical line marks the interpolation threshold h* (P = n).");
        if (config.Sensitivity is not null)
            report.Figure(context.Folder.SaveFigure(NetFigure(), "p_net_vs_width"),
                "The network's own p_net_train (solid) and p_net_test (dashed) by retraining at EVERY width (markers: circles), with the smoother's p at the same widths where it is finite (no markers; log scale, so blown-up values show as such); dashed vertical line: h*.");
        if (config.HasSmoother)
        report.Figure(context.Folder.SaveFigure(PFigure(), "p_vs_width"),
            "Effective parameters p_train (solid) and p_test (dashed) against width, at widths where p is reliable (see the tables); dashed vertical line: h*." + (Hutchinson ? " Hutchinson estimates (standard errors in the tables)." : ""));
        context.Folder.WriteReport(report.ToString());
    }

    private string SmootherChoiceNote() => config.Smoother switch
    {
        SmootherChoice.Hutchinson => $"Chosen for cost: the exact basis needs D = n = {N} tangent directions (≈ n backward passes per step), " +
            "Hutchinson needs D; `--set smoother=exact` gives exact S. With `--set optimizer=gd` the kernel recursion (`smoother=kernel`) is exact and cheap.",
        SmootherChoice.Exact => "Exact S (no estimation error); `--set smoother=hutchinson` is the scalable alternative.",
        _ => "Exact for plain gradient descent; with Adam use `smoother=hutchinson` or `exact` (SPEC §2b).",
    };

    private string PNet(NetworkSensitivityEstimate e) => e.IsLinear == false ? $"{F(e.Value)} ± {F(e.StandardError)} (not linear)" : $"{F(e.Value)} ± {F(e.StandardError)}";

    /// <summary>
    /// The SPEC §6 double-descent question answered from p_net (the network's own label sensitivity) at every width,
    /// including those where the smoother's p is flagged; stability and agreement per width.
    /// </summary>
    private IEnumerable<string> NetworkFindings(double noise, double prominence, double near)
    {
        var s = context.Settings;
        var sweep = Sweep(noise).Where(r => Net(r) is not null).ToList();
        if (sweep.Count == 0) yield break;
        string level = $"**Label noise {F(noise)}, p_net (retraining)**";
        var finals = sweep.Select(r => Net(r)!).ToList();
        var linear = sweep.Where(r => Net(r) is { Train.IsLinear: true, Test.IsLinear: true }).ToList();
        yield return $"{level}: p_net_train {Join(finals.Select(p => p.Train!.Value))} and p_net_test {Join(finals.Select(p => p.Test!.Value))} over widths {JoinInts(sweep.Select(r => r.Width))} " +
            $"(σ = {F(finals[0].Train!.Sigma)}); the response is linear at σ (both sets) at widths {JoinInts(linear.Select(r => r.Width))}" +
            (linear.Count == sweep.Count ? " — all of them." : $"; at the others p_net is a finite-σ response, not a measurement (linearity ratios train {Join(finals.Select(p => p.Train!.LinearityRatio ?? double.NaN))}).");
        var (up, steps) = DoubleDescentAnalysis.Growth(finals.Select(p => p.Train!.Value).ToList(), finals.Select(p => 2 * p.Train!.StandardError).ToList());
        yield return $"{level}: p_net_train " + (up == steps ? "grows with width (no step up the grid decreases it by more than two standard errors), as the paper finds for p_train."
            : $"does NOT grow monotonically with width ({steps - up} of {steps} steps up the grid decrease it by more than two standard errors).");
        var peak = DoubleDescentAnalysis.Peak(sweep.Select(r => r.Width).ToList(), finals.Select(p => p.Test!.Value).ToList());
        bool isNear = DoubleDescentAnalysis.IsNearThreshold(peak.Width, ThresholdWidth, near);
        yield return $"{level}: p_net_test " + (peak.IsPeak(prominence)
            ? $"peaks at width {peak.Width} (value {F(peak.Value)}, prominence {F(peak.Prominence)}×), {(isNear ? "" : "NOT ")}within {F(near)}× of h* = {F(ThresholdWidth)}, and is {F(finals[^1].Test!.Value)} at width {sweep[^1].Width}" + (isNear ? " — as the paper finds for p_test." : ".")
            : $"has no peak by the ≥ {F(prominence)}× criterion (best interior prominence {F(peak.Prominence)} at width {peak.Width}).");
        var beyond = sweep.Where(r => r.Width > ThresholdWidth).ToList();
        if (beyond.Count > 0)
            yield return $"{level}: beyond the threshold p_net_test < p_net_train at {beyond.Count(r => Net(r)!.Test!.Value < Net(r)!.Train!.Value)} of {beyond.Count} widths.";
        var flagged = config.HasSmoother ? Sweep(noise).Where(r => !Reliable(r)).ToList() : [];
        if (flagged.Count > 0)
            yield return $"{level}: at the widths where the smoother's p is flagged unreliable ({JoinInts(flagged.Select(r => r.Width))}) the smoother's final p_train is {Join(flagged.Select(r => r.Final.PTrain.Value))} against p_net_train {Join(flagged.Select(r => Net(r)?.Train?.Value ?? double.NaN))}.";
        double limit = s.GetDouble("p_train_limit") * N;
        foreach (var r in Sweep(noise))
            foreach (var line in SensitivityFindings.For(r.Label, r.Sensitivity, bound,
                config.HasSmoother ? r.Points.Select(p => (p.Step, p.PTrain.Value, p.PTest.Value)).ToList() : [], limit, s.GetDouble("agreement_se"), s.GetDouble("agreement_relative"), describeNetwork: false))
                yield return line;
    }

    private IFigure NetFigure()
    {
        var chart = new LineChart { Title = "p_net (retraining) and the smoother's p against width", XLabel = "hidden width h (log scale)", YLabel = "effective parameters", LogX = true, LogY = true, LegendOutside = true };
        foreach (var noise in Noises)
        {
            var sweep = Sweep(noise).Where(r => Net(r) is not null).ToList();
            var widths = sweep.Select(r => (double)r.Width).ToArray();
            chart.AddSeries($"p_net_train, noise {F(noise)}", widths, sweep.Select(r => Net(r)!.Train!.Value).ToArray(), markers: true);
            chart.AddSeries($"p_net_test, noise {F(noise)}", widths, sweep.Select(r => Net(r)!.Test!.Value).ToArray(), markers: true, dashed: true);
            if (config.HasSmoother)
            {
                chart.AddSeries($"p_train (smoother), noise {F(noise)}", widths, sweep.Select(r => r.Final.PTrain.Value).ToArray());
                chart.AddSeries($"p_test (smoother), noise {F(noise)}", widths, sweep.Select(r => r.Final.PTest.Value).ToArray(), dashed: true);
            }
        }
        return chart;
    }

    private List<string> Findings()
    {
        var s = context.Settings;
        double prominence = s.GetDouble("peak_prominence"), near = s.GetDouble("near_factor");
        var findings = new List<string>
        {
            $"Interpolation threshold: P = n = {N} at width h* = {F(ThresholdWidth)} (d = {data.FeatureCount}).",
        };
        foreach (var noise in Noises) findings.AddRange(NetworkFindings(noise, prominence, near));
        foreach (var noise in Noises)
        {
            var sweep = Sweep(noise);
            string level = $"**Label noise {F(noise)}**";
            int? interp = InterpolationWidth(sweep);
            findings.Add($"{level}: the networks interpolate (final train MSE ≤ {F(s.GetDouble("interpolation_tolerance"))}) " +
                (interp is int w ? $"from width {w} (P = {DoubleDescentAnalysis.ParameterCount(data.FeatureCount, w)}) on the grid." : "at no width of the grid (not trained to interpolation)."));

            var test = Peak(sweep, r => r.Final.TestMse);
            findings.Add($"{level}: test MSE is {Join(sweep.Select(r => r.Final.TestMse))} over widths {JoinInts(sweep.Select(r => r.Width))}; " +
                PeakSentence("test MSE", test, prominence, near, sweep, expectPeak: noise > 0));

            if (!config.HasSmoother) continue;
            var reliable = ReliableSweep(noise);
            var flagged = sweep.Where(r => !Reliable(r)).ToList();
            if (flagged.Count > 0)
                findings.Add($"{level}: **p is unreliable at widths {JoinInts(flagged.Select(r => r.Width))}**: the surrogate drifted from the network or its label sensitivities blew up " +
                    $"(mean |f̂ − f| on the training set {Join(flagged.Select(r => r.TrainFidelity?.SurrogateVsNetwork ?? double.NaN))}, limit {F(FidelityLimit)}; " +
                    $"p_train {Join(flagged.Select(r => r.Final.PTrain.Value))}, limit {F(context.Settings.GetDouble("p_train_limit") * N)}). " +
                    (config.Optimizer != "adam" ? "The p findings below use the other widths only."
                        : config.Preconditioner == TangentPreconditioner.Frozen
                            ? "With Adam the surrogate freezes the realized preconditioner, which grows huge as the network interpolates; " +
                              "the p findings below use the other widths only. `--set optimizer=gd --set smoother=kernel` avoids this."
                            : "This happened although the surrogate keeps its own Adam second moment (preconditioner=differentiated); the p findings below use the other widths only."));
            if (reliable.Count < 3)
            {
                findings.Add($"{level}: fewer than three widths have reliable p; no p findings.");
                continue;
            }
            var pTrain = reliable.Select(r => r.Final.PTrain.Value).ToList();
            var (up, steps) = DoubleDescentAnalysis.Growth(pTrain, reliable.Select(r => 2 * r.Final.PTrain.StandardError).ToList());
            var pTrainTrend = TrendTest.Judge(SeededSeries.FromSingle(reliable.Select(r => Math.Log(r.Width)).ToList(), pTrain), context.Settings.GetVerdictCriteria(), TrendDirection.Grows);
            findings.Add($"{level}: " + pTrainTrend.Verdict.About("the paper finds p_train growing with width (slope against log width, one seed)"));
            findings.Add($"{level}: p_train is {Join(pTrain)} over widths {JoinInts(reliable.Select(r => r.Width))} — " +
                (up == steps ? "no step up the grid decreases it" + (Hutchinson ? " by more than two standard errors" : "") + "."
                    : $"it does NOT grow monotonically with width ({steps - up} of {steps} steps up the grid decrease it" + (Hutchinson ? " by more than two standard errors" : "") + $"); first {F(pTrain[0])}, last {F(pTrain[^1])}." +
                      DecreaseContext(reliable)));

            var pTest = Peak(reliable, r => r.Final.PTest.Value);
            findings.Add($"{level}: p_test is {Join(reliable.Select(r => r.Final.PTest.Value))}; " + PeakSentence("p_test", pTest, prominence, near, reliable, expectPeak: true));
            var below = reliable.Where(r => r.Width > ThresholdWidth).Count(r => r.Final.PTest.Value < r.Final.PTrain.Value);
            int beyond = reliable.Count(r => r.Width > ThresholdWidth);
            if (beyond > 0)
                findings.Add($"{level}: beyond the threshold p_test < p_train at {below} of {beyond} widths (p_test below p_train = benign overfitting, SPEC §3).");
        }

        var noisy = Noises.Where(n => n > 0).ToList();
        if (Noises.Contains(0.0) && noisy.Count > 0)
        {
            var clean = Peak(Sweep(0.0), r => r.Final.TestMse);
            var withNoise = noisy.Select(n => (Noise: n, Peak: Peak(Sweep(n), r => r.Final.TestMse))).ToList();
            bool cleanPeak = clean.IsPeak(prominence);
            var criteria = context.Settings.GetVerdictCriteria();
            PeakResult Judged(double n, bool expect) => PeakTest.Find(SeededSeries.FromSingle(Sweep(n).Select(r => (double)r.Width).ToList(),
                Sweep(n).Select(r => r.Final.TestMse).ToList()), criteria, expect, "width");
            findings.Add($"Without noise the test-MSE prominence is {F(clean.Prominence)} (maximum at width {clean.Width}) vs " +
                string.Join(", ", withNoise.Select(w => $"{F(w.Peak.Prominence)} with noise {F(w.Noise)}")) + " — " +
                (cleanPeak ? $"the clean sweep ALSO has a peak by the ≥ {F(prominence)}× ratio criterion, unlike the paper's finding."
                    : $"no peak without noise by the ratio criterion (below {F(prominence)}×).") +
                (withNoise.Any(w => w.Peak.IsPeak(prominence)) ? "" : $" But no noisy sweep has a peak by the same criterion either, so the contrast is not shown.") +
                " " + Judged(0, false).Verdict.About("Judged against the noise, the paper's 'no peak without label noise'") +
                string.Concat(noisy.Select(n => " " + Judged(n, true).Verdict.About($"The paper's peak with noise {F(n)}"))));
        }

        var gaps = runs.Where(r => r.TestFidelity is not null).ToList();
        if (gaps.Count > 0)
        {
            var worst = gaps.MaxBy(r => r.TestFidelity!.SurrogateVsNetwork)!;
            findings.Add($"Smoother fidelity (test probes): largest |f̂ − f| = {F(worst.TestFidelity!.SurrogateVsNetwork)} at {worst.Label} " +
                $"(|f̂ − f̃| = {F(worst.TestFidelity.SurrogateVsTelescoped)}, |f̃ − f| = {F(worst.TestFidelity.TelescopedVsNetwork)}); " +
                $"median |f̂ − f| over all networks {F(Median(gaps.Select(r => r.TestFidelity!.SurrogateVsNetwork)))}. Every width is in the tables below. " +
                "A large gap means p describes the surrogate more than the network at that width.");
        }
        if (data.IsSynthetic)
            findings.Add("These numbers come from the built-in synthetic images, not MNIST; compare them with the paper only after a run on MNIST.");
        return findings;
    }

    /// <summary>Where p_train falls from one width to the next, says whether the wider network also fits its training set worse.</summary>
    private static string DecreaseContext(List<WidthRun> sweep)
    {
        var drops = Enumerable.Range(1, sweep.Count - 1)
            .Where(i => sweep[i].Final.PTrain.Value < sweep[i - 1].Final.PTrain.Value - 2 * (sweep[i].Final.PTrain.StandardError + sweep[i - 1].Final.PTrain.StandardError))
            .ToList();
        if (drops.Count == 0) return "";
        int worseFit = drops.Count(i => sweep[i].Final.TrainMse > sweep[i - 1].Final.TrainMse);
        return $" At {worseFit} of these {drops.Count} decreases the wider network also ends with a higher train MSE " +
            $"({string.Join(", ", drops.Select(i => $"{sweep[i - 1].Width}→{sweep[i].Width}: train MSE {F(sweep[i - 1].Final.TrainMse)}→{F(sweep[i].Final.TrainMse)}"))}), i.e. it fit less of the labels.";
    }

    private string PeakSentence(string what, SeriesPeak peak, double prominence, double near, List<WidthRun> sweep, bool expectPeak)
    {
        // The ratio criterion picks the most prominent interior bump; the noise criterion (issue: findings that survive
        // noise) only accepts the grid's maximum beyond its first point, and only when it stands out of the noise.
        var values = sweep.Select(r => what == "p_test" ? r.Final.PTest.Value : r.Final.TestMse).ToList();
        var judged = PeakTest.Find(SeededSeries.FromSingle(sweep.Select(r => (double)r.Width).ToList(), values), context.Settings.GetVerdictCriteria(), expectPeak, "width");
        string noise = $" Judged against the noise (one seed): {judged.Verdict.Statement} — " +
            (expectPeak ? "the paper's peak " : "the paper's 'no peak' ") + judged.Verdict.Tag + ".";
        if (!peak.IsPeak(prominence))
            return (peak.Prominence >= 1
                ? $"its most prominent interior maximum ({F(peak.Value)} at width {peak.Width}) stands out only {F(peak.Prominence)}× (< {F(prominence)}): no peak by the ratio criterion."
                : $"no interior width stands above both sides (best prominence {F(peak.Prominence)} < 1): no peak by the ratio criterion.") + noise;
        bool isNear = DoubleDescentAnalysis.IsNearThreshold(peak.Width, ThresholdWidth, near);
        bool sameWidth = sweep[judged.Index].Width == peak.Width;
        return $"by the ratio criterion it peaks at width {peak.Width} (P = {sweep[peak.Index].Parameters}, value {F(peak.Value)}, prominence {F(peak.Prominence)}×), " +
            (isNear ? $"within {F(near)}× of h* = {F(ThresholdWidth)}" : $"NOT within {F(near)}× of h* = {F(ThresholdWidth)}") +
            $", and falls to {F(values[^1])} at the largest width {sweep[^1].Width}" +
            (sameWidth ? "" : $"; that bump is NOT the grid's maximum beyond the first width (width {sweep[judged.Index].Width}, {F(values[judged.Index])})") + "." +
            noise + (judged.Found && sameWidth && isNear && expectPeak ? " A peak near the threshold that survives the noise, as the paper finds." : "");
    }

    private int? InterpolationWidth(List<WidthRun> sweep) => DoubleDescentAnalysis.InterpolationWidth(
        sweep.Select(r => r.Width).ToList(), sweep.Select(r => r.Final.TrainMse).ToList(), context.Settings.GetDouble("interpolation_tolerance"));

    private static SeriesPeak Peak(List<WidthRun> sweep, Func<WidthRun, double> value) =>
        DoubleDescentAnalysis.Peak(sweep.Select(r => r.Width).ToList(), sweep.Select(value).ToList());

    private IFigure MseFigure()
    {
        var top = new LineChart { Title = "Double descent: MSE against width", YLabel = "test MSE (clean targets)", LogX = true };
        var bottom = new LineChart { XLabel = "hidden width h (log scale)", YLabel = "train MSE (targets trained on)", LogX = true };
        foreach (var noise in Noises)
        {
            var sweep = Sweep(noise);
            var widths = sweep.Select(r => (double)r.Width).ToArray();
            top.AddSeries($"noise {F(noise)}", widths, sweep.Select(r => r.Final.TestMse).ToArray(), markers: true);
            bottom.AddSeries($"noise {F(noise)}", widths, sweep.Select(r => r.Final.TrainMse).ToArray(), markers: true);
        }
        AddThreshold(top, runs.Select(r => r.Final.TestMse));
        AddThreshold(bottom, runs.Select(r => r.Final.TrainMse));
        return new StackedChart(top, bottom);
    }

    private LineChart PFigure()
    {
        var chart = new LineChart { Title = "Effective parameters against width", XLabel = "hidden width h (log scale)", YLabel = "effective parameters p", LogX = true };
        foreach (var noise in Noises)
        {
            var sweep = ReliableSweep(noise);
            var widths = sweep.Select(r => (double)r.Width).ToArray();
            chart.AddSeries($"p_train, noise {F(noise)}", widths, sweep.Select(r => r.Final.PTrain.Value).ToArray(), markers: true);
            chart.AddSeries($"p_test, noise {F(noise)}", widths, sweep.Select(r => r.Final.PTest.Value).ToArray(), markers: true, dashed: true);
        }
        AddThreshold(chart, runs.Where(Reliable).SelectMany(r => new[] { r.Final.PTrain.Value, r.Final.PTest.Value }));
        chart.LegendOutside = true;
        return chart;
    }

    private void AddThreshold(LineChart chart, IEnumerable<double> values)
    {
        var finite = values.Where(double.IsFinite).ToList();
        if (finite.Count == 0) return;
        chart.AddSeries($"h* (P = n = {N})", [ThresholdWidth, ThresholdWidth], [Math.Min(0, finite.Min()), finite.Max()], dashed: true);
    }

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

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string F(double v) => v.ToString("G3", CultureInfo.InvariantCulture);
    private static string Join(IEnumerable<double> values) => "[" + string.Join(", ", values.Select(F)) + "]";
    private static string JoinInts(IEnumerable<int> values) => "[" + string.Join(", ", values) + "]";
}
