using System.Globalization;
using Telescope.Recipes.Sensitivity;
using Telescope.Runs;
using Telescope.Smoothing;
using Telescope.Verdicts;
using static Telescope.Recipes.Grokking.GrokkingFindings;

namespace Telescope.Recipes.Grokking;

/// <summary>Writes grokking-mnist's metrics.csv, summary.json, figures and report.md.</summary>
internal sealed class GrokkingMnistOutput(RunContext context, GrokkingMnistFacts facts, MnistGrokkingSetup setup, IReadOnlyList<GrokkingMnistRun> runs,
    StabilityBound? bound)
{
    /// <summary>The metrics.csv columns after run and step.</summary>
    public static readonly string[] Columns =
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
        WriteSummary();
        WriteReport();
    }

    private double SecondsPerStep(GrokkingMnistRun r) =>
        (r.TrainingTime + r.SmootherTime + r.RetrainingTime + r.StabilityTime).TotalSeconds / r.Final.Step;

    private IReadOnlyList<(int Step, double PTrain, double PTest)> SmootherSeries(GrokkingMnistRun r) => setup.UseSmoother
        ? r.Points.Select(p => (p.Step, p.PTrain, p.PTest)).ToList()
        : [];

    /// <summary>Every logged row of a finished sub-run (a merge, or the rewrite once separate p_net pairs are combined).</summary>
    public static void WriteRows(MetricsCsvWriter csv, GrokkingMnistRun run)
    {
        foreach (var (p, net) in run.Points.Zip(run.Sensitivity)) WriteRow(csv, run, p, net);
    }

    /// <summary>One metrics.csv row: the live run writes it when the step is logged, the merge from the stored results.</summary>
    public static void WriteRow(MetricsCsvWriter csv, GrokkingMnistRun run, GrokkingPoint p, SensitivityPoint net) =>
        csv.WriteRow(run.Label, p.Step,
        [
            run.Config.Alpha, p.Train, p.Test, SensitivityColumns.Measured(p.PTrain), SensitivityColumns.Measured(p.PTest), SensitivityColumns.Measured(p.PTrainSe), SensitivityColumns.Measured(p.PTestSe), p.PGapSe, p.TrainMse, p.TestMse,
            .. SensitivityColumns.Values(net),
        ]);

    /// <summary>The sub-runs by configuration (in the order given), each with its seeds in order.</summary>
    private IReadOnlyList<IReadOnlyList<GrokkingMnistRun>> Groups =>
        runs.GroupBy(r => r.Configuration).Select(g => (IReadOnlyList<GrokkingMnistRun>)g.ToList()).ToList();

    private IReadOnlyList<long> Seeds => context.Settings.GetSeeds();

    private void WriteSummary()
    {
        context.Folder.WriteSummary(new Dictionary<string, object?>
        {
            ["recipe"] = "grokking-mnist",
            ["data"] = facts.Data,
            ["synthetic_data"] = facts.Synthetic,
            ["loss_scale_c"] = setup.LossScale,
            ["smoother"] = setup.UseSmoother ? $"label-tangent propagation (docs/method.md §4.3), Hutchinson, D = {setup.Directions}" : "none",
            ["sensitivity"] = setup.Sensitivity is { } o
                ? $"retraining (docs/method.md §5.2), σ = {o.Sigma.ToString("R", CultureInfo.InvariantCulture)}, D = {o.DirectionCount}, linearity check {(o.LinearityCheck ? "σ/4" : "off")}"
                : "none",
            ["stability_bound"] = bound?.Value,
            ["stability_bound_setting"] = bound?.Description,
            ["p_train_limit"] = PTrainLimit,
            ["test_probes"] = context.Settings.GetInt("test_probes"),
            ["directions"] = setup.Directions,
            ["seeds"] = Seeds.ToArray(),
            ["results"] = Groups.Select(g => g.Count == 1 ? (object)Entry(g[0]) : SeedAggregate.Combine(Seeds, g.Select(r => (object)Entry(r)).ToList())).ToList(),
        });
    }



    private Dictionary<string, object?> Entry(GrokkingMnistRun r) => SensitivityColumns.Merge(new Dictionary<string, object?>
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
    }, SensitivityColumns.Summary(r.Sensitivity, bound));

    private void WriteReport()
    {
        var s = context.Settings;
        int probes = s.GetInt("test_probes");
        var report = context.CreateReport("Grokking on MNIST (Omnigrok): α sweep with α = 1 ReLU/sigmoid controls",
        [
            ("model", $"MLP {string.Join("-", new[] { facts.InputSize }.Concat(setup.Hidden).Append(10))} (input size from the data), every initial parameter (PyTorch's default uniform init) multiplied by α"),
            ("loss", $"(c/2)·mean_i ||f(x_i) − y_i||² on one-hot y, c = {F(setup.LossScale)}" + (Math.Abs(setup.LossScale - 0.2) < 1e-12
                ? " = 2/k: exactly PyTorch's MSELoss (mean over batch and outputs of (f − y)²). Note docs/method.md §1's remark \"c = 1/k reproduces MSELoss\" is half of that (MSELoss/2); AdamW is invariant to the loss scale up to its ε, so only the smoother's c must match the training loss, and it does."
                : "")),
            ("train_error, test_error", $"1 − accuracy on the {s.GetInt("train_size")} training images / the first {s.GetInt("test_size")} test images"),
            ("p_train, p_test (surrogate smoother estimate)", setup.UseSmoother
                ? $"n/(|I|·k) Σ_{{x∈I}} ||S_T(x)||²_F (docs/method.md §5.1), Hutchinson estimate with D = {setup.Directions} Rademacher label directions through label-tangent propagation (docs/method.md §4.3{PreconditionerText}); I = the training images / the first {probes} test images; ± = standard error over directions"
                : "not computed in this run (smoother = none); the effective parameters below are the network's own p_net"),
            .. SensitivityFindings.Definitions(s, bound, setup.Sensitivity is not null),
            ("p_gap_se", "standard error of p_train − p_test from the per-direction differences (both use the same directions, so this is far smaller than either SE)"),
            ("step_train_plateau, step_test_plateau", "first logged step at which the error is within 10% of its initial-to-final drop of its final value"),
            ("surrogate gap", "mean |f̂_T − f_θT| over inputs and logits: the surrogate run (carried as one more tangent) against the network (f̃ is not tracked here, to save a JVP per step)"),
        ]);

        report.Heading("Setup").Bullets(
        [
            $"Data: {facts.Data}." + (facts.Synthetic
                ? " **These are not MNIST**: no data folder was given; pass `--data DIR` or set `TELESCOPE_DATA` to run on MNIST."
                : ""),
            string.Create(CultureInfo.InvariantCulture,
                $"AdamW (β = 0.9, 0.999, ε = 1e-8), lr {setup.LearningRate}, weight decay {setup.WeightDecay}, batch {setup.BatchSize}, {setup.Steps} steps, {setup.DType}; ") +
                (Seeds.Count == 1
                    ? $"same data order (seed {Seeds[0]}) and the same unscaled initialization (seed {setup.ForSeed(Seeds[0]).ModelSeed}) for every configuration."
                    : $"{Seeds.Count} seed repetitions per configuration (seeds {string.Join(", ", Seeds)}): each seed S draws the data order and the unscaled initialization (seed S) and the label directions (seed S + 1); the training images and test probes are the same in every repetition. Tables show mean ± sd over seeds, figures mean ± 1 sd bands, and the verdicts are judged against the seed-to-seed spread."),
            $"Configurations: {string.Join(", ", Groups.Select(g => g[0].Configuration))}" + (Seeds.Count == 1 ? $", one seed ({(context.Quick ? "quick mode" : "the full default: one full α = 8 configuration with p_net is ≈ 1.3 h, an estimate from the measured 3·10⁴-step run (22.5 min), so seed repetitions are opt-in via --set seeds=0,1,2")})." : "."),
            context.Quick
                ? $"**Quick mode: {setup.Steps} steps, not the paper's 10⁵**, {(setup.UseSmoother ? "with" : "without")} the surrogate smoother{(setup.Sensitivity is null ? "" : $", with p_net by retraining (D = {setup.Sensitivity.DirectionCount}, linearity check {(setup.Sensitivity.LinearityCheck ? "σ/4" : "**off** to save two member runs: whether the label response is linear at σ is not checked here; the longer runs found the test-probe response not linear at σ = 0.1")})")}, {(Seeds.Count == 1 ? "one seed" : $"{Seeds.Count} seeds")}. Omnigrok's delayed test-accuracy rise at α = 8 happens over 10⁴–10⁵ steps (the full run's test error settled near step 36000), so a quick run shows train error reaching zero early and test error falling only much later, not the end of that fall."
                : $"Full run: {setup.Steps} steps.",
        ]);

        report.Heading("Findings");
        report.Paragraph(context.Settings.GetVerdictCriteria().Describe());
        var findings = new List<string>();
        foreach (var g in Groups)
        {
            var mean = SeedMean.Of(g);
            string name = g[0].Configuration, spread = SeedMean.Describe(g.Count);
            findings.Add($"**{name}**{spread} — {DelayFinding(mean, "error")}" + (g.Count == 1
                ? (g[0].StepTrainPerfect is int z ? $" Training error first 0 at logged step {z}." : " Training error never reached 0.")
                : $" Per seed: train plateau at {string.Join(", ", g.Select(r => r.TrainPlateau))}, test plateau at {string.Join(", ", g.Select(r => r.TestPlateau))}; training error first 0 at {string.Join(", ", g.Select(r => r.StepTrainPerfect?.ToString(CultureInfo.InvariantCulture) ?? "never"))}."));
            if (setup.UseSmoother)
            {
                findings.Add($"{name} — from the surrogate smoother's p (docs/method.md §4.3){spread}: {EffectiveParameterFinding(mean, Rule)}");
                foreach (var r in g) findings.Add($"{r.Label} — {ReliabilityFinding(r)}");
            }
            var views = g.Select(r => GrokkingNetworkView.Of(r, r.Sensitivity)).ToList();
            if (views.All(v => v is not null))
                findings.Add($"{name}{spread} — {GrokkingNetworkView.Finding(SeedMean.Of(views!), g[0].Sensitivity[^1], Rule)}");
            foreach (var r in g)
                findings.AddRange(SensitivityFindings.For(r.Label, r.Sensitivity, bound, SmootherSeries(r),
                    PTrainLimit * s.GetInt("train_size"), s.GetDouble("agreement_se"), s.GetDouble("agreement_relative")));
        }
        findings.AddRange(Comparisons());
        findings.Add("docs/method.md §9 expects: with large α, train accuracy 100% early, test accuracy rising much later, p_test ending clearly below p_train; α = 1: no delay, low p. " +
            Rule.Describe());
        foreach (var r in runs.Where(_ => setup.UseSmoother))
            findings.Add($"{r.Label} fidelity: mean |f̂ − f| = {F(r.SurrogateGapTrain)} (train), {F(r.SurrogateGapTest)} (test probes) at step {r.Final.Step}" +
                (double.IsFinite(r.SurrogateGapTrain) && r.SurrogateGapTrain < UsableSurrogateGap
                    ? "."
                    : $" — **the surrogate does not describe the network** (gap ≥ {F(UsableSurrogateGap)} on one-hot targets, or not finite), so its p values are not measurements of the network." +
                      (setup.Preconditioner == TangentPreconditioner.Frozen
                          ? " With Adam's realized preconditioner frozen (docs/method.md §4.3), T_t approaches 1/ε on coordinates whose gradients vanished once the training error is zero, and the surrogate's label tangents grow exponentially."
                          : "")));
        if (facts.Synthetic)
            findings.Add("These numbers come from the built-in synthetic images, not MNIST; compare them with the paper only after a run on MNIST.");
        report.Bullets(findings);

        report.Heading("Cost");
        report.Bullets(CostLines());

        report.Heading("Final values");
        if (Seeds.Count > 1) report.Paragraph($"Mean ± sd over the {Seeds.Count} seeds of each configuration (the SE columns: mean ± sd of each seed's own standard error over its directions).");
        report.Table(Groups,
            ("configuration", g => g[0].Configuration), ("train error", g => SeedMean.Cell(g, r => r.Final.Train)), ("test error", g => SeedMean.Cell(g, r => r.Final.Test)),
            ("p_train", g => SeedMean.Cell(g, r => r.Final.PTrain)), ("± SE", g => SeedMean.Cell(g, r => r.Final.PTrainSe)), ("p_test", g => SeedMean.Cell(g, r => r.Final.PTest)), ("± SE ", g => SeedMean.Cell(g, r => r.Final.PTestSe)), ("SE of gap", g => SeedMean.Cell(g, r => r.Final.PGapSe)),
            ("train plateau", g => SeedMean.Cell(g, r => r.TrainPlateau)), ("test plateau", g => SeedMean.Cell(g, r => r.TestPlateau)), ("train error 0 at", g => SeedMean.Cell(g, r => r.StepTrainPerfect)),
            ("p_net_train", g => SeedMean.Cell(g, r => Net(r)?.Train?.Value)), ("± SE  ", g => SeedMean.Cell(g, r => Net(r)?.Train?.StandardError)),
            ("p_net_test", g => SeedMean.Cell(g, r => Net(r)?.Test?.Value)), ("± SE   ", g => SeedMean.Cell(g, r => Net(r)?.Test?.StandardError)),
            ("linearity train / test", g => setup.Sensitivity is { LinearityCheck: false } ? "not checked"
                : g.Count == 1 && Net(g[0]) is { Train: { } a, Test: { } b } ? $"{F(a.LinearityRatio ?? double.NaN)} / {F(b.LinearityRatio ?? double.NaN)}"
                : g.Count > 1 ? $"{SeedMean.Cell(g, r => Net(r)?.Train?.LinearityRatio)} / {SeedMean.Cell(g, r => Net(r)?.Test?.LinearityRatio)}" : null),
            ("floor (test)", g => setup.Sensitivity is { LinearityCheck: false } ? "not measured" : SeedMean.Cell(g, r => Net(r)?.Test?.FloorDifference)),
            ("λ_T", g => SeedMean.Cell(g, r => r.Sensitivity.LastOrDefault(p => p.Sharpness is not null)?.Sharpness)),
            ("λ above bound from", g => bound is null ? null : string.Join(", ", g.Select(r => SensitivityColumns.FirstUnstable(r.Sensitivity, bound)?.Step.ToString(CultureInfo.InvariantCulture) ?? "—"))),
            ("s/step", g => SeedMean.Cell(g, r => Math.Round(SecondsPerStep(r), 4))));

        report.Heading("Figures");
        foreach (var g in Groups)
        {
            string name = g[0].Configuration, bands = g.Count > 1 ? $" Mean ± 1 sd over {g.Count} seeds." : "";
            IReadOnlyList<GrokkingRun> shown = setup.UseSmoother ? g : g.Select(r => GrokkingNetworkView.Of(r, r.Sensitivity) ?? r).ToList();
            report.Figure(context.Folder.SaveFigure(GrokkingCharts.Dynamics(shown, name, "classification error", logMetric: false), $"dynamics_{name}"),
                $"{name}: train (solid) and test (dashed) error (top), p_train (solid) and p_test (dashed) (bottom) against the step (log axis)" +
                (setup.UseSmoother ? " — the surrogate smoother's p." : " — the network's p_net by retraining (no smoother in this run).") + bands);
            if (g.Any(r => r.Sensitivity.Any(p => p.Train is not null || p.Sharpness is not null)))
                report.Figure(context.Folder.SaveFigure(GrokkingNetworkView.Overlay(g, bound, name), $"p_net_vs_p_{name}"),
                    $"{name}: the smoother's p (lines) and the network's p_net by retraining (markers), log-log (top); the surrogate sharpness λ_t and its stability bound (bottom).{bands}");
        }
        context.Folder.WriteReport(report.ToString());
    }

    private IEnumerable<string> Comparisons()
    {
        bool Relu(IReadOnlyList<GrokkingMnistRun> g) => g[0].Config.Activation.Kind == Models.ActivationKind.ReLU;
        var large = Groups.Where(Relu).OrderByDescending(g => g[0].Config.Alpha).FirstOrDefault();
        var small = Groups.FirstOrDefault(g => Relu(g) && g[0].Config.Alpha == 1);
        if (large is null || small is null || ReferenceEquals(large, small)) yield break;
        string[] labels = ["α = 1", $"α = {F(large[0].Config.Alpha)}"];
        double[] x = [1, large[0].Config.Alpha];
        var criteria = context.Settings.GetVerdictCriteria();
        Verdict Judge(Func<GrokkingMnistRun, double> value) => SeededOrdering.Judge(x,
            [small.Select(value).ToArray(), large.Select(value).ToArray()], labels, TrendDirection.Grows, criteria);
        yield return $"Omnigrok (Liu et al. 2023) and docs/method.md §9: a large α delays generalization, α = 1 does not, and α = 1 ends with fewer effective parameters. α = {F(large[0].Config.Alpha)} vs α = 1 (ReLU): final test error {SeedMean.SeedCell(large.Select(r => (double?)r.Final.Test))} vs {SeedMean.SeedCell(small.Select(r => (double?)r.Final.Test))}" +
            (Seeds.Count > 1 ? $" (mean ± sd over {Seeds.Count} seeds; the orderings below are judged by the slope over every seed's value)" : "") + ". " +
            Judge(r => (double)r.TestPlateau / Math.Max(r.TrainPlateau, 1)).About("Delay as the ratio of the test to the train plateau step, expected larger at large α") + " " +
            Judge(r => r.TestPlateau).About("Delay as the absolute test plateau step, expected larger at large α") + " " +
            Judge(r => FinalP(r).Train).About($"Final p_train ({Estimate}), expected lower at α = 1") + " " +
            Judge(r => FinalP(r).Test).About($"Final p_test ({Estimate}), expected lower at α = 1");
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
