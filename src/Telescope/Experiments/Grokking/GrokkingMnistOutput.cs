using System.Globalization;
using Telescope.Experiments.Sensitivity;
using Telescope.Smoothing;
using Telescope.Verdicts;
using static Telescope.Experiments.Grokking.GrokkingFindings;

namespace Telescope.Experiments.Grokking;

/// <summary>Writes grokking-mnist's metrics.csv, summary.json, figures and report.md.</summary>
internal sealed class GrokkingMnistOutput(RunContext context, ImageSource source, MnistGrokkingSetup setup, IReadOnlyList<GrokkingMnistRun> runs,
    StabilityBound? bound)
{
    private static readonly string[] Columns =
        ["alpha", "train_error", "test_error", "p_train", "p_test", "p_train_se", "p_test_se", "p_gap_se", "train_mse", "test_mse", .. SensitivityColumns.Names];

    /// <summary>The number of steps of the full (non-quick) run: a run this long reports its cost as measured, shorter ones extrapolate.</summary>
    private const int FullSteps = 100000;

    /// <summary>A mean surrogate-vs-network gap at or above this (targets are one-hot) means the smoother no longer describes the network.</summary>
    private const double UsableSurrogateGap = 0.5;

    /// <summary>
    /// p_train above this multiple of n (setting p_train_limit) — an interpolating least-squares smoother has p_train = n — or a
    /// p that is not finite means the surrogate's label sensitivities have blown up: p no longer measures the network.
    /// </summary>
    private double PTrainLimit => context.Settings.GetDouble("p_train_limit");
    private ClearlyBelowRule Rule => ClearlyBelowRule.From(context.Settings);

    /// <summary>The first logged step whose smoother p is blown up; null when the smoother did not run (p was not measured, so it cannot be unreliable).</summary>
    private GrokkingPoint? FirstUnreliable(GrokkingMnistRun r)
    {
        if (!setup.UseSmoother) return null;
        double limit = PTrainLimit * context.Settings.GetInt("train_size");
        return r.Points.FirstOrDefault(p => p.Step > 0 && !(p.PTrain <= limit && double.IsFinite(p.PTest)));
    }

    private string ReliabilityFinding(GrokkingMnistRun r)
    {
        string limit = $"{F(PTrainLimit)}·n = {F(PTrainLimit * context.Settings.GetInt("train_size"))}";
        if (FirstUnreliable(r) is not GrokkingPoint bad) return $"p_train stays ≤ {limit} at every logged step.";
        var good = r.Points.LastOrDefault(p => p.Step > 0 && p.Step < bad.Step);
        return $"**p is not a measurement from logged step {bad.Step} on** (p_train {F(bad.PTrain)} > {limit}): the surrogate's label sensitivities blew up" +
            (good is null ? "." : $"; the last logged step below the limit is {good.Step} (p_train {F(good.PTrain)}, p_test {F(good.PTest)}, train error {F(good.Train)}, test error {F(good.Test)}).");
    }

    private string PreconditionerText => setup.Preconditioner == TangentPreconditioner.Frozen
        ? ", Adam's realized preconditioner frozen: exact for AdamW"
        : "; option: the surrogate keeps its own Adam second moment and the tangents differentiate through it, so S = ∂f̂/∂Y at the labels";

    public void Write()
    {
        WriteMetrics();
        WriteSummary();
        WriteReport();
    }

    private double SecondsPerStep(GrokkingMnistRun r) =>
        (r.TrainingTime + r.SmootherTime + r.RetrainingTime + r.StabilityTime).TotalSeconds / r.Final.Step;

    private IReadOnlyList<(int Step, double PTrain, double PTest)> SmootherSeries(GrokkingMnistRun r) => setup.UseSmoother
        ? r.Points.Select(p => (p.Step, p.PTrain, p.PTest)).ToList()
        : [];

    private void WriteMetrics()
    {
        using var csv = context.Folder.OpenMetrics(Columns);
        foreach (var run in runs)
            foreach (var (p, net) in run.Points.Zip(run.Sensitivity))
                csv.WriteRow(run.Label, p.Step,
                [
                    run.Config.Alpha, p.Train, p.Test, SensitivityColumns.Measured(p.PTrain), SensitivityColumns.Measured(p.PTest), SensitivityColumns.Measured(p.PTrainSe), SensitivityColumns.Measured(p.PTestSe), p.PGapSe, p.TrainMse, p.TestMse,
                    .. SensitivityColumns.Values(net),
                ]);
    }

    private void WriteSummary()
    {
        context.Folder.WriteSummary(new Dictionary<string, object?>
        {
            ["recipe"] = "grokking-mnist",
            ["data"] = source.Description,
            ["synthetic_data"] = source.IsSynthetic,
            ["loss_scale_c"] = setup.LossScale,
            ["smoother"] = setup.UseSmoother ? $"label-tangent propagation (SPEC §2b), Hutchinson, D = {setup.Directions}" : "none",
            ["sensitivity"] = setup.Sensitivity is { } o
                ? $"retraining (SPEC §3b), σ = {o.Sigma.ToString("R", CultureInfo.InvariantCulture)}, D = {o.DirectionCount}, linearity check {(o.LinearityCheck ? "σ/4" : "off")}"
                : "none",
            ["stability_bound"] = bound?.Value,
            ["stability_bound_setting"] = bound?.Description,
            ["p_train_limit"] = PTrainLimit,
            ["test_probes"] = context.Settings.GetInt("test_probes"),
            ["directions"] = setup.Directions,
            ["results"] = runs.Select(r => SensitivityColumns.Merge(new Dictionary<string, object?>
            {
                ["alpha"] = r.Config.Alpha,
                ["activation"] = r.Config.Activation.ToString(),
                ["steps"] = r.Final.Step,
                ["train_error"] = r.Final.Train,
                ["test_error"] = r.Final.Test,
                ["train_mse"] = r.Final.TrainMse,
                ["test_mse"] = r.Final.TestMse,
                ["p_train"] = SensitivityColumns.Measured(r.Final.PTrain),
                ["p_train_se"] = SensitivityColumns.Measured(r.Final.PTrainSe),
                ["p_test"] = SensitivityColumns.Measured(r.Final.PTest),
                ["p_test_se"] = SensitivityColumns.Measured(r.Final.PTestSe),
                ["p_gap_se"] = r.Final.PGapSe,
                ["step_train_plateau"] = r.TrainPlateau,
                ["step_test_plateau"] = r.TestPlateau,
                ["step_train_error_zero"] = r.StepTrainPerfect,
                ["step_p_test_below_p_train"] = CrossingBelow(r),
                ["step_p_unreliable"] = FirstUnreliable(r)?.Step,
                ["surrogate_gap_train"] = r.SurrogateGapTrain,
                ["surrogate_gap_test"] = r.SurrogateGapTest,
                ["wall_seconds"] = Math.Round(r.WallTime.TotalSeconds, 1),
                ["training_seconds"] = Math.Round(r.TrainingTime.TotalSeconds, 1),
                ["smoother_seconds"] = Math.Round(r.SmootherTime.TotalSeconds, 1),
                ["measure_seconds"] = Math.Round(r.MeasureTime.TotalSeconds, 1),
                ["seconds_per_step"] = SecondsPerStep(r),
                ["process_cpu_seconds"] = Math.Round(r.ProcessorTime.TotalSeconds, 1),
                ["retraining_members"] = r.Members,
                ["retraining_seconds"] = Math.Round(r.RetrainingTime.TotalSeconds, 1),
                ["retraining_measure_seconds"] = Math.Round(r.RetrainingMeasureTime.TotalSeconds, 1),
                ["stability_seconds"] = Math.Round(r.StabilityTime.TotalSeconds, 1),
            }, SensitivityColumns.Summary(r.Sensitivity, bound))).ToList(),
        });
    }



    private void WriteReport()
    {
        var s = context.Settings;
        int probes = s.GetInt("test_probes");
        var report = context.CreateReport("Grokking on MNIST (Omnigrok): α sweep with α = 1 ReLU/sigmoid controls",
        [
            ("model", $"MLP {string.Join("-", new[] { (int)784 }.Concat(setup.Hidden).Append(10))} (input size from the data), every initial parameter (PyTorch's default uniform init) multiplied by α"),
            ("loss", $"(c/2)·mean_i ||f(x_i) − y_i||² on one-hot y, c = {F(setup.LossScale)}" + (Math.Abs(setup.LossScale - 0.2) < 1e-12
                ? " = 2/k: exactly PyTorch's MSELoss (mean over batch and outputs of (f − y)²). Note SPEC §0's remark \"c = 1/k reproduces MSELoss\" is half of that (MSELoss/2); AdamW is invariant to the loss scale up to its ε, so only the smoother's c must match the training loss, and it does."
                : "")),
            ("train_error, test_error", $"1 − accuracy on the {s.GetInt("train_size")} training images / the first {s.GetInt("test_size")} test images"),
            ("p_train, p_test (surrogate smoother estimate)", setup.UseSmoother
                ? $"n/(|I|·k) Σ_{{x∈I}} ||S_T(x)||²_F (SPEC §3), Hutchinson estimate with D = {setup.Directions} Rademacher label directions through label-tangent propagation (SPEC §2b{PreconditionerText}); I = the training images / the first {probes} test images; ± = standard error over directions"
                : "not computed in this run (smoother = none); the effective parameters below are the network's own p_net"),
            .. SensitivityFindings.Definitions(s, bound, setup.Sensitivity is not null),
            ("p_gap_se", "standard error of p_train − p_test from the per-direction differences (both use the same directions, so this is far smaller than either SE)"),
            ("step_train_plateau, step_test_plateau", "first logged step at which the error is within 10% of its initial-to-final drop of its final value"),
            ("surrogate gap", "mean |f̂_T − f_θT| over inputs and logits: the surrogate run (carried as one more tangent) against the network (f̃ is not tracked here, to save a JVP per step)"),
        ]);

        report.Heading("Setup").Bullets(
        [
            $"Data: {source.Description}." + (source.IsSynthetic
                ? " **These are not MNIST**: no data folder was given; pass `--data DIR` or set `TELESCOPE_DATA` to run on MNIST."
                : ""),
            string.Create(CultureInfo.InvariantCulture,
                $"AdamW (β = 0.9, 0.999, ε = 1e-8), lr {setup.LearningRate}, weight decay {setup.WeightDecay}, batch {setup.BatchSize}, {setup.Steps} steps, {setup.DType}; same data order (seed {context.Seed}) and the same unscaled initialization (seed {setup.ModelSeed}) for every configuration."),
            $"Configurations: {string.Join(", ", runs.Select(r => r.Label))}.",
            context.Quick
                ? $"**Quick mode: {setup.Steps} steps, not the paper's 10⁵**, {(setup.UseSmoother ? "with" : "without")} the surrogate smoother{(setup.Sensitivity is null ? "" : $", with p_net by retraining (D = {setup.Sensitivity.DirectionCount}, linearity check {(setup.Sensitivity.LinearityCheck ? "σ/4" : "**off** to save two member runs: whether the label response is linear at σ is not checked here; the longer runs found the test-probe response not linear at σ = 0.1")})")}, one seed. Omnigrok's delayed test-accuracy rise at α = 8 happens over 10⁴–10⁵ steps (the full run's test error settled near step 36000), so a quick run shows train error reaching zero early and test error falling only much later, not the end of that fall."
                : $"Full run: {setup.Steps} steps.",
        ]);

        report.Heading("Findings");
        report.Paragraph(context.Settings.GetVerdictCriteria().Describe());
        var findings = new List<string>();
        foreach (var r in runs)
        {
            findings.Add($"**{r.Label}** — {DelayFinding(r, "error")}" +
                (r.StepTrainPerfect is int z ? $" Training error first 0 at logged step {z}." : " Training error never reached 0."));
            if (setup.UseSmoother)
            {
                findings.Add($"{r.Label} — from the surrogate smoother's p (SPEC §2b): {EffectiveParameterFinding(r, Rule)}");
                findings.Add($"{r.Label} — {ReliabilityFinding(r)}");
            }
            if (GrokkingNetworkView.Of(r, r.Sensitivity) is { } view)
                findings.Add($"{r.Label} — {GrokkingNetworkView.Finding(view, r.Sensitivity[^1], Rule)}");
            findings.AddRange(SensitivityFindings.For(r.Label, r.Sensitivity, bound, SmootherSeries(r),
                PTrainLimit * s.GetInt("train_size"), s.GetDouble("agreement_se"), s.GetDouble("agreement_relative")));
        }
        findings.AddRange(Comparisons());
        findings.Add("SPEC §6 expects: with large α, train accuracy 100% early, test accuracy rising much later, p_test ending clearly below p_train; α = 1: no delay, low p. " +
            Rule.Describe());
        foreach (var r in runs.Where(_ => setup.UseSmoother))
            findings.Add($"{r.Label} fidelity: mean |f̂ − f| = {F(r.SurrogateGapTrain)} (train), {F(r.SurrogateGapTest)} (test probes) at step {r.Final.Step}" +
                (double.IsFinite(r.SurrogateGapTrain) && r.SurrogateGapTrain < UsableSurrogateGap
                    ? "."
                    : $" — **the surrogate does not describe the network** (gap ≥ {F(UsableSurrogateGap)} on one-hot targets, or not finite), so its p values are not measurements of the network." +
                      (setup.Preconditioner == TangentPreconditioner.Frozen
                          ? " With Adam's realized preconditioner frozen (SPEC §2b), T_t approaches 1/ε on coordinates whose gradients vanished once the training error is zero, and the surrogate's label tangents grow exponentially."
                          : "")));
        if (source.IsSynthetic)
            findings.Add("These numbers come from the built-in synthetic images, not MNIST; compare them with the paper only after a run on MNIST.");
        report.Bullets(findings);

        report.Heading("Cost");
        report.Bullets(CostLines());

        report.Heading("Final values");
        report.Table(runs,
            ("configuration", r => r.Label), ("train error", r => r.Final.Train), ("test error", r => r.Final.Test),
            ("p_train", r => r.Final.PTrain), ("± SE", r => r.Final.PTrainSe), ("p_test", r => r.Final.PTest), ("± SE ", r => r.Final.PTestSe), ("SE of gap", r => r.Final.PGapSe),
            ("train plateau", r => r.TrainPlateau), ("test plateau", r => r.TestPlateau), ("train error 0 at", r => r.StepTrainPerfect),
            ("p_net_train", r => Net(r)?.Train?.Value), ("± SE  ", r => Net(r)?.Train?.StandardError),
            ("p_net_test", r => Net(r)?.Test?.Value), ("± SE   ", r => Net(r)?.Test?.StandardError),
            ("linearity train / test", r => Net(r) is { Train: { } a, Test: { } b } ? $"{F(a.LinearityRatio ?? double.NaN)} / {F(b.LinearityRatio ?? double.NaN)}" : null),
            ("floor (test)", r => Net(r)?.Test?.FloorDifference),
            ("λ_T", r => r.Sensitivity.LastOrDefault(p => p.Sharpness is not null)?.Sharpness),
            ("λ above bound from", r => bound is null ? null : SensitivityColumns.FirstUnstable(r.Sensitivity, bound)?.Step),
            ("s/step", r => Math.Round(SecondsPerStep(r), 4)));

        report.Heading("Figures");
        foreach (var r in runs)
        {
            var view = setup.UseSmoother ? r : GrokkingNetworkView.Of(r, r.Sensitivity) ?? r;
            report.Figure(context.Folder.SaveFigure(GrokkingCharts.Dynamics(view, r.Label, "classification error", logMetric: false), $"dynamics_{r.Label}"),
                $"{r.Label}: train (solid) and test (dashed) error (top), p_train (solid) and p_test (dashed) (bottom) against the step (log axis)" +
                (setup.UseSmoother ? " — the surrogate smoother's p." : " — the network's p_net by retraining (no smoother in this run)."));
            if (r.Sensitivity.Any(p => p.Train is not null || p.Sharpness is not null))
                report.Figure(context.Folder.SaveFigure(GrokkingNetworkView.Overlay(r, r.Sensitivity, bound, r.Label), $"p_net_vs_p_{r.Label}"),
                    $"{r.Label}: the smoother's p (lines) and the network's p_net by retraining (markers), log-log (top); the surrogate sharpness λ_t and its stability bound (bottom).");
        }
        context.Folder.WriteReport(report.ToString());
    }

    private IEnumerable<string> Comparisons()
    {
        var large = runs.Where(r => r.Config.Activation.Kind == Models.ActivationKind.ReLU).OrderByDescending(r => r.Config.Alpha).FirstOrDefault();
        var small = runs.FirstOrDefault(r => r.Config.Activation.Kind == Models.ActivationKind.ReLU && r.Config.Alpha == 1);
        if (large is null || small is null || ReferenceEquals(large, small)) yield break;
        double delayLarge = (double)large.TestPlateau / Math.Max(large.TrainPlateau, 1), delaySmall = (double)small.TestPlateau / Math.Max(small.TrainPlateau, 1);
        string[] labels = ["α = 1", $"α = {F(large.Config.Alpha)}"];
        yield return $"Omnigrok (Liu et al. 2023) and SPEC §6: a large α delays generalization, α = 1 does not, and α = 1 ends with fewer effective parameters. α = {F(large.Config.Alpha)} vs α = 1 (ReLU): final test error {F(large.Final.Test)} vs {F(small.Final.Test)}. " +
            OrderingTest.SingleRun([delaySmall, delayLarge], labels, Verdicts.TrendDirection.Grows).About("Delay as the ratio of the test to the train plateau step, expected larger at large α") + " " +
            OrderingTest.SingleRun([small.TestPlateau, large.TestPlateau], labels, Verdicts.TrendDirection.Grows).About("Delay as the absolute test plateau step, expected larger at large α") + " " +
            OrderingTest.SingleRun([FinalP(small).Train, FinalP(large).Train], labels, Verdicts.TrendDirection.Grows).About($"Final p_train ({Estimate}), expected lower at α = 1") + " " +
            OrderingTest.SingleRun([FinalP(small).Test, FinalP(large).Test], labels, Verdicts.TrendDirection.Grows).About($"Final p_test ({Estimate}), expected lower at α = 1");
    }

    /// <summary>Which estimate the comparisons use: the smoother's p when it ran, else the network's p_net.</summary>
    private string Estimate => setup.UseSmoother ? "smoother" : "p_net (retraining)";

    private (double Train, double Test) FinalP(GrokkingMnistRun r) => setup.UseSmoother
        ? (r.Final.PTrain, r.Final.PTest)
        : (Net(r)?.Train?.Value ?? double.NaN, Net(r)?.Test?.Value ?? double.NaN);

    private SensitivityPoint? Net(GrokkingMnistRun r) => r.Sensitivity.LastOrDefault(p => p.Train is not null);

    private IEnumerable<string> CostLines()
    {
        foreach (var r in runs)
            yield return string.Create(CultureInfo.InvariantCulture,
                $"{r.Label}: {r.Final.Step} steps in {r.WallTime.TotalSeconds:F0} s ({r.WallTime.TotalHours:F2} h, measured) — training {r.TrainingTime.TotalSeconds:F0} s, label-tangent smoother {r.SmootherTime.TotalSeconds:F0} s, " +
                $"{r.Members} retraining members {r.RetrainingTime.TotalSeconds:F0} s ({(r.Members > 0 ? r.RetrainingTime.TotalSeconds / r.Members / r.Final.Step * 1000 : 0):F1} ms per member-step) + {r.RetrainingMeasureTime.TotalSeconds:F0} s evaluating them, " +
                $"stability power iterations {r.StabilityTime.TotalSeconds:F0} s, measurements {r.MeasureTime.TotalSeconds:F0} s; {SecondsPerStep(r) * 1000:F1} ms per step (wall); process CPU time {r.ProcessorTime.TotalSeconds:F0} s; machine load {MachineLoad()}.");
        foreach (var r in runs.Where(r => r.Members > 0))
        {
            // What the full-length run would cost at the rates measured here (training and members scale with steps).
            double stepping = (r.TrainingTime + r.RetrainingTime + r.SmootherTime).TotalSeconds / r.Final.Step;
            double perLog = (r.MeasureTime + r.RetrainingMeasureTime + r.StabilityTime).TotalSeconds / Math.Max(1, r.Points.Count);
            yield return string.Create(CultureInfo.InvariantCulture,
                $"Estimate (not a measurement) for {r.Label} at {FullSteps} steps with the same members and smoother setting: {stepping * FullSteps / 3600:F2} h of stepping + ≈ {perLog:F2} s per logged step ({FullSteps} steps log ≈ {LogSchedule.Steps(FullSteps, context.Settings.GetInt("log_per_decade"), context.Settings.GetInt("log_every")).Count} steps with the current log settings).");
        }
        double perStep = runs.Average(SecondsPerStep);
        int defaultConfigurations = ((string[])context.Settings["configs"].DefaultValue).Length;
        if (runs.All(r => r.Final.Step >= FullSteps))
        {
            // Full scale: the wall times above are the measurement; only configurations not run are extrapolated.
            double hours = runs.Average(r => r.WallTime.TotalHours);
            yield return string.Create(CultureInfo.InvariantCulture,
                $"Full scale ({FullSteps} steps, D = {setup.Directions}, {context.Settings.GetInt("test_probes")} test probes): {runs.Sum(r => r.WallTime.TotalHours):F2} h measured for {runs.Count} configuration(s). ") +
                (runs.Count < defaultConfigurations
                    ? string.Create(CultureInfo.InvariantCulture, $"Extrapolation (not a measurement): the default {defaultConfigurations} configurations would take ≈ {defaultConfigurations * hours:F1} h at the same cost per configuration.")
                    : "");
            yield break;
        }
        if (!setup.UseSmoother) yield break;   // the estimate above covers runs without the smoother
        double cpuPerStep = runs.Average(r => r.ProcessorTime.TotalSeconds / r.Final.Step);
        yield return string.Create(CultureInfo.InvariantCulture,
            $"Extrapolation from process CPU time (not a measurement): {cpuPerStep * 1000:F0} ms of CPU per step (all threads, logging included); ") +
            string.Create(CultureInfo.InvariantCulture, $"on an otherwise idle machine with 2 cores a step takes at least half that in wall time, so {FullSteps} steps take ≥ {cpuPerStep / 2 * FullSteps / 3600:F1} h per configuration ") +
            "(a lower bound only if the threads parallelize perfectly; CPU time also counts spin-waiting of starved threads, so it can overstate the work on a loaded machine).";
        yield return string.Create(CultureInfo.InvariantCulture,
            $"Extrapolation (not a measurement): at the mean {perStep * 1000:F1} ms per tracked step measured here (D = {setup.Directions}, {context.Settings.GetInt("test_probes")} test probes), " +
            $"{FullSteps} steps take ≈ {perStep * FullSteps / 3600:F1} h per configuration (logging excluded). The per-step cost of the smoother grows about linearly with D and with the number of tracked inputs.");
    }

    private static string MachineLoad()
    {
        try { return File.ReadAllText("/proc/loadavg").Split(' ')[0] + " (1-min load average at the end)"; }
        catch (IOException) { return "unknown"; }
        catch (UnauthorizedAccessException) { return "unknown"; }
    }
}
