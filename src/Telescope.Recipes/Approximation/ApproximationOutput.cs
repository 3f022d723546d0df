using Telescope.Telescoping;

namespace Telescope.Recipes.Approximation;

/// <summary>What every sub-run of one approximation sweep shares (recorded by shards for the merge).</summary>
internal sealed record ApproximationFacts(string DataDescription, bool IsSynthetic, string Layers, string Activation, string DType);

/// <summary>
/// Writes the approximation run's metrics.csv rows (live, as the trainer measures them, or all at once when
/// merging shards), summary.json, figures and report.md from the sub-run results.
/// </summary>
internal sealed class ApproximationOutput(RunContext context, ApproximationSettings s, ApproximationFacts facts, IReadOnlyList<SubRun> runs)
{
    private static readonly string[] Components = [UpdateComponent.Gradient, UpdateComponent.Momentum, UpdateComponent.WeightDecay];

    public static readonly string[] Columns =
    [
        "learning_rate", "loss",
        "err_abs_telescoping", "err_abs_linear", "err_rel_telescoping", "err_rel_linear",
        "acc_network", "acc_telescoping", "acc_linear", "argmax_agreement", "mean_function_change",
        "train_err_abs_telescoping", "train_err_abs_linear", "train_err_rel_telescoping", "train_err_rel_linear",
        "train_acc_network", "train_acc_telescoping", "train_acc_linear",
        .. Components.Select(c => "contribution_" + c),
    ];

    private readonly ApproximationFindings _findings = new(s, runs);
    private IEnumerable<string> Optimizers => _findings.Optimizers;
    private IReadOnlyList<long> Seeds { get; } = s.Seeds;
    private bool Seeded => Seeds.Count > 1;
    private IEnumerable<GridPoint> Grid(string optimizer) => _findings.Grid(optimizer);
    private GridPoint Default(string optimizer) => _findings.Default(optimizer);

    /// <summary>Writes every row of every sub-run (a merge); a live run writes them with <see cref="WritePoint"/> as they come.</summary>
    public void WriteMetrics()
    {
        using var csv = context.Folder.OpenMetrics(Columns);
        foreach (var run in runs)
            foreach (var p in run.Points) WritePoint(csv, run, p);
    }

    /// <summary>The metrics.csv row of one measured point.</summary>
    public static void WritePoint(MetricsCsvWriter csv, SubRun run, ApproximationPoint p)
    {
        double? Nan(double v) => double.IsNaN(v) ? null : v;
        csv.WriteRow(run.Label, p.Step,
        [
            run.LearningRate, Nan(p.Loss),
            p.Test.ErrAbsTelescoping, p.Test.ErrAbsLinear, p.Test.ErrRelTelescoping, p.Test.ErrRelLinear,
            p.Test.AccNetwork, p.Test.AccTelescoping, p.Test.AccLinear, p.Test.ArgmaxAgreement, p.Test.MeanFunctionChange,
            p.Train?.ErrAbsTelescoping, p.Train?.ErrAbsLinear, p.Train?.ErrRelTelescoping, p.Train?.ErrRelLinear,
            p.Train?.AccNetwork, p.Train?.AccTelescoping, p.Train?.AccLinear,
            .. Components.Select(c => p.Contributions.TryGetValue(c, out var v) ? v : (double?)null),
        ]);
    }

    /// <summary>
    /// summary.json: one entry per optimizer and learning rate — that run's final values with one seed, and with
    /// several the <see cref="SeedAggregate.Combine"/> of the per-seed entries (means, <c>&lt;field&gt;_sd</c>, <c>seeds</c>, <c>per_seed</c>).
    /// </summary>
    public void WriteSummary()
    {
        static Dictionary<string, object?> Entry(SubRun r) => new()
        {
            ["optimizer"] = r.Optimizer,
            ["learning_rate"] = r.LearningRate,
            ["is_default"] = r.IsDefault,
            ["steps"] = r.Final.Step,
            ["diverged_at_step"] = r.Diverged,
            ["err_abs_telescoping"] = r.Final.Test.ErrAbsTelescoping,
            ["err_abs_linear"] = r.Final.Test.ErrAbsLinear,
            ["err_rel_telescoping"] = r.Final.Test.ErrRelTelescoping,
            ["err_rel_linear"] = r.Final.Test.ErrRelLinear,
            ["acc_network"] = r.Final.Test.AccNetwork,
            ["acc_telescoping"] = r.Final.Test.AccTelescoping,
            ["acc_linear"] = r.Final.Test.AccLinear,
            ["argmax_agreement"] = r.Final.Test.ArgmaxAgreement,
            ["train_err_abs_telescoping"] = r.Final.Train?.ErrAbsTelescoping,
            ["train_err_abs_linear"] = r.Final.Train?.ErrAbsLinear,
            ["wall_seconds"] = Math.Round(r.WallTime.TotalSeconds, 2),
        };
        var summary = new Dictionary<string, object?>
        {
            ["recipe"] = "approximation",
            ["data"] = facts.DataDescription,
            ["synthetic_data"] = facts.IsSynthetic,
            ["tracked_set"] = "test probes",
            ["default_learning_rate"] = Optimizers.ToDictionary(o => o, o => Default(o).LearningRate),
        };
        if (Seeded) summary["seeds"] = Seeds;
        summary["results"] = Optimizers.SelectMany(Grid)   // one seed's entry as it is, several seeds' entries combined
            .Select(g => Seeded ? SeedAggregate.Combine(Seeds, g.Runs.Select(r => (object)Entry(r)).ToList()) : (object)Entry(g.Runs[0])).ToList();
        context.Folder.WriteSummary(summary);
        // findings.json: the verdicts report.md prints, in the one shape every recipe shares (written here so a merge writes it too).
        RunFindings.Write(context.Folder, _findings.RunFindings());
    }

    public void WriteReport()
    {
        var report = context.CreateReport("Telescoping approximation across optimizers and learning rates",
        [
            ("f̃ (telescoping model)", "f̃_0 = f_θ0; f̃_t = f̃_{t-1} + J_{t-1}(x)·Δθ_t, with Δθ_t the exact update the optimizer applied (docs/method.md §2)" +
                (s.Stride > 1 ? $"; linearized once per {s.Stride} steps (stride option)" : "")),
            ("f_lin (linearized model)", "f_θ0 + J_0(x)·(θ_t − θ_0)"),
            ("err_abs", "mean over tracked inputs and the 10 logits of |f_θt(x) − model(x)|"),
            ("err_rel", "err_abs / mean |f_θt(x) − f_θ0(x)|"),
            ("accuracy of f̃, f_lin", "accuracy of the argmax of the model's logits"),
            ("contribution of a component", "mean |Σ_t J_{t-1}(x)·Δθ_t^(c)| over the test probes, for c = current gradient, momentum carried over, weight decay"),
        ]);

        report.Heading("Setup").Bullets(
        [
            $"Data: {facts.DataDescription}." + (facts.IsSynthetic
                ? " **These are not MNIST**: no data folder was given; pass `--data DIR` or set `TELESCOPE_DATA` to run on MNIST."
                : ""),
            $"Model: MLP {facts.Layers}, {facts.Activation} activations, {facts.DType}, cross-entropy loss, batch {s.BatchSize}, {s.Steps} steps; " +
                (Seeded ? $"seeds {string.Join(", ", Seeds)}: each seed draws the initialization and data order of every sub-run, shared by all optimizers and rates; the data and probes come from seed {context.Seed}."
                    : $"same initialization (seed {context.Seed}) and data order for every sub-run."),
            $"Cost: {runs.Count} sub-runs ({runs.Count / Seeds.Count} grid points × {Seeds.Count} seed{(Seeded ? "s" : "")}) took {Format(runs.Sum(r => r.WallTime.TotalSeconds))} s of training in total; every extra seed repeats all of them.",
            $"Tracked: {s.TestProbes} test images (all metrics below) and {s.TrainProbes} training images (train_* columns of metrics.csv).",
            $"JVP engine: {s.Engine}; accumulators in float64.",
            .. Optimizers.Select(o => $"{o}: {OptimizerChoice.Describe(o, s.Optimizer)}; learning rates {Join(Grid(o).Select(g => g.LearningRate))}, default {Format(Default(o).LearningRate)}."),
        ]);

        report.Heading("Findings").Paragraph(s.Verdicts.Describe() + (Seeded
            ? $" Noise here: the spread over the {Seeds.Count} seeds (every seed's value is a point of the slope fit; ratios as gaps of log10 values against sd/√{Seeds.Count})."
            : $" One seed: no seed-to-seed noise is measured, so a ratio claim agrees only when the ratio exceeds its threshold by {ApproximationSettings.SingleSeedMarginName} = {Format(s.SingleSeedMargin)}×, " +
              "disagrees only when it falls that far below, and is inconclusive in between; a trend is judged against the scatter of the grid points about the fitted line."));
        report.Bullets(Findings());

        report.Heading("Final values (test probes)" + (Seeded ? $", mean ± sd over {Seeds.Count} seeds (diverged seeds left out)" : ""));
        report.Table(Optimizers.OrderBy(o => o).SelectMany(Grid),
            ("optimizer", g => g.Optimizer), ("lr", g => g.LearningRate),
            ("|f − f̃|", g => Cell(g, r => r.Final.Test.ErrAbsTelescoping)), ("|f − f_lin|", g => Cell(g, r => r.Final.Test.ErrAbsLinear)),
            ("rel f̃", g => Cell(g, r => r.Final.Test.ErrRelTelescoping)), ("rel f_lin", g => Cell(g, r => r.Final.Test.ErrRelLinear)),
            ("acc f", g => Cell(g, r => r.Final.Test.AccNetwork)), ("acc f̃", g => Cell(g, r => r.Final.Test.AccTelescoping)), ("acc f_lin", g => Cell(g, r => r.Final.Test.AccLinear)),
            ("argmax f̃ = f", g => Cell(g, r => r.Final.Test.ArgmaxAgreement)),
            ("diverged at", g => Seeded ? string.Join(", ", g.Runs.Where(r => r.Diverged is not null).Select(r => $"{r.Diverged} (seed {r.Seed})")) : g.Runs[0].Diverged),
            ("seconds", g => Math.Round(g.Runs.Sum(r => r.WallTime.TotalSeconds), 1)));

        report.Heading("Figures");
        string band = Seeded ? $" Lines: mean over {Seeds.Count} seeds; bands: ±1 sd." : "";
        report.Figure(context.Folder.SaveFigure(ErrorVersusLearningRate(), "error_vs_learning_rate"),
            "Final mean |f − f̃| (solid) and |f − f_lin| (dashed) on the test probes against the learning rate." + band);
        foreach (var o in Optimizers)
            report.Figure(context.Folder.SaveFigure(Dynamics(Default(o)), $"error_and_accuracy_{o}"),
                $"{o} at lr {Format(Default(o).LearningRate)}: approximation error by step (top) and test-probe accuracy of the network, f̃ and f_lin (bottom).{band}");
        context.Folder.WriteReport(report.ToString());
    }

    /// <summary>The values of the finished seeds of a grid point.</summary>
    private static IEnumerable<double> Finished(GridPoint g, Func<SubRun, double?> pick) => g.Finished.Select(pick).OfType<double>();

    /// <summary>Report text: "mean ± sd" over the finished seeds (the value itself with one, "—" with none).</summary>
    private static string Text(GridPoint g, Func<SubRun, double?> pick) => SeedAggregate.Text(Finished(g, pick), Format);

    /// <summary>A table cell: <see cref="Text"/> with several seeds; with one the run's value, a diverged run's last one included.</summary>
    private object? Cell(GridPoint g, Func<SubRun, double?> pick) => Seeded ? Text(g, pick) : pick(g.Runs[0]);

    /// <summary>Mean over the finished seeds (the value itself with one seed).</summary>
    private static double Mean(GridPoint g, Func<SubRun, double?> pick) => SeedAggregate.MeanSd(Finished(g, pick)).Mean;

    /// <summary>The report's findings: the verdicts of <see cref="ApproximationFindings"/> with the numbers they rest on, then the descriptive lines.</summary>
    private List<string> Findings()
    {
        var verdicts = _findings.All();
        IEnumerable<ApproximationVerdict> Judged(string key) => verdicts.Where(v => v.Key == key);
        // A claim judged at the default rate, stated with that rate's numbers.
        string AtDefault(ApproximationVerdict v, Func<SubRun, double?> pick) => Text(Default(v.Optimizer), pick);
        var findings = Judged(ApproximationFindings.OrdersOfMagnitudeKey).Select(v => $"**{v.Optimizer} at its default learning rate " +
            $"{Format(v.LearningRate!.Value)}**: final |f − f̃| = {AtDefault(v, r => r.Final.Test.ErrAbsTelescoping)} vs |f − f_lin| = " +
            $"{AtDefault(v, r => r.Final.Test.ErrAbsLinear)}. " + v.Verdict.About("The paper finds f_lin's error orders of magnitude above f̃'s " +
            $"(at least {Format(s.LinearGapFactor)}×, {ApproximationSettings.LinearGapFactorName})")).ToList();
        foreach (var o in Optimizers)
            findings.Add($"{o}, is f̃'s final error below f_lin's (the paper: f̃ follows the network far more closely than f_lin, Fig. 2, 7, 8)? Per learning rate: " + string.Join("; ",
                Judged(ApproximationFindings.BelowLinearKey).Where(v => v.Optimizer == o)
                    .Select(v => $"lr {Format(v.LearningRate!.Value)}: {v.Verdict.Tag} — {v.Verdict.Statement}")) + ".");
        foreach (var v in Judged(ApproximationFindings.GrowsKey))
        {
            var grid = Grid(v.Optimizer).Where(g => g.Finished.Count > 0).ToList();
            findings.Add($"{v.Optimizer}: final |f − f̃| over the grid {Join(grid.Select(g => g.LearningRate))} is {Join(grid.Select(g => Mean(g, r => r.Final.Test.ErrAbsTelescoping)))}{(Seeded ? " (seed means)" : "")}; " +
                v.Verdict.About("the paper finds it growing with the learning rate"));
        }
        findings.AddRange(EqualErrorRates());
        findings.AddRange(Judged(ApproximationFindings.AccuracyKey).Select(v => $"{v.Optimizer} accuracy (default lr): network " +
            $"{AtDefault(v, r => r.Final.Test.AccNetwork)}, f̃ {AtDefault(v, r => r.Final.Test.AccTelescoping)}, f_lin {AtDefault(v, r => r.Final.Test.AccLinear)} " +
            "at the end. " + v.Verdict.About("The paper finds f̃'s accuracy tracking the network while f_lin drifts")));
        foreach (var d in Optimizers.Select(Default).Where(d => d.Runs[0].Final.Contributions.Count > 1))
            findings.Add($"{d.Optimizer} design-choice decomposition (default lr, mean |cumulative contribution| to the test logits): " + string.Join(", ",
                d.Runs[0].Final.Contributions.Keys.Select(k => $"{k} {Text(d, r => r.Final.Contributions.TryGetValue(k, out var v) ? v : null)}")) + ".");
        var diverged = runs.Where(r => r.Diverged is not null).ToList();
        if (diverged.Count > 0)
            findings.Add($"Diverged (non-finite loss, recorded and skipped): {string.Join(", ", diverged.Select(r => $"{r.Label} at step {r.Diverged}"))}.");
        if (facts.IsSynthetic)
            findings.Add("These numbers come from the built-in synthetic images, not MNIST; compare them with the paper only after a run on MNIST.");
        return findings;
    }

    /// <summary>
    /// The learning rate at which each optimizer's final f̃ error equals SGD's at its default rate,
    /// interpolated linearly in log(lr)–log(error) between grid points (the paper: AdamW needs a smaller rate).
    /// </summary>
    private IEnumerable<string> EqualErrorRates()
    {
        if (!Optimizers.Contains(OptimizerChoice.Sgd)) yield break;
        double target = Mean(Default(OptimizerChoice.Sgd), r => r.Final.Test.ErrAbsTelescoping);
        var parts = new List<string>();
        foreach (var o in Optimizers)
        {
            var grid = Grid(o).Where(g => g.Finished.Count > 0).Select(g => (Lr: g.LearningRate, Err: Mean(g, r => r.Final.Test.ErrAbsTelescoping))).ToList();
            double? rate = null;
            for (int i = 0; i + 1 < grid.Count && rate is null; i++)
            {
                var (a, b) = (grid[i], grid[i + 1]);
                if ((a.Err - target) * (b.Err - target) <= 0 && a.Err != b.Err && a.Err > 0 && b.Err > 0)
                {
                    double w = (Math.Log(target) - Math.Log(a.Err)) / (Math.Log(b.Err) - Math.Log(a.Err));
                    rate = Math.Exp(Math.Log(a.Lr) + w * (Math.Log(b.Lr) - Math.Log(a.Lr)));
                }
            }
            parts.Add(rate is double r ? $"{o} ≈ {Format(r)}" : $"{o}: outside its grid");
        }
        yield return $"Learning rate giving the same final |f − f̃| as SGD at its default ({Format(target)}{(Seeded ? ", seed means" : "")}): {string.Join("; ", parts)}.";
    }

    private LineChart ErrorVersusLearningRate()
    {
        var chart = new LineChart { Title = "Final approximation error vs learning rate", XLabel = "learning rate", YLabel = "mean |f − model| (test probes)", LogX = true, LogY = true };
        foreach (var (o, color) in Optimizers.Select((o, i) => (o, i)))
        {
            var grid = Grid(o).Where(g => g.Finished.Count > 0).ToList();
            var lrs = grid.Select(g => g.LearningRate).ToList();
            SeededSeries Final(Func<SubRun, double?> pick) =>
                SeededSeries.FromSeeds(lrs, grid.Select(g => (IReadOnlyList<double>)g.Finished.Select(r => pick(r) ?? double.NaN).ToArray()).ToList());
            chart.AddSeeded($"{o}: f̃", Final(r => r.Final.Test.ErrAbsTelescoping), markers: true, colorGroup: color);
            chart.AddSeeded($"{o}: f_lin", Final(r => r.Final.Test.ErrAbsLinear), markers: true, dashed: true, colorGroup: color);
        }
        chart.LegendOutside = true;
        return chart;
    }

    private static StackedChart Dynamics(GridPoint g)
    {
        // Every seed, a diverged one up to its divergence (as a one-seed run always showed it).
        var perSeed = g.Runs.Select(r => (IReadOnlyList<ApproximationPoint>)r.Points).ToList();
        var later = g.Runs.Select(r => (IReadOnlyList<ApproximationPoint>)r.Points.Where(p => p.Step > 0).ToList()).ToList();   // f̃ = f at step 0: no error to put on a log axis
        var error = new LineChart { Title = $"{g.Optimizer}, lr {Format(g.LearningRate)}", YLabel = "mean |f − model|", LogY = true }
            .AddSeeded("f̃ (telescoping)", SeededPoints.Of(later, p => p.Step, p => p.Test.ErrAbsTelescoping))
            .AddSeeded("f_lin (linearized)", SeededPoints.Of(later, p => p.Step, p => p.Test.ErrAbsLinear ?? double.NaN), dashed: true);
        var accuracy = new LineChart { XLabel = "step", YLabel = "test-probe accuracy" }
            .AddSeeded("network", SeededPoints.Of(perSeed, p => p.Step, p => p.Test.AccNetwork ?? double.NaN))
            .AddSeeded("f̃", SeededPoints.Of(perSeed, p => p.Step, p => p.Test.AccTelescoping ?? double.NaN), dashed: true)
            .AddSeeded("f_lin", SeededPoints.Of(perSeed, p => p.Step, p => p.Test.AccLinear ?? double.NaN), dashed: true);
        return new StackedChart(error, accuracy);
    }

    internal static string Format(double v) => v.ToString("G3", CultureInfo.InvariantCulture);
    internal static string Join(IEnumerable<double> values) => "[" + string.Join(", ", values.Select(Format)) + "]";
}
