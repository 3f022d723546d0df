namespace Telescope.Recipes.DoubleDescent;

/// <summary>
/// Writes the double-descent run's metrics.csv rows, summary.json and findings.json from the analysis of the sub-runs'
/// results (<see cref="DoubleDescentFindings"/>), whether they were computed here or merged from shards, and has
/// <see cref="DoubleDescentReport"/> write report.md and the figures.
/// </summary>
internal sealed class DoubleDescentOutput(RunContext context, DoubleDescentFacts facts, DoubleDescentSettings s, IReadOnlyList<WidthRun> runs, StabilityBound? bound)
{
    private readonly DoubleDescentFindings analysis = new(runs, facts.TrainCount, facts.FeatureCount, s, bound);

    /// <summary>
    /// The network's own numbers at a logged point, the metrics.csv columns after run and step and the first fields of a
    /// summary.json entry (its final point); p_net's columns (<see cref="SensitivityColumns"/>) follow in metrics.csv.
    /// </summary>
    private static (string Name, Func<WidthRun, DoubleDescentPoint, double?> Value)[] PointColumns(DoubleDescentSettings s) =>
    [
        ("label_noise", (r, _) => r.LabelNoise), ("width", (r, _) => r.Width), ("parameters", (r, _) => r.Parameters),
        ("train_mse", (_, p) => p.TrainMse), ("test_mse", (_, p) => p.TestMse), ("test_error", (_, p) => p.TestError),
        ("p_train", (_, p) => SensitivityColumns.Measured(p.PTrain.Value)), ("p_test", (_, p) => SensitivityColumns.Measured(p.PTest.Value)),
        .. s.Smoother != SmootherChoice.Hutchinson ? [] : new (string, Func<WidthRun, DoubleDescentPoint, double?>)[]
            { ("p_train_se", (_, p) => p.PTrain.StandardError), ("p_test_se", (_, p) => p.PTest.StandardError) },
    ];

    public static string[] Columns(DoubleDescentSettings s) => [.. PointColumns(s).Select(c => c.Name), .. SensitivityColumns.Names];

    /// <summary>Writes logged point <paramref name="i"/> of <paramref name="run"/> (live, as soon as it is measured, and in the merge).</summary>
    public static void WritePoint(MetricsCsvWriter csv, DoubleDescentSettings s, WidthRun run, int i, bool seeded) =>
        csv.WriteRow(run.Label(seeded), run.Points[i].Step, [.. PointColumns(s).Select(c => c.Value(run, run.Points[i])),
            .. SensitivityColumns.Values(i < run.Sensitivity.Count ? run.Sensitivity[i] : null)]);

    private string Label(WidthRun r) => r.Label(analysis.Seeded);

    private Dictionary<string, object?> Entry(WidthRun r)
    {
        var row = PointColumns(s).ToDictionary(c => c.Name, c => (object?)c.Value(r, r.Final));
        row["p_reliable"] = analysis.Reliable(r);
        row["fidelity_train"] = Fidelity(r.TrainFidelity);
        row["fidelity_test"] = Fidelity(r.TestFidelity);
        row["steps"] = r.Steps;
        row["stop"] = StopName(r.Stop);
        row["capped"] = r.Capped;
        row["optimization_failure"] = analysis.WorseThan.ContainsKey(r);
        row["in_curve"] = analysis.InCurve(r);
        row["last_interval_train_mse_change"] = r.LastTrainMseChange;
        row["wall_seconds"] = Math.Round(r.WallSeconds, 2);
        row["cpu_seconds"] = Math.Round(r.CpuSeconds, 2);
        row["retraining_members"] = r.Members;
        row["retraining_seconds"] = Math.Round(r.RetrainingSeconds, 2);
        row["stability_seconds"] = Math.Round(r.StabilitySeconds, 2);
        row["step_p_unreliable"] = analysis.FirstBlowUp(r)?.Step;
        return SensitivityColumns.Merge(row, SensitivityColumns.Summary(r.Sensitivity, bound));
    }

    /// <summary>"converged", "interpolated", "capped" or "fixed".</summary>
    internal static string StopName(StopReason stop) => stop.ToString().ToLowerInvariant();

    public void Write()
    {
        // One seed: one entry per network, as before seeds existed. Several: one entry per (noise, width) with the
        // mean and sd over seeds of every number (SeedAggregate) and the seeds that are part of the curve.
        object results = !analysis.Seeded
            ? runs.Select(Entry).ToList()
            : runs.GroupBy(r => (r.LabelNoise, r.Width)).Select(g =>
            {
                var members = g.OrderBy(r => r.Seed).ToList();
                var entry = SeedAggregate.Combine(members.Select(r => r.Seed).ToList(), members.Select(r => (object)Entry(r)).ToList());
                entry["seeds_in_curve"] = members.Count(analysis.InCurve);
                return entry;
            }).ToList();
        var criteria = s.Verdicts;
        context.Folder.WriteSummary(new Dictionary<string, object?>
        {
            ["recipe"] = "double-descent",
            ["data"] = facts.Description,
            ["synthetic_data"] = facts.IsSynthetic,
            ["n"] = facts.TrainCount,
            ["features"] = facts.FeatureCount,
            ["threshold_width"] = analysis.ThresholdWidth,
            ["optimizer"] = s.Optimizer,
            ["smoother"] = DoubleDescentReport.SmootherNameOf(s, facts.TrainCount),
            ["sensitivity"] = s.Retraining is { } o
                ? FormattableString.Invariant($"retraining (docs/method.md §5.2), σ = {o.Sigma}, D = {o.DirectionCount}, linearity check {(o.LinearityCheck ? "σ/4" : "off")}")
                : "none",
            ["stability_bound"] = bound?.Value,
            ["stability_bound_setting"] = bound?.Description,
            ["seeds"] = analysis.Seeds,
            ["convergence"] = new Dictionary<string, object?>
            {
                ["rule"] = s.Convergence.Describe(),
                ["window"] = s.ConvergeWindow,
                ["rel_improvement"] = s.ConvergeRelImprovement,
                ["train_mse_floor"] = s.ConvergeTrainMse,
                ["max_steps"] = s.MaxSteps,
                ["worse_fit_tolerance"] = s.WorseFitTolerance,
                ["networks"] = runs.Count,
                ["capped"] = runs.Where(r => r.Capped).Select(Label).ToList(),
                ["optimization_failures"] = runs.Where(analysis.WorseThan.ContainsKey).Select(Label).ToList(),
            },
            ["verdict_criteria"] = new Dictionary<string, object?>
            {
                [VerdictCriteria.PeakNoiseFactorKey] = criteria.PeakNoiseFactor,
                [VerdictCriteria.TrendConfidenceKey] = criteria.TrendConfidence,
                [VerdictCriteria.GapSeFactorKey] = criteria.GapSeFactor,
            },
            ["peaks"] = analysis.Levels.ToDictionary(l => DoubleDescentFindings.NoiseName(l.Noise), l => new Dictionary<string, object?>
            {
                ["test_mse_peak_width"] = l.TestMse.Ratio.Width,
                ["test_mse_peak_prominence"] = l.TestMse.Ratio.Prominence,
                ["test_mse_peak_verdict"] = l.TestMse.Verdict.Outcome.ToString(),
                ["test_mse_peak_candidate_width"] = l.TestMse.Judged.X,
                ["test_mse_peak_noise_unit"] = l.TestMse.Judged.Noise,
                ["test_mse_peak_noise_source"] = l.TestMse.Judged.NoiseSource,
                ["p_test_peak_width"] = l.PTestRatio.Width,
                ["p_test_peak_prominence"] = l.PTestRatio.Prominence,
                ["interpolation_width"] = l.InterpolationWidth,
            }),
            ["results"] = results,
        });
        // findings.json: the verdicts report.md prints, in the one shape every recipe shares (written here so a merge writes it too).
        RunFindings.Write(context.Folder, analysis.RunFindings());
        new DoubleDescentReport(context, facts, s, analysis, bound).Write();
    }

    private static Dictionary<string, double>? Fidelity(Smoothing.SmootherFidelity? f) => f is null ? null : new()
    {
        ["surrogate_vs_telescoping"] = f.SurrogateVsTelescoped,
        ["surrogate_vs_network"] = f.SurrogateVsNetwork,
        ["telescoping_vs_network"] = f.TelescopedVsNetwork,
    };
}
