using System.Globalization;
using Telescope.Recipes.Sensitivity;
using Telescope.Reporting;
using Telescope.Runs;
using Telescope.Smoothing;
using Telescope.Verdicts;

namespace Telescope.Recipes.DoubleDescent;

/// <summary>
/// Writes the double-descent run's metrics.csv rows, summary.json, figures and report.md from the sub-runs'
/// results (one network per noise level × width × seed), whether they were computed here or merged from shards.
/// Networks that hit the step cap or fit worse than a narrower one (optimization failures) are shown in tables and
/// figures but are not part of the curves the verdicts judge; with several seeds a curve's value at a width is the
/// mean over the seeds in the curve and its noise the seed spread.
/// </summary>
internal sealed class DoubleDescentOutput
{
    private readonly RunContext context;
    private readonly DoubleDescentFacts facts;
    private readonly DoubleDescentConfig config;
    private readonly IReadOnlyList<WidthRun> runs;
    private readonly StabilityBound? bound;
    /// <summary>Optimization failures and the narrower network of the same sweep each fits worse than.</summary>
    private readonly Dictionary<WidthRun, WidthRun> _worseThan = [];

    public DoubleDescentOutput(RunContext context, DoubleDescentFacts facts, DoubleDescentConfig config, IReadOnlyList<WidthRun> runs, StabilityBound? bound)
    {
        this.context = context;
        this.facts = facts;
        this.config = config;
        this.runs = runs;
        this.bound = bound;
        double tolerance = context.Settings.GetDouble("worse_fit_tolerance");
        foreach (var sweep in runs.GroupBy(r => (r.LabelNoise, r.Seed)))
        {
            var ordered = sweep.OrderBy(r => r.Width).ToList();
            foreach (var (i, j) in DoubleDescentAnalysis.WorseFitThanNarrower(ordered.Select(r => r.Final.TrainMse).ToList(), tolerance))
                _worseThan[ordered[i]] = ordered[j];
        }
    }

    /// <summary>The metrics.csv columns after run and step.</summary>
    public static string[] Columns(DoubleDescentConfig config) =>
        ["label_noise", "width", "parameters", "train_mse", "test_mse", "test_error", "p_train", "p_test",
            .. config.Smoother == SmootherChoice.Hutchinson ? new[] { "p_train_se", "p_test_se" } : [], .. SensitivityColumns.Names];

    /// <summary>Writes logged point <paramref name="i"/> of <paramref name="run"/> (live, as soon as it is measured, and in the merge).</summary>
    public static void WritePoint(MetricsCsvWriter csv, DoubleDescentConfig config, WidthRun run, int i, bool seeded)
    {
        var p = run.Points[i];
        csv.WriteRow(run.Label(seeded), p.Step,
        [
            run.LabelNoise, run.Width, run.Parameters, p.TrainMse, p.TestMse, p.TestError, SensitivityColumns.Measured(p.PTrain.Value), SensitivityColumns.Measured(p.PTest.Value),
            .. config.Smoother == SmootherChoice.Hutchinson ? new double?[] { p.PTrain.StandardError, p.PTest.StandardError } : [],
            .. SensitivityColumns.Values(i < run.Sensitivity.Count ? run.Sensitivity[i] : null),
        ]);
    }

    private bool Hutchinson => config.Smoother == SmootherChoice.Hutchinson;
    private int N => facts.TrainCount;
    private double ThresholdWidth => DoubleDescentAnalysis.ThresholdWidth(N, facts.FeatureCount);
    private IEnumerable<double> Noises => runs.Select(r => r.LabelNoise).Distinct();
    private IReadOnlyList<long> Seeds => runs.Select(r => r.Seed).Distinct().ToList();
    private bool Seeded => Seeds.Count > 1;
    private string Label(WidthRun r) => r.Label(Seeded);
    /// <summary>The networks of one noise level, by width, then seed.</summary>
    private List<WidthRun> Sweep(double noise) => runs.Where(r => r.LabelNoise == noise).OrderBy(r => r.Width).ThenBy(r => r.Seed).ToList();
    private List<int> Widths(double noise) => Sweep(noise).Select(r => r.Width).Distinct().ToList();
    private double FidelityLimit => context.Settings.GetDouble("fidelity_limit");
    private VerdictCriteria Criteria => context.Settings.GetVerdictCriteria();

    /// <summary>Part of the curve: converged (not capped) and no optimization failure.</summary>
    private bool InCurve(WidthRun r) => !r.Capped && !_worseThan.ContainsKey(r);

    /// <summary>Why a network is not part of the curve ("" when it is).</summary>
    private string Flag(WidthRun r) => (r.Capped ? $"capped at {r.Steps} steps" : "") +
        (_worseThan.TryGetValue(r, out var narrower)
            ? (r.Capped ? "; " : "") + $"optimization failure (train MSE {F(r.Final.TrainMse)} > {F(narrower.Final.TrainMse)} at width {narrower.Width} + {F(context.Settings.GetDouble("worse_fit_tolerance"))})"
            : "");

    /// <summary>
    /// A curve over width: at each width the values of the networks that <paramref name="include"/> admits (one per
    /// seed); widths with no admitted network are left out.
    /// </summary>
    private SeededSeries Curve(double noise, Func<WidthRun, double> value, Func<WidthRun, bool> include) =>
        DoubleDescentAnalysis.Curve(Sweep(noise).Select(r => include(r) ? (r.Width, value(r), true) : (r.Width, double.NaN, false)));

    private static List<int> WidthsOf(SeededSeries series) => series.X.Select(x => (int)x).ToList();

    /// <summary>The noise each verdict is judged against, in words.</summary>
    private string SpreadNote => Seeded
        ? $"with {Seeds.Count} seeds ({string.Join(", ", Seeds)}) each curve's value at a width is the mean over the seeds in the curve, and a verdict's noise unit is the sample standard deviation over those seeds (the seed spread; a width where fewer than two seeds are in the curve makes the whole curve fall back to its own roughness, and the verdict says which)"
        : "with one seed a verdict's noise unit is the curve's own roughness (median |second difference|/(0.6745·√6)), so a verdict the noise cannot support reads 'inconclusive at this noise level'";

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

    private Dictionary<string, object?> Entry(WidthRun r)
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
        row["steps"] = r.Steps;
        row["stop"] = StopName(r.Stop);
        row["capped"] = r.Capped;
        row["optimization_failure"] = _worseThan.ContainsKey(r);
        row["in_curve"] = InCurve(r);
        row["last_interval_train_mse_change"] = r.LastTrainMseChange;
        row["wall_seconds"] = Math.Round(r.WallSeconds, 2);
        row["cpu_seconds"] = Math.Round(r.CpuSeconds, 2);
        row["retraining_members"] = r.Members;
        row["retraining_seconds"] = Math.Round(r.RetrainingSeconds, 2);
        row["stability_seconds"] = Math.Round(r.StabilitySeconds, 2);
        row["step_p_unreliable"] = FirstBlowUp(r)?.Step;
        foreach (var (key, value) in SensitivityColumns.Summary(r.Sensitivity, bound)) row[key] = value;
        return row;
    }

    private static string StopName(StopReason stop) => stop switch
    {
        StopReason.Converged => "converged",
        StopReason.Interpolated => "interpolated",
        StopReason.Capped => "capped",
        _ => "fixed",
    };

    public void WriteSummary()
    {
        // One seed: one entry per network, as before seeds existed. Several: one entry per (noise, width) with the
        // mean and sd over seeds of every number (SeedAggregate) and the seeds that are part of the curve.
        object results = !Seeded
            ? runs.Select(Entry).ToList()
            : runs.GroupBy(r => (r.LabelNoise, r.Width)).Select(g =>
            {
                var members = g.OrderBy(r => r.Seed).ToList();
                var entry = SeedAggregate.Combine(members.Select(r => r.Seed).ToList(), members.Select(r => (object)Entry(r)).ToList());
                entry["seeds_in_curve"] = members.Count(InCurve);
                return entry;
            }).ToList();
        var criteria = Criteria;
        context.Folder.WriteSummary(new Dictionary<string, object?>
        {
            ["recipe"] = "double-descent",
            ["data"] = facts.Description,
            ["synthetic_data"] = facts.IsSynthetic,
            ["n"] = N,
            ["features"] = facts.FeatureCount,
            ["threshold_width"] = ThresholdWidth,
            ["optimizer"] = config.Optimizer,
            ["smoother"] = SmootherName,
            ["sensitivity"] = config.Sensitivity is { } o
                ? FormattableString.Invariant($"retraining (docs/method.md §5.2), σ = {o.Sigma}, D = {o.DirectionCount}, linearity check {(o.LinearityCheck ? "σ/4" : "off")}")
                : "none",
            ["stability_bound"] = bound?.Value,
            ["stability_bound_setting"] = bound?.Description,
            ["seeds"] = Seeds,
            ["convergence"] = new Dictionary<string, object?>
            {
                ["rule"] = config.Convergence.Describe(),
                ["window"] = config.Convergence.Window,
                ["rel_improvement"] = config.Convergence.RelativeImprovement,
                ["train_mse_floor"] = config.Convergence.TrainMseFloor,
                ["max_steps"] = config.Convergence.MaxSteps,
                ["worse_fit_tolerance"] = context.Settings.GetDouble("worse_fit_tolerance"),
                ["networks"] = runs.Count,
                ["capped"] = runs.Where(r => r.Capped).Select(Label).ToList(),
                ["optimization_failures"] = runs.Where(_worseThan.ContainsKey).Select(Label).ToList(),
            },
            ["verdict_criteria"] = new Dictionary<string, object?>
            {
                [VerdictCriteria.PeakNoiseFactorKey] = criteria.PeakNoiseFactor,
                [VerdictCriteria.TrendConfidenceKey] = criteria.TrendConfidence,
                [VerdictCriteria.GapSeFactorKey] = criteria.GapSeFactor,
            },
            ["peaks"] = Noises.ToDictionary(n => n.ToString("G4", CultureInfo.InvariantCulture), n =>
            {
                var testCurve = Curve(n, r => r.Final.TestMse, InCurve);
                var test = Ratio(testCurve);
                var judged = PeakCheck.Find(testCurve, criteria, n > 0, "width");
                var pCurve = Curve(n, r => r.Final.PTest.Value, r => InCurve(r) && Reliable(r));
                var pTest = Ratio(pCurve);
                return new Dictionary<string, object?>
                {
                    ["test_mse_peak_width"] = test.Width,
                    ["test_mse_peak_prominence"] = test.Prominence,
                    ["test_mse_peak_verdict"] = judged.Verdict.Outcome.ToString(),
                    ["test_mse_peak_candidate_width"] = judged.X,
                    ["test_mse_peak_noise_unit"] = judged.Noise,
                    ["test_mse_peak_noise_source"] = judged.NoiseSource,
                    ["p_test_peak_width"] = pTest.Width,
                    ["p_test_peak_prominence"] = pTest.Prominence,
                    ["interpolation_width"] = InterpolationWidth(Curve(n, r => r.Final.TrainMse, InCurve)),
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
        SmootherChoice.Kernel => "kernel recursion (docs/method.md §4.2), exact for plain GD/SGD",
        SmootherChoice.Exact => $"label-tangent propagation (docs/method.md §4.3), exact basis (D = n = {N}), exact for {config.Optimizer}" + PreconditionerNote,
        _ => $"label-tangent propagation (docs/method.md §4.3), Hutchinson with D = {config.Directions} Rademacher directions (unbiased; ± standard error), exact in expectation for {config.Optimizer}" + PreconditionerNote,
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
            ("p_train, p_test", "effective parameters n/|I|·Σ_{x∈I} ||s_T(x)||² (docs/method.md §5.1) of the smoother s_T of the optimizer actually used; p_train over the n training inputs, p_test over the test probes"),
            ("P", $"trainable parameters h·(d + 2) + 1 of the d-h-1 network, d = {facts.FeatureCount}"),
            ("interpolation threshold h*", $"the width where P = n: (n − 1)/(d + 2) = {F(ThresholdWidth)} (P = n = {N})"),
            ("trained to convergence", config.Convergence.Describe() + "; the rule reads only the network's own training MSE at logged steps, so a resumed run stops at the same step, and the p_net members (which step in lockstep with the network, or with sensitivity_members = separate replay it in their pair sub-run) train exactly as many steps"),
            ("in the curve", $"a network is part of the curves and verdicts when it converged (not capped) and is no optimization failure: its final train MSE does not exceed that of a narrower network of the same noise level and seed by more than {F(s.GetDouble("worse_fit_tolerance"))} (worse_fit_tolerance; a wider network contains the narrower ones, so a clearly worse fit is a failure of the optimizer, not a property of the width). Flagged networks are listed in the tables and drawn as crosses in the figures"),
            ("seeds", SpreadNote),
            ("peak (ratio criterion)", $"the interior width whose value most exceeds the lowest value at smaller AND at larger widths (prominence = the smaller of the two ratios; the grid's ends never count, so underfitting at width 1 is not a peak); a peak when prominence ≥ {F(s.GetDouble("peak_prominence"))}; 'near the threshold' = within a factor {F(s.GetDouble("near_factor"))} of h*. Descriptive only: the verdicts use the noise criterion below"),
            ("p reliable", $"the surrogate stayed close to the network — mean |f̂ − f| on the training set ≤ {F(s.GetDouble("fidelity_limit"))} (targets are ±1) — and its label sensitivities did not blow up — p_train ≤ {F(s.GetDouble("p_train_limit"))}·n (an interpolating least-squares smoother has p_train = n); p at other widths describes an unstable surrogate and is left out of the p findings and figure"),
            ("fidelity gap", "mean |·| differences on the tracked inputs at the end of training between the surrogate f̂_T = S_T·Y + c_T, the telescoping model f̃_T and the network f_θT (docs/method.md §4)"),
            ("which estimate", $"p_train / p_test are the surrogate smoother's ({SmootherName}); p_net_train / p_net_test are the network's own by retraining (docs/method.md §5.2)"),
            .. SensitivityFindings.Definitions(s, bound, config.Sensitivity is not null),
        ]);

        var steps = runs.Select(r => (double)r.Steps).ToList();
        report.Heading("Setup").Bullets(
        [
            $"Data: {facts.Description}." + (facts.IsSynthetic
                ? " **These are not MNIST**: no data folder was given; pass `--data DIR` or set `TELESCOPE_DATA` to run on MNIST."
                : ""),
            $"Label noise: {string.Join("; ", facts.Flips.GroupBy(f => f.LabelNoise).Select(g => $"{F(g.Key)} → {string.Join(" / ", g.Select(f => f.Flipped).Distinct())} of {N} training targets flipped"))} " +
                $"(`BinaryTask.WithLabelNoise`, one flip set per level{(Seeded ? " and seed" : "")}, shared by all widths); test targets are clean.",
            $"Seeds: {(Seeded ? $"{Seeds.Count} repetitions ({string.Join(", ", Seeds)}); each drives the initialization, data order, label-noise flips and the estimators' random directions, while the data subset and probes are shared" : $"one ({Seeds[0]}); `--set seeds=0,1,2` repeats every network and judges the verdicts against the seed spread")}.",
            $"Model: {facts.FeatureCount}-h-1 ReLU networks with biases, PyTorch-style uniform initialization, {config.DType}; widths {string.Join(", ", runs.Select(r => r.Width).Distinct().Order())}.",
            $"Training: squared loss (c = {F(config.LossScale)}), {(config.Optimizer == "adam" ? "Adam (β = 0.9, 0.999, ε = 1e-8)" : "plain gradient descent")}, learning rate {F(config.LearningRate)}, " +
                $"{(config.FullBatch ? "full batch" : $"minibatches of {config.BatchSize}")}; {config.Convergence.Describe()}. Steps used: {F(steps.Min())}–{F(steps.Max())} (median {F(Median(steps))}).",
            $"Smoother: {SmootherName}. " + SmootherChoiceNote(),
            $"p_test and the fidelity gap use the first {s.GetInt("test_probes")} test examples; test MSE uses all {facts.TestCount}.",
            $"Time: {F(runs.Sum(r => r.WallSeconds))} s wall, {F(runs.Sum(r => r.CpuSeconds))} s CPU of training over {runs.Count} networks on {Environment.ProcessorCount} logical processors, {context.Settings.GetInt(RecipeSettings.ThreadsKey)} torch thread(s); {LoadAverage()} (wall time depends on other load, CPU time much less).",
        ]);

        report.Heading("Findings");
        report.Paragraph(Criteria.Describe() + " Here " + SpreadNote + ".");
        report.Bullets(Findings());

        foreach (var noise in Noises)
        {
            if (Seeded)
            {
                report.Heading($"Results, label noise {F(noise)}: mean ± sd over the seeds in the curve");
                report.Table(Widths(noise), ("width", w => w), ("P", w => DoubleDescentAnalysis.ParameterCount(facts.FeatureCount, w)),
                    ("seeds in curve", w => $"{Sweep(noise).Count(r => r.Width == w && InCurve(r))} of {Sweep(noise).Count(r => r.Width == w)}"),
                    ("steps (all seeds)", w => MeanSd(Sweep(noise).Where(r => r.Width == w).Select(r => (double)r.Steps))),
                    ("train MSE", w => MeanSd(At(noise, w, InCurve).Select(r => r.Final.TrainMse))),
                    ("test MSE", w => MeanSd(At(noise, w, InCurve).Select(r => r.Final.TestMse))),
                    ("test error", w => MeanSd(At(noise, w, InCurve).Select(r => r.Final.TestError))),
                    ("p_train", w => MeanSd(At(noise, w, r => InCurve(r) && Reliable(r)).Select(r => r.Final.PTrain.Value))),
                    ("p_test", w => MeanSd(At(noise, w, r => InCurve(r) && Reliable(r)).Select(r => r.Final.PTest.Value))),
                    ("p_net_train", w => MeanSd(At(noise, w, InCurve).Select(r => Net(r)?.Train?.Value ?? double.NaN))),
                    ("p_net_test", w => MeanSd(At(noise, w, InCurve).Select(r => Net(r)?.Test?.Value ?? double.NaN))));
            }
            report.Heading(Seeded ? $"Every network, label noise {F(noise)}" : $"Results, label noise {F(noise)}");
            (string, Func<WidthRun, object?>)[] seedColumn = Seeded ? [("seed", r => r.Seed)] : [];
            report.Table(Sweep(noise), [
                ("width", r => r.Width), .. seedColumn,
                ("P", r => r.Parameters), ("steps", r => r.Steps), ("stop", r => StopName(r.Stop)), ("not in curve", r => Flag(r) is { Length: > 0 } f ? $"**{f}**" : ""),
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
                ("p_train > limit from", r => FirstBlowUp(r)?.Step),
                ("last-interval Δtrain MSE", r => r.LastTrainMseChange), ("wall s", r => Math.Round(r.WallSeconds, 1)), ("CPU s", r => Math.Round(r.CpuSeconds, 1))]);
        }

        string bands = Seeded ? $" Lines are means over the seeds in the curve with ±1 sd bands ({Seeds.Count} seeds)." : "";
        const string crosses = " Crosses: networks not in the curve (capped or an optimization failure), at their own values.";
        report.Heading("Figures");
        report.Figure(context.Folder.SaveFigure(MseFigure(), "mse_vs_width"),
            "Test MSE (top) and train MSE (bottom) of the final networks against width; the dashed vertical line marks the interpolation threshold h* (P = n)." + bands + crosses);
        report.Figure(context.Folder.SaveFigure(StepsFigure(), "steps_vs_width"),
            "Training steps each network used before the convergence rule stopped it (mean ± sd over all seeds); crosses: networks that hit the cap (max_steps).");
        if (config.Sensitivity is not null)
            report.Figure(context.Folder.SaveFigure(NetFigure(), "p_net_vs_width"),
                "The network's own p_net_train (solid) and p_net_test (dashed) by retraining at every width in the curve (markers: circles), with the smoother's p at the same networks where it is finite (no markers; log scale, so blown-up values show as such)." + bands);
        if (config.HasSmoother)
            report.Figure(context.Folder.SaveFigure(PFigure(), "p_vs_width"),
                "Effective parameters p_train (solid) and p_test (dashed) against width, over the networks in the curve whose p is reliable (see the tables); dashed vertical line: h*." + (Hutchinson ? " Hutchinson estimates (standard errors in the tables)." : "") + bands);
        context.Folder.WriteReport(report.ToString());
    }

    /// <summary>The networks of one (noise, width) that <paramref name="include"/> admits.</summary>
    private IEnumerable<WidthRun> At(double noise, int width, Func<WidthRun, bool> include) => Sweep(noise).Where(r => r.Width == width && include(r));

    /// <summary>"mean ± sd" over the finite values (just the value with one, "—" with none).</summary>
    private static string MeanSd(IEnumerable<double> values) => SeedAggregate.Text(values, F);

    private string SmootherChoiceNote() => config.Smoother switch
    {
        SmootherChoice.Hutchinson => $"Chosen for cost: the exact basis needs D = n = {N} tangent directions (≈ n backward passes per step), " +
            "Hutchinson needs D; `--set smoother=exact` gives exact S. With `--set optimizer=gd` the kernel recursion (`smoother=kernel`) is exact and cheap.",
        SmootherChoice.Exact => "Exact S (no estimation error); `--set smoother=hutchinson` is the scalable alternative.",
        _ => "Exact for plain gradient descent; with Adam use `smoother=hutchinson` or `exact` (docs/method.md §4.3).",
    };

    private string PNet(NetworkSensitivityEstimate e) => e.IsLinear == false ? $"{F(e.Value)} ± {F(e.StandardError)} (not linear)" : $"{F(e.Value)} ± {F(e.StandardError)}";

    /// <summary>
    /// The docs/method.md §9 double-descent question answered from p_net (the network's own label sensitivity) over the networks
    /// in the curve, including those where the smoother's p is flagged; stability and agreement per network.
    /// </summary>
    private IEnumerable<string> NetworkFindings(double noise, double prominence, double near)
    {
        var s = context.Settings;
        var networks = Sweep(noise).Where(r => InCurve(r) && Net(r) is { Train: not null, Test: not null }).ToList();
        if (networks.Count == 0) yield break;
        string level = $"**Label noise {F(noise)}, p_net (retraining)**";
        var train = Curve(noise, r => Net(r)!.Train!.Value, networks.Contains);
        var test = Curve(noise, r => Net(r)!.Test!.Value, networks.Contains);
        var linear = networks.Where(r => Net(r) is { Train.IsLinear: true, Test.IsLinear: true }).ToList();
        yield return $"{level}: p_net_train {Join(train.Means)} and p_net_test {Join(test.Means)} over widths {JoinInts(WidthsOf(train))}{(Seeded ? " (means over the seeds in the curve)" : "")} " +
            $"(σ = {F(Net(networks[0])!.Train!.Sigma)}); the response is linear at σ (both sets) at {linear.Count} of {networks.Count} networks" +
            (linear.Count == networks.Count ? " — all of them." : $" ({string.Join(", ", linear.Select(Label))}); at the others p_net is a finite-σ response, not a measurement (linearity ratios train {Join(networks.Select(r => Net(r)!.Train!.LinearityRatio ?? double.NaN))}).");
        var trend = TrendCheck.Judge(train, Criteria, TrendDirection.Grows, Math.Log);
        yield return $"{level}: " + trend.Verdict.About("the paper finds p_train growing with width; p_net_train against log width");
        yield return $"{level}: p_net_test — " + PeakSentence("p_net_test", test, prominence, near, expectPeak: true);
        var beyond = networks.Where(r => r.Width > ThresholdWidth).ToList();
        if (beyond.Count > 0)
            yield return $"{level}: beyond the threshold p_net_test < p_net_train at {beyond.Count(r => Net(r)!.Test!.Value < Net(r)!.Train!.Value)} of {beyond.Count} networks.";
        var flagged = config.HasSmoother ? networks.Where(r => !Reliable(r)).ToList() : [];
        if (flagged.Count > 0)
            yield return $"{level}: at the networks where the smoother's p is flagged unreliable ({string.Join(", ", flagged.Select(Label))}) the smoother's final p_train is {Join(flagged.Select(r => r.Final.PTrain.Value))} against p_net_train {Join(flagged.Select(r => Net(r)!.Train!.Value))}.";
        double limit = s.GetDouble("p_train_limit") * N;
        foreach (var r in Sweep(noise))
            foreach (var line in SensitivityFindings.For(Label(r), r.Sensitivity, bound,
                config.HasSmoother ? r.Points.Select(p => (p.Step, p.PTrain.Value, p.PTest.Value)).ToList() : [], limit, s.GetDouble("agreement_se"), s.GetDouble("agreement_relative"), describeNetwork: false))
                yield return line;
    }

    /// <summary>Steps used, caps and optimization failures over the whole sweep.</summary>
    private string ConvergenceFinding()
    {
        var steps = runs.Select(r => (double)r.Steps).ToList();
        var capped = runs.Where(r => r.Capped).ToList();
        var failures = runs.Where(_worseThan.ContainsKey).ToList();
        return $"Convergence: the {runs.Count} networks trained {F(steps.Min())}–{F(steps.Max())} steps (median {F(Median(steps))}; " +
            string.Join(", ", runs.GroupBy(r => r.Stop).OrderBy(g => g.Key).Select(g => $"{g.Count()} {StopName(g.Key)}")) + "). " +
            (capped.Count == 0 ? "No network hit the step cap. " : $"**{capped.Count} hit the cap of {config.MaxSteps} steps still improving** ({string.Join(", ", capped.Select(Label))}): shown, but kept out of the curves and verdicts. ") +
            (failures.Count == 0 ? $"No wider network ended with a train MSE more than {F(context.Settings.GetDouble("worse_fit_tolerance"))} above a narrower one's."
                : $"**{failures.Count} optimization failure(s)** — a wider network ending with a clearly higher train MSE than a narrower one of the same noise level and seed, reported as a failure of the optimizer, not as part of the curve: " +
                  string.Join("; ", failures.Select(r => $"{Label(r)} {F(r.Final.TrainMse)} vs width {_worseThan[r].Width} {F(_worseThan[r].Final.TrainMse)}")) + ".") +
            $" The verdicts use the {runs.Count(InCurve)} networks in the curve.";
    }

    private IFigure NetFigure()
    {
        var chart = new LineChart { Title = "p_net (retraining) and the smoother's p against width", XLabel = "hidden width h (log scale)", YLabel = "effective parameters", LogX = true, LogY = true, LegendOutside = true };
        int group = 0;
        foreach (var noise in Noises)
        {
            bool Has(WidthRun r) => InCurve(r) && Net(r) is { Train: not null, Test: not null };
            chart.AddSeeded($"p_net_train, noise {F(noise)}", Curve(noise, r => Net(r)!.Train!.Value, Has), markers: true, colorGroup: group);
            chart.AddSeeded($"p_net_test, noise {F(noise)}", Curve(noise, r => Net(r)!.Test!.Value, Has), markers: true, dashed: true, colorGroup: group);
            if (config.HasSmoother)
            {
                chart.AddSeeded($"p_train (smoother), noise {F(noise)}", Curve(noise, r => r.Final.PTrain.Value, Has), colorGroup: group + 1);
                chart.AddSeeded($"p_test (smoother), noise {F(noise)}", Curve(noise, r => r.Final.PTest.Value, Has), dashed: true, colorGroup: group + 1);
            }
            group += 2;
        }
        return chart;
    }

    private List<string> Findings()
    {
        var s = context.Settings;
        double prominence = s.GetDouble("peak_prominence"), near = s.GetDouble("near_factor");
        var findings = new List<string>
        {
            $"Interpolation threshold: P = n = {N} at width h* = {F(ThresholdWidth)} (d = {facts.FeatureCount}).",
            ConvergenceFinding(),
        };
        foreach (var noise in Noises) findings.AddRange(NetworkFindings(noise, prominence, near));
        string mean = Seeded ? " (means over the seeds in the curve)" : "";
        foreach (var noise in Noises)
        {
            string level = $"**Label noise {F(noise)}**";
            var trainCurve = Curve(noise, r => r.Final.TrainMse, InCurve);
            var testCurve = Curve(noise, r => r.Final.TestMse, InCurve);
            if (testCurve.Count == 0)
            {
                findings.Add($"{level}: no network is in the curve; no findings.");
                continue;
            }
            int? interp = InterpolationWidth(trainCurve);
            findings.Add($"{level}: the networks interpolate (final train MSE ≤ {F(s.GetDouble("interpolation_tolerance"))}{mean}) " +
                (interp is int w ? $"from width {w} (P = {DoubleDescentAnalysis.ParameterCount(facts.FeatureCount, w)}) on the grid." : "at no width of the grid (not trained to interpolation)."));
            findings.Add($"{level}: test MSE{mean} is {Join(testCurve.Means)} over widths {JoinInts(WidthsOf(testCurve))}; " +
                PeakSentence("test MSE", testCurve, prominence, near, expectPeak: noise > 0));

            if (!config.HasSmoother) continue;
            var flagged = Sweep(noise).Where(r => InCurve(r) && !Reliable(r)).ToList();
            if (flagged.Count > 0)
                findings.Add($"{level}: **p is unreliable at {string.Join(", ", flagged.Select(Label))}**: the surrogate drifted from the network or its label sensitivities blew up " +
                    $"(mean |f̂ − f| on the training set {Join(flagged.Select(r => r.TrainFidelity?.SurrogateVsNetwork ?? double.NaN))}, limit {F(FidelityLimit)}; " +
                    $"p_train {Join(flagged.Select(r => r.Final.PTrain.Value))}, limit {F(context.Settings.GetDouble("p_train_limit") * N)}). " +
                    (config.Optimizer != "adam" ? "The p findings below use the other networks only."
                        : config.Preconditioner == TangentPreconditioner.Frozen
                            ? "With Adam the surrogate freezes the realized preconditioner, which grows huge as the network interpolates; " +
                              "the p findings below use the other networks only. `--set optimizer=gd --set smoother=kernel` avoids this."
                            : "This happened although the surrogate keeps its own Adam second moment (preconditioner=differentiated); the p findings below use the other networks only."));
            bool Usable(WidthRun r) => InCurve(r) && Reliable(r);
            var pTrain = Curve(noise, r => r.Final.PTrain.Value, Usable);
            var pTest = Curve(noise, r => r.Final.PTest.Value, Usable);
            if (pTrain.Count < 3)
            {
                findings.Add($"{level}: fewer than three widths have reliable p; no p findings.");
                continue;
            }
            // Descriptive step count; the verdict is the slope test. Tolerance: two standard errors of each mean (the
            // Hutchinson SE with one seed, sd/√seeds with several).
            var tolerance = Enumerable.Range(0, pTrain.Count).Select(i => 2 * (pTrain.SeedCount >= 2
                ? pTrain.Sds[i] / Math.Sqrt(pTrain.Samples[i].Length)
                : Sweep(noise).Where(r => Usable(r) && r.Width == (int)pTrain.X[i]).Select(r => r.Final.PTrain.StandardError).DefaultIfEmpty(0).Average())).ToList();
            var (up, steps) = DoubleDescentAnalysis.Growth(pTrain.Means, tolerance);
            var pTrainTrend = TrendCheck.Judge(pTrain, Criteria, TrendDirection.Grows, Math.Log);
            findings.Add($"{level}: " + pTrainTrend.Verdict.About("the paper finds p_train growing with width (slope against log width)"));
            findings.Add($"{level}: p_train{mean} is {Join(pTrain.Means)} over widths {JoinInts(WidthsOf(pTrain))} — " +
                (up == steps ? "no step up the grid decreases it by more than two standard errors."
                    : $"it does NOT grow monotonically with width ({steps - up} of {steps} steps up the grid decrease it by more than two standard errors); first {F(pTrain.Means[0])}, last {F(pTrain.Means[^1])}." +
                      DecreaseContext(noise, pTrain, tolerance)));
            findings.Add($"{level}: p_test{mean} is {Join(pTest.Means)}; " + PeakSentence("p_test", pTest, prominence, near, expectPeak: true));
            var beyond = Enumerable.Range(0, pTrain.Count).Where(i => pTrain.X[i] > ThresholdWidth).ToList();
            if (beyond.Count > 0)
                findings.Add($"{level}: beyond the threshold p_test < p_train at {beyond.Count(i => pTest.Means[i] < pTrain.Means[i])} of {beyond.Count} widths{mean} (p_test below p_train = benign overfitting, docs/method.md §5.1).");
        }

        var noisy = Noises.Where(n => n > 0).ToList();
        if (Noises.Contains(0.0) && noisy.Count > 0 && Curve(0.0, r => r.Final.TestMse, InCurve).Count > 0)
        {
            SeededSeries TestCurve(double n) => Curve(n, r => r.Final.TestMse, InCurve);
            var clean = Ratio(TestCurve(0.0));
            var withNoise = noisy.Select(n => (Noise: n, Peak: Ratio(TestCurve(n)))).ToList();
            bool cleanPeak = clean.IsPeak(prominence);
            PeakResult Judged(double n, bool expect) => PeakCheck.Find(TestCurve(n), Criteria, expect, "width");
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
            findings.Add($"Smoother fidelity (test probes): largest |f̂ − f| = {F(worst.TestFidelity!.SurrogateVsNetwork)} at {Label(worst)} " +
                $"(|f̂ − f̃| = {F(worst.TestFidelity.SurrogateVsTelescoped)}, |f̃ − f| = {F(worst.TestFidelity.TelescopedVsNetwork)}); " +
                $"median |f̂ − f| over all networks {F(Median(gaps.Select(r => r.TestFidelity!.SurrogateVsNetwork)))}. Every network is in the tables below. " +
                "A large gap means p describes the surrogate more than the network there.");
        }
        if (facts.IsSynthetic)
            findings.Add("These numbers come from the built-in synthetic images, not MNIST; compare them with the paper only after a run on MNIST.");
        return findings;
    }

    /// <summary>Where mean p_train falls from one width to the next, says whether the wider networks also fit their training set worse.</summary>
    private string DecreaseContext(double noise, SeededSeries pTrain, IReadOnlyList<double> tolerance)
    {
        var drops = Enumerable.Range(1, pTrain.Count - 1).Where(i => pTrain.Means[i] < pTrain.Means[i - 1] - (tolerance[i] + tolerance[i - 1])).ToList();
        if (drops.Count == 0) return "";
        var trainMse = Curve(noise, r => r.Final.TrainMse, r => InCurve(r) && Reliable(r));
        int worseFit = drops.Count(i => trainMse.Means[i] > trainMse.Means[i - 1]);
        return $" At {worseFit} of these {drops.Count} decreases the wider networks also end with a higher train MSE " +
            $"({string.Join(", ", drops.Select(i => $"{pTrain.X[i - 1]}→{pTrain.X[i]}: train MSE {F(trainMse.Means[i - 1])}→{F(trainMse.Means[i])}"))}), i.e. they fit less of the labels.";
    }

    private string PeakSentence(string what, SeededSeries curve, double prominence, double near, bool expectPeak)
    {
        // The ratio criterion picks the most prominent interior bump of the means (descriptive); the noise criterion
        // (issue 13) only accepts the grid's maximum beyond its first point, and only when it stands out of the noise
        // (the seed spread with several seeds, the curve's roughness with one).
        if (curve.Count == 0) return $"no {what} values in the curve.";
        var peak = Ratio(curve);
        var widths = WidthsOf(curve);
        var values = curve.Means;
        var judged = PeakCheck.Find(curve, Criteria, expectPeak, "width");
        string noise = $" Judged against the noise{(judged.NoiseSource.Length > 0 ? $" ({judged.NoiseSource})" : "")}: {judged.Verdict.Statement} — " +
            (expectPeak ? "the paper's peak " : "the paper's 'no peak' ") + judged.Verdict.Tag + ".";
        if (!peak.IsPeak(prominence))
            return (peak.Prominence >= 1
                ? $"its most prominent interior maximum ({F(peak.Value)} at width {peak.Width}) stands out only {F(peak.Prominence)}× (< {F(prominence)}): no peak by the ratio criterion."
                : $"no interior width stands above both sides (best prominence {F(peak.Prominence)} < 1): no peak by the ratio criterion.") + noise;
        bool isNear = DoubleDescentAnalysis.IsNearThreshold(peak.Width, ThresholdWidth, near);
        bool sameWidth = widths[judged.Index] == peak.Width;
        return $"by the ratio criterion it peaks at width {peak.Width} (P = {DoubleDescentAnalysis.ParameterCount(facts.FeatureCount, peak.Width)}, value {F(peak.Value)}, prominence {F(peak.Prominence)}×), " +
            (isNear ? $"within {F(near)}× of h* = {F(ThresholdWidth)}" : $"NOT within {F(near)}× of h* = {F(ThresholdWidth)}") +
            $", and falls to {F(values[^1])} at the largest width {widths[^1]}" +
            (sameWidth ? "" : $"; that bump is NOT the grid's maximum beyond the first width (width {widths[judged.Index]}, {F(values[judged.Index])})") + "." +
            noise + (judged.Found && sameWidth && isNear && expectPeak ? " A peak near the threshold that survives the noise, as the paper finds." : "");
    }

    private int? InterpolationWidth(SeededSeries trainCurve) => DoubleDescentAnalysis.InterpolationWidth(
        WidthsOf(trainCurve), trainCurve.Means, context.Settings.GetDouble("interpolation_tolerance"));

    private static SeriesPeak Ratio(SeededSeries curve) =>
        curve.Count == 0 ? new SeriesPeak(0, 0, double.NaN, 0) : DoubleDescentAnalysis.Peak(WidthsOf(curve), curve.Means);

    /// <summary>Mean ± sd curves of the networks in the curve, and the others as crosses at their own values.</summary>
    private void AddCurves(LineChart chart, Func<WidthRun, double> value, Func<WidthRun, bool> include, bool dashed = false, string suffix = "")
    {
        int group = 0;
        foreach (var noise in Noises)
        {
            chart.AddSeeded($"{suffix}noise {F(noise)}", Curve(noise, value, include), markers: true, dashed: dashed, colorGroup: group);
            var flagged = Sweep(noise).Where(r => !InCurve(r)).ToList();
            if (flagged.Count > 0)
                chart.AddFlagged($"{suffix}noise {F(noise)}: not in curve", flagged.Select(r => (double)r.Width).ToList(), flagged.Select(value).ToList(), group);
            group++;
        }
    }

    private IFigure MseFigure()
    {
        var top = new LineChart { Title = "Double descent: MSE against width", YLabel = "test MSE (clean targets)", LogX = true };
        var bottom = new LineChart { XLabel = "hidden width h (log scale)", YLabel = "train MSE (targets trained on)", LogX = true };
        AddCurves(top, r => r.Final.TestMse, InCurve);
        AddCurves(bottom, r => r.Final.TrainMse, InCurve);
        AddThreshold(top, runs.Select(r => r.Final.TestMse));
        AddThreshold(bottom, runs.Select(r => r.Final.TrainMse));
        return new StackedChart(top, bottom);
    }

    private LineChart StepsFigure()
    {
        var chart = new LineChart { Title = "Training steps to convergence", XLabel = "hidden width h (log scale)", YLabel = "steps used", LogX = true };
        int group = 0;
        foreach (var noise in Noises)
        {
            chart.AddSeeded($"noise {F(noise)}", Curve(noise, r => r.Steps, _ => true), markers: true, colorGroup: group);
            var capped = Sweep(noise).Where(r => r.Capped).ToList();
            if (capped.Count > 0)
                chart.AddFlagged($"noise {F(noise)}: capped", capped.Select(r => (double)r.Width).ToList(), capped.Select(r => (double)r.Steps).ToList(), group);
            group++;
        }
        AddThreshold(chart, runs.Select(r => (double)r.Steps));
        return chart;
    }

    private LineChart PFigure()
    {
        var chart = new LineChart { Title = "Effective parameters against width", XLabel = "hidden width h (log scale)", YLabel = "effective parameters p", LogX = true };
        int group = 0;
        foreach (var noise in Noises)
        {
            bool Usable(WidthRun r) => InCurve(r) && Reliable(r);
            chart.AddSeeded($"p_train, noise {F(noise)}", Curve(noise, r => r.Final.PTrain.Value, Usable), markers: true, colorGroup: group);
            chart.AddSeeded($"p_test, noise {F(noise)}", Curve(noise, r => r.Final.PTest.Value, Usable), markers: true, dashed: true, colorGroup: group);
            group++;
        }
        AddThreshold(chart, runs.Where(r => InCurve(r) && Reliable(r)).SelectMany(r => new[] { r.Final.PTrain.Value, r.Final.PTest.Value }));
        chart.LegendOutside = true;
        return chart;
    }

    private void AddThreshold(LineChart chart, IEnumerable<double> values)
    {
        var finite = values.Where(double.IsFinite).ToList();
        if (finite.Count == 0) return;
        // Palette colour 7 (grey), apart from the curves' colours.
        chart.AddSeries($"h* (P = n = {N})", [ThresholdWidth, ThresholdWidth], [Math.Min(0, finite.Min()), finite.Max()], dashed: true, colorGroup: 7);
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
