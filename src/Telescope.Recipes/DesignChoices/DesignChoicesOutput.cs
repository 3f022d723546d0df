using System.Text.Json.Nodes;
using static Telescope.Recipes.DesignChoices.DesignChoicesFindings;

namespace Telescope.Recipes.DesignChoices;

/// <summary>
/// Writes the design-choices run's metrics.csv rows (live, as the trainers measure them, or all at once when merging
/// shards), the momentum comparison's rows, the per-input file, summary.json, figures and report.md from the sub-run
/// results and their analysis (<see cref="DesignChoicesFindings"/>). With several seeds every quantity is reported per
/// arm as mean ± sd over the seeds.
/// </summary>
internal sealed partial class DesignChoicesOutput(RunContext context, DesignChoicesSettings s, DesignChoicesFacts facts, DesignChoicesFindings findings)
{
    private static readonly string[] Components = DesignChoicesCharts.Components;

    /// <summary>The optional columns of an MNIST network's row (declared before <see cref="Columns"/>, which lists them): written where finite.</summary>
    private static readonly (string Column, Func<DecompositionPoint, double?> Pick)[] Optional =
    [
        ("wd_step_deviation_max", p => p.DecayStepDeviationMax), ("wd_step_deviation_mean", p => p.DecayStepDeviationMean),
        ("wd_cumulative_deviation", p => p.DecayCumulativeDeviation), ("wd_cumulative_deviation_train", p => p.DecayCumulativeDeviationTrain),
        ("carried_share_magnitude", p => p.CarriedMagnitude), ("carried_share_projection", p => p.CarriedProjection),
        ("blending_jacobian_relative", p => p.BlendingJacobianRelative), ("blending_undelivered_relative", p => p.BlendingUndeliveredRelative),
        ("jacobian_drift", p => p.JacobianDrift),
        ("kernel_alignment_train", p => p.AlignmentTrain), ("kernel_alignment_test", p => p.AlignmentTest),
        ("kernel_alignment_train_centered", p => p.AlignmentTrainCentered), ("kernel_alignment_test_centered", p => p.AlignmentTestCentered),
    ];

    public static readonly string[] Columns =
    [
        "learning_rate", "loss", "test_err_abs_telescoping", "test_mean_change", "test_accuracy", "decomposition_gap",
        .. Components.SelectMany(c => new[] { $"train_contribution_{c}", $"test_contribution_{c}", $"train_projection_{c}", $"test_projection_{c}" }),
        .. Optional.Select(o => o.Column),
        "gap_telescoped", "gap_network", "gap_relative_telescoped", "gap_relative_network", "argmax_disagreement",
        "tab_train_mse", "tab_w1_own", "tab_w1_plain", "tab_irregular_ratio_own", "tab_irregular_ratio_plain",
    ];

    private IReadOnlyList<long> Seeds => findings.Seeds;
    private bool Seeded => findings.Seeded;

    /// <summary>The metrics.csv row of one logged point of an MNIST network.</summary>
    public static void WritePoint(MetricsCsvWriter csv, DecompositionRun run, DecompositionPoint p)
    {
        var values = new Dictionary<string, double>
        {
            ["learning_rate"] = run.LearningRate, ["test_err_abs_telescoping"] = p.Test.ErrAbsTelescoping,
            ["test_mean_change"] = p.Test.MeanChange, ["decomposition_gap"] = Math.Max(p.Train.SumGap, p.Test.SumGap),
        };
        if (!double.IsNaN(p.Loss)) values["loss"] = p.Loss;
        if (p.Test.Accuracy is double acc) values["test_accuracy"] = acc;
        foreach (var c in Components.Where(p.Test.ContributionAbs.ContainsKey))
        {
            values[$"train_contribution_{c}"] = p.Train.ContributionAbs[c];
            values[$"test_contribution_{c}"] = p.Test.ContributionAbs[c];
            if (!double.IsNaN(p.Test.Projection[c])) { values[$"train_projection_{c}"] = p.Train.Projection[c]; values[$"test_projection_{c}"] = p.Test.Projection[c]; }
        }
        foreach (var (column, pick) in Optional)
            if (pick(p) is double x && double.IsFinite(x)) values[column] = x;
        csv.WriteRow(run.Label, p.Step, values);
    }

    /// <summary>The metrics.csv row of one kernel checkpoint of a tabular network.</summary>
    public static void WritePoint(MetricsCsvWriter csv, string dataset, TabularKernelRun run, TabularKernelPoint p) =>
        csv.WriteRow(run.Label(dataset), p.Step, new Dictionary<string, double>
        {
            ["learning_rate"] = run.LearningRate, ["tab_train_mse"] = p.TrainMse, ["tab_w1_own"] = p.W1Own, ["tab_w1_plain"] = p.W1Plain,
            ["tab_irregular_ratio_own"] = p.IrregularToRegularOwn, ["tab_irregular_ratio_plain"] = p.IrregularToRegularPlain,
            ["kernel_alignment_train"] = p.AlignmentTrain, ["kernel_alignment_test"] = p.AlignmentTest,
            ["kernel_alignment_train_centered"] = p.AlignmentTrainCentered, ["kernel_alignment_test_centered"] = p.AlignmentTestCentered,
        });

    /// <summary>The momentum comparison's rows (run <c>momentum_vs_rescaled</c>, per seed with several), after every sub-run's rows.</summary>
    public void WriteMomentumMetrics(MetricsCsvWriter csv)
    {
        foreach (var m in findings.Comparisons)
            foreach (var g in m.Gaps)
            {
                var values = new Dictionary<string, double> { ["gap_telescoped"] = g.Telescoped, ["gap_network"] = g.Network, ["argmax_disagreement"] = g.Disagreement };
                if (double.IsFinite(g.RelativeTelescoped)) values["gap_relative_telescoped"] = g.RelativeTelescoped;
                if (double.IsFinite(g.RelativeNetwork)) values["gap_relative_network"] = g.RelativeNetwork;
                if (g.Drift is double d) values["jacobian_drift"] = d;
                csv.WriteRow(Seeded ? $"momentum_vs_rescaled_seed={m.Momentum.Seed}" : "momentum_vs_rescaled", g.Step, values);
            }
    }

    /// <summary>Name of the per-input file: every probe's final contribution of each component, per run.</summary>
    public const string PerInputFileName = "contributions_per_input.csv";

    /// <summary>
    /// Per run, tracked set and probe: ‖C_c(x)‖₂ over the logits and C_c(x) at the true class (how much each component
    /// raised the correct logit), for every component of the compared optimizers.
    /// </summary>
    public void WritePerInput()
    {
        var sb = new System.Text.StringBuilder("run,set,input,label," +
            string.Join(",", Components.SelectMany(c => new[] { $"{c}_norm", $"{c}_label" })) + "\n");
        int k = facts.Outputs;
        foreach (var run in findings.Compared.SelectMany(a => a.Runs))
            foreach (var (set, y) in new[] { ("train", facts.TrainProbeLabels), ("test", facts.TestProbeLabels) })
                for (int i = 0; i < y.Length; i++)
                {
                    sb.Append(run.Label).Append(',').Append(set).Append(',').Append(i).Append(',').Append(y[i]);
                    foreach (var c in Components)
                    {
                        if (!run.FinalContributions.TryGetValue(DecompositionRun.ContributionKey(set, c), out var v)) { sb.Append(",,"); continue; }
                        double norm = Math.Sqrt(Enumerable.Range(0, k).Sum(a => v[i * k + a] * v[i * k + a]));
                        sb.Append(',').Append(MetricsCsvWriter.FormatValue(norm)).Append(',').Append(MetricsCsvWriter.FormatValue(v[i * k + (int)y[i]]));
                    }
                    sb.Append('\n');
                }
        context.Folder.WriteText(PerInputFileName, sb.ToString());
    }

    /// <summary>
    /// summary.json. With one seed every entry holds that run's values; with several, every entry (per arm and
    /// component, per identity run, the momentum comparison, per adaptive run) is <see cref="SeedAggregate.Combine"/>
    /// of the per-seed entries: means, <c>&lt;field&gt;_sd</c>, <c>seeds</c>, <c>per_seed</c>.
    /// </summary>
    public void WriteSummary()
    {
        var perSeed = Seeds.Select(SeedSummary).ToList();
        object Entry(Func<SeedEntries, object> pick) => Seeded ? SeedAggregate.Combine(Seeds, perSeed.Select(pick).ToList()) : pick(perSeed[0]);
        List<object> Entries(Func<SeedEntries, IReadOnlyList<object>> pick) =>
            Enumerable.Range(0, pick(perSeed[0]).Count).Select(i => Entry(e => pick(e)[i])).ToList();

        var summary = new Dictionary<string, object?>
        {
            ["recipe"] = "design-choices",
            ["data"] = facts.DataDescription,
            ["synthetic_data"] = facts.IsSynthetic,
            ["tabular_data"] = facts.Tabular?.Name,
        };
        if (Seeded) summary["seeds"] = Seeds;
        summary["results"] = Entries(e => e.Results);
        summary["weight_decay_identity"] = new Dictionary<string, object?>
        {
            ["definition"] = "per-step deviation = ‖J_{t−1}·Δθ^wd_t − (−s_t·L·f_{θ_{t−1}})‖_F / ‖s_t·L·f_{θ_{t−1}}‖_F on the test probes (s_t = γλ); cumulative = the same for the sums over steps",
            ["runs"] = Entries(e => e.Identity),
            ["homogeneous_max_step_deviation"] =
                Finite(findings.Decayed.Where(a => a.First.Homogeneous).SelectMany(a => a.Runs).Select(MaxStepDeviation).DefaultIfEmpty(double.NaN).Max()),
        };
        summary["momentum"] = Entry(e => e.Momentum);
        var kernel = new Dictionary<string, object?> { ["mnist"] = findings.Adaptive.ToDictionary(a => a.Name, a => Entry(e => e.Mnist[a.Name])) };
        if (facts.Tabular is { } tab)
            kernel[tab.Name] = findings.TabularArms.ToDictionary(a => a.Optimizer, a => WithCurveMeans(Entry(e => e.Tabular[a.Optimizer]), a));
        summary["adaptive_kernel"] = kernel;
        summary["verdicts"] = findings.Verdicts.Select(v => new Dictionary<string, object?>
        {
            ["claim"] = v.Claim, ["outcome"] = RunFindings.OutcomeName(v.Verdict.Outcome), ["statement"] = v.Verdict.Statement,
        }).ToList();
        summary["wall_seconds"] = findings.Runs.ToDictionary(r => r.Label, r => Math.Round(r.WallTime.TotalSeconds, 1));
        context.Folder.WriteSummary(summary);
        RunFindings.Write(context.Folder, findings.RunFindings());
    }

    /// <summary>A combined entry gets the W(π) curves averaged over seeds, π by π (SeedAggregate keeps arrays only per seed).</summary>
    private static object WithCurveMeans(object entry, TabularArm arm)
    {
        if (entry is not JsonObject combined) return entry;
        foreach (var (key, pick) in new (string, Func<TabularKernelRun, RepetitionSpread[]>)[] { ("w_own", r => r.WOwn), ("w_plain", r => r.WPlain) })
        {
            var stats = Enumerable.Range(0, pick(arm.First).Length).Select(i => SeedAggregate.MeanSd(arm.Runs.Select(r => pick(r)[i].Mean))).ToList();
            combined[key] = new JsonArray(stats.Select(s => (JsonNode?)JsonValue.Create(s.Mean)).ToArray());
            combined[key + SeedAggregate.SdSuffix] = new JsonArray(stats.Select(s => (JsonNode?)(s.Sd is double sd ? JsonValue.Create(sd) : null)).ToArray());
        }
        return combined;
    }

    /// <summary>One seed's summary entries (the shape of a one-seed summary).</summary>
    private sealed record SeedEntries(IReadOnlyList<object> Results, IReadOnlyList<object> Identity, object Momentum,
        IReadOnlyDictionary<string, object> Mnist, IReadOnlyDictionary<string, object> Tabular);

    private SeedEntries SeedSummary(long seed)
    {
        DecompositionRun Of(Arm a) => a.Runs.Single(r => r.Seed == seed);
        var results = findings.Compared.Select(Of).SelectMany(r => r.Final.Test.ContributionAbs.Keys.Select(c => (object)new Dictionary<string, object?>
        {
            ["optimizer"] = r.Arm,
            ["learning_rate"] = r.LearningRate,
            ["component"] = c,
            ["contribution_train"] = r.Final.Train.ContributionAbs[c],
            ["contribution_test"] = r.Final.Test.ContributionAbs[c],
            ["projection_train"] = Finite(r.Final.Train.Projection[c]),
            ["projection_test"] = Finite(r.Final.Test.Projection[c]),
            ["change_train"] = r.Final.Train.MeanChange,
            ["change_test"] = r.Final.Test.MeanChange,
            ["decomposition_gap"] = Math.Max(r.Final.Train.SumGap, r.Final.Test.SumGap),
        })).ToList();

        var identity = findings.Decayed.Select(Of).Select(r => (object)new Dictionary<string, object?>
        {
            ["run"] = r.Arm, ["optimizer"] = r.Optimizer, ["net"] = r.Net.Name, ["homogeneous"] = r.Homogeneous, ["degree"] = r.Degree,
            ["steps"] = r.Final.Step,
            ["max_step_deviation"] = MaxStepDeviation(r),
            ["mean_step_deviation"] = MeanStepDeviation(r),
            ["cumulative_deviation_test"] = r.Final.DecayCumulativeDeviation,
            ["cumulative_deviation_train"] = r.Final.DecayCumulativeDeviationTrain,
            ["weight_decay_contribution_test"] = r.Final.Test.ContributionAbs[UpdateComponent.WeightDecay],
        }).ToList();

        var carried = findings.WithMomentum.Select(Of).ToDictionary(r => r.Arm, r => (object?)new Dictionary<string, object?>
        {
            ["carried_share_projection_mean"] = r.Points.Average(p => p.CarriedProjection),
            ["carried_share_magnitude_mean"] = r.Points.Average(p => p.CarriedMagnitude),
            ["carried_share_projection_final_window"] = r.Final.CarriedProjection,
            ["blending_jacobian_relative_final"] = r.Final.BlendingJacobianRelative,
            ["blending_undelivered_relative_final"] = r.Final.BlendingUndeliveredRelative,
            ["jacobian_drift_mean"] = MeanOrNull(r.Points.Select(p => p.JacobianDrift)),
        });
        var momentumSummary = new Dictionary<string, object?>
        {
            ["beta"] = s.Optimizer.Momentum,
            ["window_steps"] = (int)Math.Round(1 / (1 - s.Optimizer.Momentum)),
            ["runs"] = carried,
        };
        if (findings.Comparisons.FirstOrDefault(c => c.Momentum.Seed == seed) is { } momentum)
        {
            momentumSummary["momentum_learning_rate"] = momentum.Momentum.LearningRate;
            momentumSummary["rescaled_learning_rate"] = momentum.Rescaled.LearningRate;
            momentumSummary["gap_telescoped_final"] = momentum.Final.Telescoped;
            momentumSummary["gap_network_final"] = momentum.Final.Network;
            momentumSummary["gap_relative_telescoped_final"] = Finite(momentum.Final.RelativeTelescoped);
            momentumSummary["gap_relative_network_final"] = Finite(momentum.Final.RelativeNetwork);
            momentumSummary["telescoping_error_momentum"] = momentum.Momentum.Final.Test.ErrAbsTelescoping;
            momentumSummary["telescoping_error_rescaled"] = momentum.Rescaled.Final.Test.ErrAbsTelescoping;
            momentumSummary["argmax_disagreement_final"] = momentum.Final.Disagreement;
            momentumSummary["part_threshold"] = momentum.Threshold;
            momentumSummary["parted_at_step"] = momentum.PartedAt;
            momentumSummary["jacobian_drift_mean_momentum"] = MeanOrNull(momentum.Momentum.Points.Select(p => p.JacobianDrift));
            momentumSummary["jacobian_drift_mean_rescaled"] = MeanOrNull(momentum.Rescaled.Points.Select(p => p.JacobianDrift));
            momentumSummary["correlation_gap_growth_vs_drift"] = Finite(momentum.GrowthDriftCorrelation);
            momentumSummary["rank_correlation_per_input_gap_vs_drift"] = Finite(momentum.PerInputRankCorrelation);
        }

        var mnist = findings.Adaptive.Select(Of).ToDictionary(r => r.Arm, r => (object)new Dictionary<string, object?>
        {
            ["alignment_train_final"] = LastAlignment(r).Train,
            ["alignment_test_final"] = LastAlignment(r).Test,
            ["alignment_train_min"] = r.Points.Min(p => p.AlignmentTrain),
            ["alignment_test_min"] = r.Points.Min(p => p.AlignmentTest),
            ["alignment_train_centered_final"] = LastAlignment(r).TrainCentered,
            ["alignment_test_centered_final"] = LastAlignment(r).TestCentered,
            ["alignment_train_centered_min"] = r.Points.Min(p => p.AlignmentTrainCentered),
            ["alignment_test_centered_min"] = r.Points.Min(p => p.AlignmentTestCentered),
            ["projection_check"] = r.Projection,
        });
        var tabular = findings.TabularArms.Select(a => a.Runs.Single(r => r.Seed == seed)).ToDictionary(r => r.Optimizer, r => (object)new Dictionary<string, object?>
        {
            ["learning_rate"] = r.LearningRate,
            ["kernel"] = r.Optimizer == OptimizerChoice.Adam ? "K^T = J T Jᵀ" : "K = J Jᵀ",
            ["w1_own"] = r.WOwn[^1].Mean, ["w1_own_std"] = r.WOwn[^1].Std,
            ["w1_plain"] = r.WPlain[^1].Mean, ["w1_plain_std"] = r.WPlain[^1].Std,
            ["w_own"] = r.WOwn.Select(w => w.Mean).ToArray(),
            ["w_plain"] = r.WPlain.Select(w => w.Mean).ToArray(),
            ["irregular_to_regular_own"] = r.Final.IrregularToRegularOwn,
            ["irregular_to_regular_plain"] = r.Final.IrregularToRegularPlain,
            ["alignment_train_final"] = r.Final.AlignmentTrain,
            ["alignment_test_final"] = r.Final.AlignmentTest,
            ["alignment_train_centered_final"] = r.Final.AlignmentTrainCentered,
            ["alignment_test_centered_final"] = r.Final.AlignmentTestCentered,
            ["train_mse"] = r.Final.TrainMse,
            ["test_mse_regular"] = r.TestMseRegular,
            ["test_mse_irregular"] = r.TestMseIrregular,
            ["wall_seconds"] = Math.Round(r.WallTime.TotalSeconds, 1),
        });
        return new SeedEntries(results, identity, momentumSummary, mnist, tabular);
    }

    private static double? Finite(double v) => double.IsFinite(v) ? v : null;
    private static double? MeanOrNull(IEnumerable<double?> values) => values.Where(v => v is double x && double.IsFinite(x)).Average();

    /// <summary>A table cell: the value itself with one seed, "mean ± sd" over the seeds with several.</summary>
    private object? Cell(IEnumerable<double?> perSeed) => Seeded ? MeanSd(perSeed) : (object?)perSeed.First();

    /// <summary>Report text: the value with one seed, "mean ± sd" with several ("—" where nothing was measured).</summary>
    private string T(IEnumerable<double?> perSeed) => Seeded ? MeanSd(perSeed) : F(perSeed.First());

    private static string MeanSd(IEnumerable<double?> values) => SeedAggregate.Text(values.OfType<double>(), F);

    private static string Pct(double v) => (100 * v).ToString("F1", CultureInfo.InvariantCulture) + "%";
}
