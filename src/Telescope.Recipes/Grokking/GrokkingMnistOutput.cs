using static Telescope.Recipes.Grokking.GrokkingMnistAnalysis;
using static Telescope.Recipes.Grokking.GrokkingText;

namespace Telescope.Recipes.Grokking;

/// <summary>Writes grokking-mnist's metrics.csv, summary.json, figures and report.md; the numbers and verdicts come from <see cref="GrokkingMnistAnalysis"/>.</summary>
internal sealed class GrokkingMnistOutput(RunContext context, GrokkingMnistSettings s, GrokkingMnistFacts facts, GrokkingMnistAnalysis analysis)
    : GrokkingOutput<GrokkingMnistRun>(context, s, analysis, new("classification error", LogMetric: false,
        "the surrogate smoother's p (docs/method.md §4.3)"))
{
    /// <summary>The metrics.csv columns after run and step.</summary>
    public static string[] Columns(GrokkingMnistSettings s) =>
        ["alpha", "train_error", "test_error", "p_train", "p_test", "p_train_se", "p_test_se", "p_gap_se", "train_mse", "test_mse", .. SensitivityColumns.Names,
         .. GrokkingSpectrum.Columns(s)];

    /// <summary>The number of steps of the full (non-quick) run: a run this long reports its cost as measured, shorter ones extrapolate.</summary>
    private const int FullSteps = 100000;

    private IReadOnlyList<GrokkingMnistRun> Runs => analysis.Runs;

    private string ReliabilityFinding(GrokkingMnistRun r)
    {
        string limit = $"{F(s.PTrainLimit)}·n = {F(analysis.PLimit)}";
        if (analysis.FirstUnreliable(r) is not GrokkingPoint bad) return $"p_train stays ≤ {limit} at every logged step.";
        var good = r.Points.LastOrDefault(p => p.Step > 0 && p.Step < bad.Step);
        return $"**p is not a measurement from logged step {bad.Step} on** (p_train {F(bad.PTrain)} > {limit}): the surrogate's label sensitivities blew up" +
            (good is null ? "." : $"; the last logged step below the limit is {good.Step} (p_train {F(good.PTrain)}, p_test {F(good.PTest)}, train error {F(good.Train)}, test error {F(good.Test)}).");
    }

    private string PreconditionerText => s.PreconditionerKind == TangentPreconditioner.Frozen
        ? ", Adam's realized preconditioner frozen: exact for AdamW"
        : "; option: the surrogate keeps its own Adam second moment and the tangents differentiate through it, so S = ∂f̂/∂Y at the labels";

    /// <summary>One metrics.csv row: the live run writes it when the step is logged, the merge from the stored results.</summary>
    public static void WriteRow(GrokkingMnistSettings s, MetricsCsvWriter csv, GrokkingMnistRun run, GrokkingPoint p, SensitivityPoint net) =>
        csv.WriteRow(run.Label, p.Step,
        [
            run.Config.Alpha, p.Train, p.Test, SensitivityColumns.Measured(p.PTrain), SensitivityColumns.Measured(p.PTest), SensitivityColumns.Measured(p.PTrainSe), SensitivityColumns.Measured(p.PTestSe), p.PGapSe, p.TrainMse, p.TestMse,
            .. SensitivityColumns.Values(net), .. GrokkingSpectrum.Values(s, run, p.Step),
        ]);

    protected override Dictionary<string, object?> Summary() => new()
    {
        ["recipe"] = "grokking-mnist",
        ["data"] = facts.Data,
        ["synthetic_data"] = facts.Synthetic,
        ["loss_scale_c"] = s.LossScale,
        ["smoother"] = s.UseSmoother ? $"label-tangent propagation (docs/method.md §4.3), Hutchinson, D = {s.Directions}" : "none",
        ["sensitivity"] = SensitivityDescription,
        ["stability_bound"] = Bound?.Value,
        ["stability_bound_setting"] = Bound?.Description,
        ["p_train_limit"] = s.PTrainLimit,
        ["test_probes"] = s.TestProbes,
        ["directions"] = s.Directions,
        ["seeds"] = Seeds.ToArray(),
        ["results"] = Results(r => Entry(r, new()
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
            ["step_p_test_below_p_train"] = GrokkingFindings.CrossingBelow(r),
            ["step_p_unreliable"] = analysis.FirstUnreliable(r)?.Step,
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
        })),
    };

    protected override string Name(IReadOnlyList<GrokkingMnistRun> g) => g[0].Configuration;

    protected override string DelayDetail(IReadOnlyList<GrokkingMnistRun> g) =>
        $" Training error first 0 at logged step: {string.Join(", ", g.Select(r => r.StepTrainPerfect?.ToString(CultureInfo.InvariantCulture) ?? "never"))}.";

    protected override IEnumerable<string> SmootherDetail(IReadOnlyList<GrokkingMnistRun> g) =>
        g.Select(r => $"{SeedName(r, Name(g))} — {ReliabilityFinding(r)}");

    protected override void WriteReport()
    {
        var report = Context.CreateReport("Grokking on MNIST (Omnigrok): α sweep with α = 1 ReLU/sigmoid controls",
        [
            ("model", $"MLP {string.Join("-", new[] { facts.InputSize }.Concat(s.Hidden).Append(10))} (input size from the data), every initial parameter (PyTorch's default uniform init) multiplied by α"),
            ("loss", $"(c/2)·mean_i ||f(x_i) − y_i||² on one-hot y, c = {F(s.LossScale)}" + (Math.Abs(s.LossScale - 0.2) < 1e-12
                ? " = 2/k: exactly PyTorch's MSELoss (mean over batch and outputs of (f − y)²). Note docs/method.md §1's remark \"c = 1/k reproduces MSELoss\" is half of that (MSELoss/2); AdamW is invariant to the loss scale up to its ε, so only the smoother's c must match the training loss, and it does."
                : "")),
            ("train_error, test_error", $"1 − accuracy on the {s.TrainSize} training images / the first {s.TestSize} test images"),
            ("p_train, p_test (surrogate smoother estimate)", s.UseSmoother
                ? $"n/(|I|·k) Σ_{{x∈I}} ||S_T(x)||²_F (docs/method.md §5.1), Hutchinson estimate with D = {s.Directions} Rademacher label directions through label-tangent propagation (docs/method.md §4.3{PreconditionerText}); I = the training images / the first {s.TestProbes} test images; ± = standard error over directions"
                : "not computed in this run (smoother = none); the effective parameters below are the network's own p_net"),
            .. SensitivityFindings.Definitions(s.Sensitivity, Bound, Retraining is not null),
            ("p_gap_se", "standard error of p_train − p_test from the per-direction differences (both use the same directions, so this is far smaller than either SE)"),
            ("step_train_plateau, step_test_plateau", "first logged step at which the error is within 10% of its initial-to-final drop of its final value"),
            ("surrogate gap", "mean |f̂_T − f_θT| over inputs and logits: the surrogate run (carried as one more tangent) against the network (f̃ is not tracked here, to save a JVP per step)"),
            .. GrokkingSpectrumReport.Definitions(s),
        ]);
        report.Heading("Setup").Bullets(
        [
            $"Data: {facts.Data}." + (facts.Synthetic
                ? " **These are not MNIST**: no data folder was given; pass `--data DIR` or set `TELESCOPE_DATA` to run on MNIST."
                : ""),
            string.Create(CultureInfo.InvariantCulture,
                $"AdamW (β = 0.9, 0.999, ε = 1e-8), lr {s.LearningRate}, weight decay {s.WeightDecay}, batch {s.BatchSize}, {s.Steps} steps, {s.Compute.DType}; ") +
                (Seeds.Count == 1
                    ? $"same data order (seed {Seeds[0]}) and the same unscaled initialization (seed {GrokkingMnistSettings.ModelSeed(Seeds[0])}) for every configuration."
                    : $"{Seeds.Count} seed repetitions per configuration (seeds {string.Join(", ", Seeds)}): each seed S draws the data order and the unscaled initialization (seed S) and the label directions (seed S + 1); the training images and test probes are the same in every repetition. Tables show mean ± sd over seeds, figures mean ± 1 sd bands, and the verdicts are judged against the seed-to-seed spread."),
            $"Configurations: {string.Join(", ", Groups.Select(Name))}" + (Seeds.Count == 1 ? $", one seed ({(Context.Quick ? "quick mode" : "the full default: one full α = 8 configuration with p_net is ≈ 1.3 h, an estimate from the measured 3·10⁴-step run (22.5 min), so seed repetitions are opt-in via --set seeds=0,1,2")})." : "."),
            Context.Quick
                ? $"**Quick mode: {s.Steps} steps, not the paper's 10⁵**, {(s.UseSmoother ? "with" : "without")} the surrogate smoother{(Retraining is null ? "" : $", with p_net by retraining (D = {Retraining.DirectionCount}, linearity check {(Retraining.LinearityCheck ? "σ/4" : "**off** to save two member runs: whether the label response is linear at σ is not checked here; the longer runs found the test-probe response not linear at σ = 0.1")})")}, {(Seeds.Count == 1 ? "one seed" : $"{Seeds.Count} seeds")}. Omnigrok's delayed test-accuracy rise at α = 8 happens over 10⁴–10⁵ steps (the full run's test error settled near step 36000), so a quick run shows train error reaching zero early and test error falling only much later, not the end of that fall."
                : $"Full run: {s.Steps} steps.",
            s.UseSpectrum
                ? $"Spectrum view (docs/method.md §11): at every logged step the exact tangent kernel (all 10 output blocks) of the first {GrokkingSpectrum.ProbeCount(s, s.TrainSize, s.TestSize)} training and test images, its top {s.SpectrumTopK} eigenvalues and the alignment with the one-hot labels."
                : $"Spectrum view: off ({GrokkingSettings.SpectrumProbesName} = 0).",
        ]);
        var findings = ConfigurationFindings();
        if (analysis.Comparison() is { } c)
        {
            string estimate = s.UseSmoother ? "smoother" : "p_net (retraining)";
            findings.Add("Omnigrok (Liu et al. 2023) and docs/method.md §9: a large α delays generalization, α = 1 does not, and α = 1 ends with fewer effective parameters. " +
                $"{c.Where}: final test error {SeedMean.SeedCell(c.Large.Select(r => (double?)r.Final.Test))} " +
                $"vs {SeedMean.SeedCell(c.Small.Select(r => (double?)r.Final.Test))}" +
                (Seeds.Count > 1 ? $" (mean ± sd over {Seeds.Count} seeds; the orderings below are judged by the slope over every seed's value)" : "") + ". " +
                c.DelayRatio.About("Delay as the ratio of the test to the train plateau step, expected larger at large α") + " " +
                c.TestPlateau.About("Delay as the absolute test plateau step, expected larger at large α") + " " +
                c.FinalPTrain.About($"Final p_train ({estimate}), expected lower at α = 1") + " " +
                c.FinalPTest.About($"Final p_test ({estimate}), expected lower at α = 1"));
        }
        findings.Add("docs/method.md §9 expects: with large α, train accuracy 100% early, test accuracy rising much later, p_test ending clearly below p_train; α = 1: no delay, low p. " +
            analysis.Rule.Describe());
        foreach (var r in Runs.Where(_ => s.UseSmoother))
            findings.Add($"{r.Label} fidelity: mean |f̂ − f| = {F(r.SurrogateGapTrain)} (train), {F(r.SurrogateGapTest)} (test probes) at step {r.Final.Step}" +
                (SurrogateUsable(r)
                    ? "."
                    : $" — **the surrogate does not describe the network** (gap ≥ {F(UsableSurrogateGap)} on one-hot targets, or not finite), so its p values are not measurements of the network." +
                      (s.PreconditionerKind == TangentPreconditioner.Frozen
                          ? " With Adam's realized preconditioner frozen (docs/method.md §4.3), T_t approaches 1/ε on coordinates whose gradients vanished once the training error is zero, and the surrogate's label tangents grow exponentially."
                          : "")));
        if (facts.Synthetic)
            findings.Add("These numbers come from the built-in synthetic images, not MNIST; compare them with the paper only after a run on MNIST.");
        WriteFindings(report, findings);
        report.Heading("Cost").Bullets(CostLines());
        WriteFinalValuesAndFigures(report, " (the SE columns: mean ± sd of each seed's own standard error over its directions)",
            ("configuration", Name), Mean("train error", r => r.Final.Train), Mean("test error", r => r.Final.Test),
            Mean("p_train", r => r.Final.PTrain), Mean("± SE", r => r.Final.PTrainSe), Mean("p_test", r => r.Final.PTest), Mean("± SE ", r => r.Final.PTestSe),
            Mean("SE of gap", r => r.Final.PGapSe), Mean("train plateau", r => r.TrainPlateau), Mean("test plateau", r => r.TestPlateau),
            Mean("train error 0 at", r => r.StepTrainPerfect), Mean("p_net_train", r => Net(r)?.Train?.Value), Mean("± SE  ", r => Net(r)?.Train?.StandardError),
            Mean("p_net_test", r => Net(r)?.Test?.Value), Mean("± SE   ", r => Net(r)?.Test?.StandardError),
            ("linearity train / test", g => Retraining is { LinearityCheck: false } ? "not checked"
                : g.Count == 1 && Net(g[0]) is { Train: { } a, Test: { } b } ? $"{F(a.LinearityRatio ?? double.NaN)} / {F(b.LinearityRatio ?? double.NaN)}"
                : g.Count > 1 ? $"{SeedMean.Cell(g, r => Net(r)?.Train?.LinearityRatio)} / {SeedMean.Cell(g, r => Net(r)?.Test?.LinearityRatio)}" : null),
            ("floor (test)", g => Retraining is { LinearityCheck: false } ? "not measured" : SeedMean.Cell(g, r => Net(r)?.Test?.FloorDifference)),
            Mean("λ_T", r => r.Sensitivity.LastOrDefault(p => p.Sharpness is not null)?.Sharpness),
            ("λ above bound from", g => Bound is null ? null : string.Join(", ", g.Select(r => SensitivityColumns.FirstUnstable(r.Sensitivity, Bound)?.Step.ToString(CultureInfo.InvariantCulture) ?? "—"))),
            Mean("s/step", r => Math.Round(SecondsPerStep(r), 4)));
    }

    private IEnumerable<string> CostLines()
    {
        foreach (var r in Runs)
            yield return string.Create(CultureInfo.InvariantCulture,
                $"{r.Label}: {r.Final.Step} steps in {r.WallTime.TotalSeconds:F0} s ({r.WallTime.TotalHours:F2} h, measured) — training {r.TrainingTime.TotalSeconds:F0} s, label-tangent smoother {r.SmootherTime.TotalSeconds:F0} s, " +
                $"{r.Members} retraining members {r.RetrainingTime.TotalSeconds:F0} s ({(r.Members > 0 ? r.RetrainingTime.TotalSeconds / r.Members / r.Final.Step * 1000 : 0):F1} ms per member-step) + {r.RetrainingMeasureTime.TotalSeconds:F0} s evaluating them, " +
                $"stability power iterations {r.StabilityTime.TotalSeconds:F0} s, measurements {r.MeasureTime.TotalSeconds:F0} s, kernel spectrum {r.SpectrumTime.TotalSeconds:F0} s; {SecondsPerStep(r) * 1000:F1} ms per step (wall); process CPU time {r.ProcessorTime.TotalSeconds:F0} s; machine load {MachineLoad()}.");
        foreach (var r in Runs.Where(r => r.Members > 0))
        {
            // What the full-length run would cost at the rates measured here (training and members scale with steps).
            double stepping = (r.TrainingTime + r.RetrainingTime + r.SmootherTime).TotalSeconds / r.Final.Step;
            double perLog = (r.MeasureTime + r.RetrainingMeasureTime + r.StabilityTime).TotalSeconds / Math.Max(1, r.Points.Count);
            yield return string.Create(CultureInfo.InvariantCulture,
                $"Estimate (not a measurement) for {r.Label} at {FullSteps} steps with the same members and smoother setting: {stepping * FullSteps / 3600:F2} h of stepping + ≈ {perLog:F2} s per logged step ({FullSteps} steps log ≈ {LogSchedule.Steps(FullSteps, s.LogPerDecade, s.LogEvery).Count} steps with the current log settings).");
        }
        double perStep = Runs.Average(SecondsPerStep);
        int defaultConfigurations = GrokkingMnistSettings.DefaultConfigs.Length;
        if (Runs.All(r => r.Final.Step >= FullSteps))
        {
            // Full scale: the wall times above are the measurement; only configurations not run are extrapolated.
            double hours = Runs.Average(r => r.WallTime.TotalHours);
            yield return string.Create(CultureInfo.InvariantCulture,
                $"Full scale ({FullSteps} steps, {CostDirections}, {s.TestProbes} test probes): {Runs.Sum(r => r.WallTime.TotalHours):F2} h measured for {Runs.Count} configuration(s). ") +
                (Runs.Count < defaultConfigurations
                    ? string.Create(CultureInfo.InvariantCulture, $"Extrapolation (not a measurement): the default {defaultConfigurations} configurations would take ≈ {defaultConfigurations * hours:F1} h at the same cost per configuration.")
                    : "");
            yield break;
        }
        if (!s.UseSmoother) yield break;   // the estimate above covers runs without the smoother
        double cpuPerStep = Runs.Average(r => r.ProcessorTime.TotalSeconds / r.Final.Step);
        yield return string.Create(CultureInfo.InvariantCulture,
            $"Extrapolation from process CPU time (not a measurement): {cpuPerStep * 1000:F0} ms of CPU per step (all threads, logging included); ") +
            string.Create(CultureInfo.InvariantCulture, $"on an otherwise idle machine with 2 cores a step takes at least half that in wall time, so {FullSteps} steps take ≥ {cpuPerStep / 2 * FullSteps / 3600:F1} h per configuration ") +
            "(a lower bound only if the threads parallelize perfectly; CPU time also counts spin-waiting of starved threads, so it can overstate the work on a loaded machine).";
        yield return string.Create(CultureInfo.InvariantCulture,
            $"Extrapolation (not a measurement): at the mean {perStep * 1000:F1} ms per tracked step measured here ({CostDirections}, {s.TestProbes} test probes), " +
            $"{FullSteps} steps take ≈ {perStep * FullSteps / 3600:F1} h per configuration (logging excluded). The per-step cost of the smoother grows about linearly with D and with the number of tracked inputs.");
    }

    /// <summary>The D of each estimator that ran: the smoother's Hutchinson directions and p_net's retraining directions differ.</summary>
    private string CostDirections => string.Join(", ", new[]
    {
        s.UseSmoother ? $"smoother D = {s.Directions}" : null,
        Retraining is { } o ? $"p_net D = {o.DirectionCount}" : null,
    }.Where(x => x is not null)) is { Length: > 0 } text ? text : "no label directions";

    private static string MachineLoad()
    {
        try { return File.ReadAllText("/proc/loadavg").Split(' ')[0] + " (1-min load average at the end)"; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return "unknown"; }
    }
}
