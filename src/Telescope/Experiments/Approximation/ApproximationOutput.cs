using System.Globalization;
using Telescope.Models;
using Telescope.Optim;
using Telescope.Reporting;
using Telescope.Verdicts;
using Telescope.Telescoping;

namespace Telescope.Experiments.Approximation;

/// <summary>What every sub-run of one approximation sweep shares (recorded by shards for the merge).</summary>
internal sealed record ApproximationFacts(string DataDescription, bool IsSynthetic, string Layers, string Activation, string DType);

/// <summary>
/// Writes the approximation run's metrics.csv rows (live, as the trainer measures them, or all at once when
/// merging shards), summary.json, figures and report.md from the sub-run results.
/// </summary>
internal sealed class ApproximationOutput(RunContext context, ApproximationFacts facts, IReadOnlyList<SubRun> runs)
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

    private IEnumerable<string> Optimizers => runs.Select(r => r.Optimizer).Distinct();
    private SubRun Default(string optimizer) => runs.Single(r => r.Optimizer == optimizer && r.IsDefault);
    private IEnumerable<SubRun> Grid(string optimizer) => runs.Where(r => r.Optimizer == optimizer).OrderBy(r => r.LearningRate);

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

    public void WriteSummary()
    {
        var results = runs.Select(r => new Dictionary<string, object?>
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
        }).ToList();
        context.Folder.WriteSummary(new Dictionary<string, object?>
        {
            ["recipe"] = "approximation",
            ["data"] = facts.DataDescription,
            ["synthetic_data"] = facts.IsSynthetic,
            ["tracked_set"] = "test probes",
            ["default_learning_rate"] = Optimizers.ToDictionary(o => o, o => Default(o).LearningRate),
            ["results"] = results,
        });
    }

    public void WriteReport()
    {
        var s = context.Settings;
        var report = context.CreateReport("Telescoping approximation across optimizers and learning rates",
        [
            ("f̃ (telescoping model)", "f̃_0 = f_θ0; f̃_t = f̃_{t-1} + J_{t-1}(x)·Δθ_t, with Δθ_t the exact update the optimizer applied (SPEC §1)" +
                (s.GetInt("stride") > 1 ? $"; linearized once per {s.GetInt("stride")} steps (stride option)" : "")),
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
            $"Model: MLP {facts.Layers}, {facts.Activation} activations, {facts.DType}, cross-entropy loss, batch {s.GetInt("batch_size")}, {s.GetInt("steps")} steps, same initialization (seed {context.Seed}) and data order for every sub-run.",
            $"Tracked: {s.GetInt("test_probes")} test images (all metrics below) and {s.GetInt("train_probes")} training images (train_* columns of metrics.csv).",
            $"JVP engine: {s.GetString("engine")}; accumulators in float64.",
            .. Optimizers.Select(o => $"{o}: {OptimizerChoice.Describe(o, s)}; learning rates {Join(Grid(o).Select(r => r.LearningRate))}, default {Format(Default(o).LearningRate)}."),
        ]);

        report.Heading("Findings");
        report.Paragraph(context.Settings.GetVerdictCriteria().Describe());
        report.Bullets(Findings());

        report.Heading("Final values (test probes)");
        report.Table(runs.OrderBy(r => r.Optimizer).ThenBy(r => r.LearningRate),
            ("optimizer", r => r.Optimizer), ("lr", r => r.LearningRate),
            ("|f − f̃|", r => r.Final.Test.ErrAbsTelescoping), ("|f − f_lin|", r => r.Final.Test.ErrAbsLinear),
            ("rel f̃", r => r.Final.Test.ErrRelTelescoping), ("rel f_lin", r => r.Final.Test.ErrRelLinear),
            ("acc f", r => r.Final.Test.AccNetwork), ("acc f̃", r => r.Final.Test.AccTelescoping), ("acc f_lin", r => r.Final.Test.AccLinear),
            ("argmax f̃ = f", r => r.Final.Test.ArgmaxAgreement), ("diverged at", r => r.Diverged), ("seconds", r => Math.Round(r.WallTime.TotalSeconds, 1)));

        report.Heading("Figures");
        report.Figure(context.Folder.SaveFigure(ErrorVersusLearningRate(), "error_vs_learning_rate"),
            "Final mean |f − f̃| (solid) and |f − f_lin| (dashed) on the test probes against the learning rate.");
        foreach (var o in Optimizers)
            report.Figure(context.Folder.SaveFigure(Dynamics(Default(o)), $"error_and_accuracy_{o}"),
                $"{o} at lr {Format(Default(o).LearningRate)}: approximation error by step (top) and test-probe accuracy of the network, f̃ and f_lin (bottom).");
        context.Folder.WriteReport(report.ToString());
    }

    private List<string> Findings()
    {
        var findings = new List<string>();
        foreach (var o in Optimizers)
        {
            var d = Default(o).Final.Test;
            double ratio = (d.ErrAbsLinear ?? double.NaN) / d.ErrAbsTelescoping;
            double factor = context.Settings.GetDouble(ApproximationRecipe.LinearGapFactorKey);
            findings.Add($"**{o} at its default learning rate {Format(Default(o).LearningRate)}**: final |f − f̃| = {Format(d.ErrAbsTelescoping)} vs |f − f_lin| = {Format(d.ErrAbsLinear ?? double.NaN)} " +
                $"(f_lin's error is {Format(ratio)}× f̃'s). The paper finds f_lin's error orders of magnitude above f̃'s: " +
                (ratio >= factor ? $"agrees (at least {Format(factor)}×, {ApproximationRecipe.LinearGapFactorKey})." : $"does NOT agree (less than {Format(factor)}×, {ApproximationRecipe.LinearGapFactorKey})."));
        }
        foreach (var o in Optimizers)
        {
            var grid = Grid(o).Where(r => r.Diverged is null).ToList();
            var errors = grid.Select(r => r.Final.Test.ErrAbsTelescoping).ToList();
            int rising = errors.Zip(errors.Skip(1), (a, b) => b > a ? 1 : 0).Sum();
            string verdict = grid.Count < 3 ? $"only {grid.Count} learning rate(s) ran; a trend needs 3 — inconclusive"
                : TrendTest.Judge(SeededSeries.FromSingle(grid.Select(r => Math.Log10(r.LearningRate)).ToList(), errors.Select(Math.Log10).ToList()),
                    context.Settings.GetVerdictCriteria(), TrendDirection.Grows).Verdict.About("the paper finds it growing with the learning rate (log error against log lr, one seed)");
            findings.Add($"{o}: final |f − f̃| over the grid {Join(grid.Select(r => r.LearningRate))} is {Join(errors)}, rising in {rising} of {grid.Count - 1} steps up the grid; {verdict}");
        }
        findings.AddRange(EqualErrorRates());
        foreach (var o in Optimizers)
        {
            var points = Default(o).Points.Where(p => p.Test.AccNetwork is not null).ToList();
            double gapT = points.Max(p => Math.Abs(p.Test.AccTelescoping!.Value - p.Test.AccNetwork!.Value));
            double gapL = points.Max(p => Math.Abs(p.Test.AccLinear!.Value - p.Test.AccNetwork!.Value));
            var f = Default(o).Final.Test;
            findings.Add($"{o} accuracy (default lr): network {Format(f.AccNetwork!.Value)}, f̃ {Format(f.AccTelescoping!.Value)}, f_lin {Format(f.AccLinear!.Value)} at the end; " +
                $"largest gap over training |acc f̃ − acc f| = {Format(gapT)}, |acc f_lin − acc f| = {Format(gapL)}" +
                (gapT < gapL ? " — f̃ tracks the network more closely than f_lin."
                    : gapT == gapL ? " — both track it equally closely here." : " — f̃ does NOT track the network more closely than f_lin here."));
        }
        foreach (var o in Optimizers)
        {
            var c = Default(o).Final.Contributions;
            if (c.Count > 1)
                findings.Add($"{o} design-choice decomposition (default lr, mean |cumulative contribution| to the test logits): " +
                    string.Join(", ", c.Select(kv => $"{kv.Key} {Format(kv.Value)}")) + ".");
        }
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
        double target = Default(OptimizerChoice.Sgd).Final.Test.ErrAbsTelescoping;
        var parts = new List<string>();
        foreach (var o in Optimizers)
        {
            var grid = Grid(o).Where(r => r.Diverged is null).Select(r => (Lr: r.LearningRate, Err: r.Final.Test.ErrAbsTelescoping)).ToList();
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
        yield return $"Learning rate giving the same final |f − f̃| as SGD at its default ({Format(target)}): {string.Join("; ", parts)}.";
    }

    private LineChart ErrorVersusLearningRate()
    {
        var chart = new LineChart { Title = "Final approximation error vs learning rate", XLabel = "learning rate", YLabel = "mean |f − model| (test probes)", LogX = true, LogY = true };
        int color = 0;
        foreach (var o in Optimizers)
        {
            var grid = Grid(o).Where(r => r.Diverged is null).ToList();
            var lrs = grid.Select(r => r.LearningRate).ToArray();
            chart.AddSeries($"{o}: f̃", lrs, grid.Select(r => r.Final.Test.ErrAbsTelescoping).ToArray(), markers: true, colorGroup: color);
            chart.AddSeries($"{o}: f_lin", lrs, grid.Select(r => r.Final.Test.ErrAbsLinear ?? double.NaN).ToArray(), markers: true, dashed: true, colorGroup: color);
            color++;
        }
        chart.LegendOutside = true;
        return chart;
    }

    private static StackedChart Dynamics(SubRun run)
    {
        var points = run.Points.Where(p => p.Step > 0).ToList();   // f̃ = f at step 0: no error to put on a log axis
        var steps = points.Select(p => (double)p.Step).ToArray();
        var error = new LineChart { Title = $"{run.Optimizer}, lr {Format(run.LearningRate)}", YLabel = "mean |f − model|", LogY = true }
            .AddSeries("f̃ (telescoping)", steps, points.Select(p => p.Test.ErrAbsTelescoping).ToArray())
            .AddSeries("f_lin (linearized)", steps, points.Select(p => p.Test.ErrAbsLinear ?? double.NaN).ToArray(), dashed: true);
        var all = run.Points;
        var allSteps = all.Select(p => (double)p.Step).ToArray();
        var accuracy = new LineChart { XLabel = "step", YLabel = "test-probe accuracy" }
            .AddSeries("network", allSteps, all.Select(p => p.Test.AccNetwork ?? double.NaN).ToArray())
            .AddSeries("f̃", allSteps, all.Select(p => p.Test.AccTelescoping ?? double.NaN).ToArray(), dashed: true)
            .AddSeries("f_lin", allSteps, all.Select(p => p.Test.AccLinear ?? double.NaN).ToArray(), dashed: true);
        return new StackedChart(error, accuracy);
    }

    private static string Format(double v) => v.ToString("G3", CultureInfo.InvariantCulture);
    private static string Join(IEnumerable<double> values) => "[" + string.Join(", ", values.Select(Format)) + "]";
}
