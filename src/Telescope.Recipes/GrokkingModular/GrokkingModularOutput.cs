using System.Globalization;
using Telescope.Recipes.Sensitivity;
using Telescope.Runs;
using Telescope.Verdicts;

namespace Telescope.Recipes.GrokkingModular;

/// <summary>What every sub-run of one sweep shares (recorded by shards for the merge).</summary>
internal sealed record GrokkingModularFacts(string Formula, int Modulus, long Parameters);

/// <summary>
/// grokking-modular's metrics.csv rows (live, as the trainer measures them, or all at once when merging shards) and
/// summary.json; the report is <see cref="GrokkingModularReport"/>.
/// </summary>
internal static class GrokkingModularOutput
{
    public static readonly string[] Columns =
    [
        "fraction", "weight_decay", "seed", "train_loss", "train_acc", "test_loss", "test_acc",
        "err_abs_telescoping_train", "err_rel_telescoping_train", "err_abs_linear_train",
        "err_abs_telescoping_test", "err_rel_telescoping_test", "err_abs_linear_test", "acc_telescoping_test", "acc_linear_test", "mean_function_change_test",
        "p_net_train", "p_net_train_se", "p_net_test", "p_net_test_se", "p_net_gap_se",
        "sensitivity_linearity", "sensitivity_linearity_test", "sensitivity_floor", "sensitivity_difference",
        "kernel_lambda_1", "kernel_lambda_k", "alignment_train", "alignment_test", "energy_top_k", "rotation",
        "alignment_train_centered", "alignment_test_centered",
    ];

    /// <summary>The metrics.csv row of one logged point.</summary>
    public static void WritePoint(MetricsCsvWriter csv, ModularRun run, ModularPoint p)
    {
        var net = p.Sensitivity;
        bool hasNet = net?.Train is not null && p.Step > 0;   // at step 0 every member is θ_0: no response yet
        csv.WriteRow(run.Label, p.Step,
        [
            run.Fraction, run.WeightDecay, run.Seed, p.TrainLoss, p.TrainAccuracy, p.TestLoss, p.TestAccuracy,
            p.TelescopingTrain?.ErrAbs, p.TelescopingTrain?.ErrRel, p.TelescopingTrain?.ErrAbsLinear,
            p.TelescopingTest?.ErrAbs, p.TelescopingTest?.ErrRel, p.TelescopingTest?.ErrAbsLinear, p.TelescopingTest?.AccuracyTelescoping,
            p.TelescopingTest?.AccuracyLinear, p.TelescopingTest?.MeanFunctionChange,
            hasNet ? net!.Train!.Value : null, hasNet ? net!.Train!.StandardError : null, hasNet ? net!.Test!.Value : null,
            hasNet ? net!.Test!.StandardError : null, hasNet ? SensitivityColumns.GapStandardError(net!) : null,
            hasNet ? net!.Train!.LinearityRatio : null, hasNet ? net!.Test!.LinearityRatio : null,
            hasNet ? net!.Test!.FloorDifference : null, hasNet ? net!.Test!.MeanDifference : null,
            p.Spectrum?.Eigenvalues[0], p.Spectrum?.Eigenvalues[^1], p.Spectrum?.TrainAlignment, p.Spectrum?.TestAlignment,
            p.Spectrum?.EnergyShare, p.Spectrum?.Rotation, p.Spectrum?.TrainAlignmentCentered, p.Spectrum?.TestAlignmentCentered,
        ]);
    }

    /// <summary>Every row of every sub-run, in index order (a merge; a live run writes them as they come).</summary>
    public static void WriteMetrics(RunContext context, IReadOnlyList<ModularRun> runs)
    {
        using var csv = context.Folder.OpenMetrics(Columns);
        foreach (var run in runs)
            foreach (var p in run.Points) WritePoint(csv, run, p);
    }

    /// <summary>The progress line of a logged step.</summary>
    public static string StatusLine(ModularRun run, ModularPoint p)
    {
        var line = new System.Text.StringBuilder(FormattableString.Invariant($"{run.Label}  train acc {p.TrainAccuracy:F3}  test acc {p.TestAccuracy:F3}"));
        if (p.Sensitivity?.Train is { } train && p.Sensitivity.Test is { } test && p.Step > 0)
            line.Append(FormattableString.Invariant($"  p_net {train.Value:F0}/{test.Value:F0}"));
        if (p.Spectrum?.TestAlignment is double a) line.Append(FormattableString.Invariant($"  A_test {a:F3}"));
        return line.ToString();
    }

    /// <summary>summary.json: per sub-run its events and final values, and every verdict.</summary>
    public static void WriteSummary(RunContext context, GrokkingModularSettings s, GrokkingModularFacts facts, GrokkingModularFindings findings)
    {
        static double? Finite(double? v) => v is double d && double.IsFinite(d) ? d : null;
        var runs = findings.Grid.SelectMany(g => g.Seeds).Select(e => new Dictionary<string, object?>
        {
            ["fraction"] = e.Run.Fraction,
            ["weight_decay"] = e.Run.WeightDecay,
            ["seed"] = e.Run.Seed,
            ["train_pairs"] = e.Run.TrainCount,
            ["test_pairs"] = e.Run.TestCount,
            ["step_fit"] = e.StepFit,
            ["step_grok"] = e.StepGrok,
            ["delay_ratio"] = e.DelayRatio,
            ["test_acc_at_fit"] = e.TestAccuracyAtFit,
            ["final_train_acc"] = e.Run.Points[^1].TrainAccuracy,
            ["final_test_acc"] = e.FinalTestAccuracy,
            ["step_test_acc_half_rise"] = e.AccuracyHalfRise,
            ["step_alignment_half_rise"] = e.Alignment?.HalfRise,
            ["step_alignment_centered_half_rise"] = e.CenteredAlignment?.HalfRise,
            ["p_net_train_at_fit"] = e.PNetAtFit?.Train?.Value,
            ["p_net_test_at_fit"] = e.PNetAtFit?.Test?.Value,
            ["p_net_train_at_grok"] = e.PNetAtGrok?.Train?.Value,
            ["p_net_test_at_grok"] = e.PNetAtGrok?.Test?.Value,
            ["p_net_gap_se_at_grok"] = e.PNetAtGrok is { } g ? SensitivityColumns.GapStandardError(g) : null,
            ["sensitivity_linear_at_grok"] = e.PNetAtGrok?.Train?.IsLinear is bool a && e.PNetAtGrok.Test?.IsLinear is bool b ? a && b : null,
            ["p_net_train_final"] = e.PNetAtEnd?.Train?.Value,
            ["p_net_test_final"] = e.PNetAtEnd?.Test?.Value,
            ["err_abs_telescoping_test_final"] = Finite(e.Run.Points[^1].TelescopingTest?.ErrAbs),
            ["err_abs_linear_test_final"] = Finite(e.Run.Points[^1].TelescopingTest?.ErrAbsLinear),
            ["alignment_test_final"] = e.Run.Points[^1].Spectrum?.TestAlignment,
            ["alignment_test_centered_final"] = e.Run.Points[^1].Spectrum?.TestAlignmentCentered,
            ["wall_seconds"] = Math.Round(e.Run.WallSeconds, 1),
            ["train_seconds"] = Math.Round(e.Run.TrainSeconds, 1),
            ["telescoping_seconds"] = Math.Round(e.Run.TelescopingSeconds, 1),
            ["retraining_seconds"] = Math.Round(e.Run.RetrainingSeconds, 1),
            ["spectrum_seconds"] = Math.Round(e.Run.SpectrumSeconds, 1),
        }).ToList();
        context.Folder.WriteSummary(new Dictionary<string, object?>
        {
            ["recipe"] = "grokking-modular",
            ["task"] = facts.Formula,
            ["parameters"] = facts.Parameters,
            ["seeds"] = s.Seeds,
            ["runs"] = runs,
            ["verdicts"] = findings.RunFindings().Select(v => new Dictionary<string, object?>
            {
                ["key"] = v.Key,
                ["where"] = v.Where,
                ["outcome"] = RunFindings.OutcomeName(v.Verdict.Outcome),
                ["statement"] = v.Verdict.Statement,
            }).ToList(),
        });
        RunFindings.Write(context.Folder, findings.RunFindings());
    }

    public static string F(double v) => v.ToString("G3", CultureInfo.InvariantCulture);
}
