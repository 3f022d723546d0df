using Telescope.Connectivity;

namespace Telescope.Recipes.Lmc;

/// <summary>
/// Writes lmc's metrics.csv rows (live, by the protocol, and again by a merge), summary.json, figures and report.md
/// from the sub-run results. With several seeds every (arm, t′) point is the mean over seeds with its standard
/// deviation (summary entries via <see cref="SeedAggregate"/>, bands in the figures, mean ± sd in the tables) and the
/// verdicts are judged against the seed spread.
/// </summary>
internal sealed class LmcOutput(RunContext context, LmcSettings s, LmcSetup setup, LmcFacts facts, IReadOnlyList<LmcSpawnResult> results, double wallSeconds)
{
    public static readonly string[] Columns = ["spawn_step", "alpha", "test_accuracy", "test_loss", "train_loss", "learning_rate"];

    /// <summary>The metrics.csv row of a training-curve point.</summary>
    public static void WriteCurve(MetricsCsvWriter csv, CurvePoint c) => csv.WriteRow(c.Run, c.Step, null, null, null, null, c.TrainLoss, c.LearningRate);

    /// <summary>The metrics.csv rows of a sub-run's interpolation path, one per α.</summary>
    public static void WritePath(MetricsCsvWriter csv, LmcSetup setup, LmcSpawnResult r)
    {
        string run = $"{r.Arm}_t={r.SpawnStep}_path{setup.SeedSuffix(r.Seed)}";
        foreach (var p in r.Path) csv.WriteRow(run, r.SpawnStep, null, p.Alpha, p.Accuracy, p.Loss, null, null);
    }

    /// <summary>Writes every result's rows in index order, exactly as the live run wrote them (for a merge).</summary>
    public static void WriteMetrics(RunContext context, LmcSetup setup, IReadOnlyList<LmcSpawnResult> results)
    {
        using var csv = context.Folder.OpenMetrics(Columns);
        foreach (var r in results)
        {
            foreach (var c in r.Curves) WriteCurve(csv, c);
            WritePath(csv, setup, r);
        }
    }

    private readonly LmcAnalysis _analysis = new(s, setup, results);
    private int TrainingSteps => results.Sum(r => r.TrainingSteps);
    private double TrainingSeconds => results.Sum(r => r.TrainSeconds);
    private double MeasureSeconds => results.Sum(r => r.MeasureSeconds);
    private double MsPerStep => 1000 * TrainingSeconds / Math.Max(1, TrainingSteps);

    private static string F(double v) => v.ToString("G3", CultureInfo.InvariantCulture);

    private static object Cell(IReadOnlyList<LmcSpawnResult> point, Func<LmcSpawnResult, double> value) =>
        point.Count == 1 ? value(point[0]) : SeedAggregate.Text(point.Select(value), F);

    private Dictionary<string, object?> Entry(LmcSpawnResult s) => new()
    {
        ["arm"] = s.Arm,
        ["spawn_step"] = s.SpawnStep,
        ["acc_child_1"] = s.AccChild1,
        ["acc_child_2"] = s.AccChild2,
        ["acc_midpoint"] = s.AccMidpoint,
        ["accuracy_drop"] = s.AccuracyDrop,
        ["barrier"] = s.Barrier,
        ["loss_barrier"] = s.LossBarrier,
        ["loss_increase"] = s.LossIncrease,
        ["path_nonlinearity"] = s.Linearization.PathNonlinearity,
        ["linearization_gap"] = s.Linearization.LinearizationGap,
        ["linearization_gap_child_1"] = s.Linearization.ChildGap1,
        ["linearization_gap_child_2"] = s.Linearization.ChildGap2,
        ["function_change"] = s.Linearization.FunctionChange,
        ["gradient_change"] = s.GradientChange.ToDictionary(g => g.Group, g => g.Value),
        ["gradient_change_se"] = setup.GradientMethod == GradientChangeMethod.Hutchinson ? s.GradientChange.ToDictionary(g => g.Group, g => g.StandardError) : null,
        ["acc_child_1_own_statistics"] = s.Child1OwnStatistics.Accuracy,
        ["acc_child_2_own_statistics"] = s.Child2OwnStatistics.Accuracy,
        ["train_seconds"] = Math.Round(s.TrainSeconds, 1),
        ["measure_seconds"] = Math.Round(s.MeasureSeconds, 1),
    };

    /// <summary>Every (arm, t′) with its results, one per seed: the entries of summary.json's results and the rows of the tables.</summary>
    private IEnumerable<(string Arm, int T, IReadOnlyList<LmcSpawnResult> Runs)> Points =>
        _analysis.Arms.SelectMany(a => setup.SpawnSteps.Select(t => (a, t, _analysis.At(a, t))));

    private object SummaryEntry(IReadOnlyList<LmcSpawnResult> point)
    {
        if (!setup.Seeded) return Entry(point[0]);
        var combined = SeedAggregate.Combine(setup.Seeds, point.Select(r => (object)Entry(r)).ToArray());
        // Timing is wall-clock noise, not a seed effect: its spread is not a result (and would differ between runs).
        foreach (string key in new[] { "train_seconds", "measure_seconds" }) combined.Remove(key + SeedAggregate.SdSuffix);
        return combined;
    }

    private object? PretrainAccuracy()
    {
        var pre = setup.Seeds.Select(seed => results.FirstOrDefault(r => r.Arm == "pretrained" && r.Seed == seed)?.PretrainAccuracy).ToArray();
        return pre.All(p => p is null) ? null : setup.Seeded ? pre : pre[0];
    }

    public void WriteSummary()
    {
        var summary = new Dictionary<string, object?>
        {
            ["recipe"] = "lmc",
            ["data"] = facts.DataDescription,
            ["model"] = _analysis.ModelText,
            ["steps"] = setup.Training.Steps,
            ["spawn_steps"] = setup.SpawnSteps,
        };
        if (setup.Seeded) summary["seeds"] = setup.Seeds;
        summary["bn_mode"] = setup.BatchNorm.ToString().ToLowerInvariant();
        summary["gradient_method"] = setup.GradientMethod.ToString().ToLowerInvariant();
        summary["wall_seconds"] = Math.Round(wallSeconds, 1);
        summary["training_steps"] = TrainingSteps;
        summary["training_seconds"] = Math.Round(TrainingSeconds, 1);
        summary["ms_per_training_step"] = Math.Round(MsPerStep, 1);
        summary["measure_seconds"] = Math.Round(MeasureSeconds, 1);
        summary["results"] = Points.Select(p => SummaryEntry(p.Runs)).ToList();
        summary["pretrain_accuracy"] = PretrainAccuracy();
        var verdicts = _analysis.Verdicts().ToList();
        summary["verdicts"] = verdicts.ToDictionary(v => v.Key, v => new Dictionary<string, object?> { ["outcome"] = RunFindings.OutcomeName(v.Verdict.Outcome), ["statement"] = v.Verdict.Statement });
        context.Folder.WriteSummary(summary);
        RunFindings.Write(context.Folder, _analysis.RunFindings());
    }

    private void WriteFigures(ReportBuilder report)
    {
        string seeds = setup.Seeded ? $" Mean over {setup.Seeds.Count} seeds, bands ± one standard deviation across seeds." : "";
        void Add(IFigure figure, string name, string caption) => report.Figure(context.Folder.SaveFigure(figure, name), caption + seeds);
        var drop = ArmPairs(new LineChart { Title = "Instability vs spawn step (paper Fig. 6 left)", XLabel = "spawn step t′ + 1", YLabel = "test accuracy", LogX = true },
            ("accuracy drop at α = ½", r => r.AccuracyDrop), ("barrier", r => r.Barrier));
        Add(drop, "accuracy-drop", "Accuracy drop at α = ½ (solid) and barrier (dashed) against the spawn step, per arm.");

        var loss = new LineChart { Title = "Loss barrier vs spawn step", XLabel = "spawn step t′ + 1", YLabel = "test loss", LogX = true };
        foreach (var a in _analysis.Arms) loss.AddSeeded($"{a}: loss barrier", _analysis.Series(a, r => r.LossBarrier), markers: true);
        Add(loss, "loss-barrier", "Loss barrier max_α [loss(α) − linear interpolation of the end losses] against the spawn step.");

        foreach (var a in _analysis.Arms)
        {
            var chart = new LineChart { Title = $"Gradient change by layer group, {a} (paper Fig. 6 right)", XLabel = "spawn step t′ + 1", YLabel = "mean ‖J_T − J_t′‖_F / ‖J_t′‖_F", LogX = true, LegendOutside = true };
            foreach (var group in _analysis.GroupNames)
                chart.AddSeeded(group, _analysis.Series(a, r => r.GradientChange.First(g => g.Group == group).Value), markers: true);
            Add(chart, $"gradient-change-{a}", $"Gradient change by layer group against the spawn step ({a} arm).");

            var path = new LineChart { Title = $"Test accuracy along the path, {a}", XLabel = "α (0 = child 2, 1 = child 1)", YLabel = "test accuracy", LegendOutside = true };
            foreach (int t in setup.SpawnSteps)
            {
                var point = _analysis.At(a, t);
                path.AddSeeded($"t′ = {t}", SeededSeries.FromSeeds(s.Alphas,
                    s.Alphas.Select((_, i) => (IReadOnlyList<double>)point.Select(r => r.Path[i].Accuracy).ToArray()).ToArray()), markers: true);
            }
            Add(path, $"path-accuracy-{a}", $"Test accuracy of θ(α) for every spawn step ({a} arm).");
        }

        var gaps = ArmPairs(new LineChart { Title = "Telescoping view of the spawn", XLabel = "spawn step t′ + 1", YLabel = "mean |Δ logits|", LogX = true, LogY = true },
            ("path non-linearity", r => r.Linearization.PathNonlinearity), ("linearization gap", r => r.Linearization.LinearizationGap));
        Add(gaps, "function-gaps", "Path non-linearity mean |f_θ(½) − ½(f_θ¹ + f_θ²)| (solid) and linearization gap mean |f_θ(½) − f_lin,t′(θ(½))| (dashed) on the probes.");
    }

    /// <summary>Per arm, in one colour, a solid and a dashed series against the spawn step.</summary>
    private LineChart ArmPairs(LineChart chart, (string Name, Func<LmcSpawnResult, double> Value) solid, (string Name, Func<LmcSpawnResult, double> Value) dashed)
    {
        foreach (var (a, color) in _analysis.Arms.Select((a, i) => (a, i)))
        {
            chart.AddSeeded($"{a}: {solid.Name}", _analysis.Series(a, solid.Value), markers: true, colorGroup: color);
            chart.AddSeeded($"{a}: {dashed.Name}", _analysis.Series(a, dashed.Value), markers: true, dashed: true, colorGroup: color);
        }
        return chart;
    }

    public void WriteReport()
    {
        string bn = setup.BatchNorm == BatchNormMode.Recompute
            ? $"recomputed for every θ(α) (end points included) from {s.BatchNormBatches} training batches of {setup.Training.BatchSize} main-subset images, train mode, no augmentation, equal-weight average of the batch statistics"
            : "interpolated like the parameters (α·stats¹ + (1−α)·stats²)";
        var report = context.CreateReport("Linear mode connectivity through gradient stabilization (ResNet on CIFAR-10)",
        [
            ("spawn", "copy θ_t′, the BatchNorm buffers and the SGD state (momentum buffers, step count) of one parent per arm and seed into two children that train to T with their own data-order and augmentation seeds (docs/method.md §7)"),
            ("θ(α)", $"α θ¹_T + (1−α) θ²_T (α = 1 is child 1); BatchNorm statistics {bn}"),
            ("accuracy drop", "½(acc(θ¹_T) + acc(θ²_T)) − acc(θ(½)), test accuracies on the α-path (so the end points use the same BatchNorm treatment as the midpoint); the children's accuracies with their own running statistics are in summary.json"),
            ("barrier", "max_α [(1−α) acc(0) + α acc(1) − acc(α)] over the grid; loss barrier max_α [loss(α) − ((1−α) loss(0) + α loss(1))], mean test cross-entropy"),
            ("gradient change of layer group l", $"mean over the {s.Probes} probe inputs (the first test images) of ‖J^l_T(x) − J^l_t′(x)‖_F / ‖J^l_t′(x)‖_F, J^l the Jacobian of the logits with respect to group l's parameters, θ_T = child 1's end point; " +
                (setup.GradientMethod == GradientChangeMethod.Exact ? "exact (one reverse pass per probe and logit)" : $"Hutchinson with {s.Directions} group-restricted Rademacher directions, the same at t′ and T")),
            ("layer groups", "stem (first convolution and its norm), stage s.block b (both convolutions, norms and the projection shortcut), classifier"),
            ("Jacobians and JVPs", "taken in evaluation mode (BatchNorm with fixed statistics), docs/method.md §7. " + (setup.BatchNorm == BatchNormMode.Recompute
                ? "With bn_mode = recompute the statistics of θ_t′, θ¹_T and θ²_T are recomputed exactly like those of θ(α) before any function or Jacobian is taken (at t′ = 0 the running statistics are still the initial 0 and 1, which describe no data)"
                : "With bn_mode = interpolate every network uses its own running statistics (at t′ = 0 the initial 0 and 1)")),
            ("f_lin,t′(θ)", "f_θt′ + J_t′·(θ − θ_t′) on the probes, over the trainable parameters with θ_t′'s BatchNorm statistics held (the real functions use their own)"),
            ("path non-linearity", "mean over probes and logits of |f_θ(½) − ½(f_θ¹_T + f_θ²_T)|"),
            ("linearization gap", "mean |f_θ(½) − f_lin,t′(θ(½))|; the children's own gaps |f_θ^c_T − f_lin,t′(θ^c_T)| and their function change |f_θ^c_T − f_θt′| are in summary.json"),
            ("pretrained arm", $"the parent is first trained for {setup.Pretraining.Steps} steps on the disjoint pretraining subset (same optimizer recipe, its own schedule), its classifier re-initialized, then the same protocol runs on the main subset from a fresh optimizer state"),
            ("seeds", setup.Seeded
                ? $"the whole protocol is repeated for seeds {string.Join(", ", setup.Seeds)} (initialization, data orders, augmentation, Hutchinson directions); the data subsets, probes and BatchNorm batches are shared. Tables show mean ± sd over seeds"
                : $"one repetition (seed {setup.Seeds[0]}): no seed-to-seed spread is measured"),
        ]);

        report.Heading("Setup and scale").Bullets(
        [
            $"Data: {facts.DataDescription}. The 10k training images were decoded from a JPEG (quality 75) re-encoding of CIFAR-10 (see the data README).",
            $"Model: {_analysis.ModelText}; Kaiming-normal convolutions, 1×1 projection shortcuts.",
            string.Create(CultureInfo.InvariantCulture, $"Training: SGD momentum {setup.Training.Momentum}, coupled weight decay {setup.Training.WeightDecay}, lr {setup.Training.LearningRate} with {setup.Training.WarmupSteps} warm-up steps and ×{setup.Training.DecayFactor} after steps [{string.Join(", ", setup.Training.Milestones())}], batch {setup.Training.BatchSize}, random crop (4-pixel zero padding) + horizontal flip, T = {setup.Training.Steps} steps."),
            $"Spawn steps t′ = {string.Join(", ", setup.SpawnSteps)}; α grid {string.Join(", ", s.Alphas.Select(F))}; {setup.Seeds.Count} seed(s).",
            $"**Scale**: the paper (after Frankle et al. 2020) uses all 50k CIFAR-10 training images, w = 16 and ≈ 63k steps; this run uses {s.TrainSize} images, w = {setup.Model.Width} and T = {setup.Training.Steps}" +
                (context.Quick ? " (quick mode: a miniature that shows the shape of the protocol, not the paper's numbers)." : "."),
            string.Create(CultureInfo.InvariantCulture, $"Compute: {TrainingSteps} training steps in {TrainingSeconds:F0} s ({MsPerStep:F0} ms per step incl. augmentation), measurements {MeasureSeconds:F0} s, wall time {wallSeconds:F0} s") +
                (context.Shard.IsAll ? "." : " (summed over the shards' sub-runs; each shard also retrained the parent prefix it needed)."),
        ]);

        report.Heading("Findings").Bullets(Findings());

        report.Heading("Per spawn step" + (setup.Seeded ? $" (mean ± sd over {setup.Seeds.Count} seeds)" : "")).Table(Points,
            ("arm", p => p.Arm), ("t′", p => p.T), ("acc child 1", p => Cell(p.Runs, r => r.AccChild1)), ("acc child 2", p => Cell(p.Runs, r => r.AccChild2)),
            ("acc θ(½)", p => Cell(p.Runs, r => r.AccMidpoint)), ("drop", p => Cell(p.Runs, r => r.AccuracyDrop)), ("barrier", p => Cell(p.Runs, r => r.Barrier)),
            ("loss barrier", p => Cell(p.Runs, r => r.LossBarrier)), ("mean grad. change", p => Cell(p.Runs, r => r.MeanGradientChange)),
            ("path non-lin.", p => Cell(p.Runs, r => r.Linearization.PathNonlinearity)), ("lin. gap", p => Cell(p.Runs, r => r.Linearization.LinearizationGap)),
            ("|f_T − f_t′|", p => Cell(p.Runs, r => r.Linearization.FunctionChange)));

        report.Heading("Gradient change by layer group").Table(["arm", "t′", .. _analysis.GroupNames],
            Points.Select(p => (IReadOnlyList<object?>)new object?[] { p.Arm, p.T }
                .Concat(_analysis.GroupNames.Select(g => (object?)Cell(p.Runs, r => r.GradientChange.First(x => x.Group == g).Value))).ToArray()));

        WriteFigures(report);
        context.Folder.WriteReport(report.ToString());
    }

    private List<string> Findings()
    {
        var findings = new List<string>
        {
            "docs/method.md §9 expects: accuracy drop large for early t′, near zero later; pretrained: small from the start; gradient change by layer falls with t′ and is smaller when pretrained.",
            s.Verdicts.Describe() + $" Drop thresholds (settings): 'large' = drop ≥ {F(s.LargeDrop)} (`large_drop`), 'near zero' = drop < {F(s.NearZeroDrop)} (`near_zero_drop`), applied to the " +
                (setup.Seeded ? $"mean over the {setup.Seeds.Count} seeds; trends and gaps are judged against the seed-to-seed spread (sample sd over seeds; the gap's SE = √(sd₁²/n + sd₂²/n))."
                    : "single seed's values; with one seed no seed spread is measured: a trend's noise is the scatter about the fitted line, and a gap between arms has no standard error (so it reads inconclusive)."),
        };
        foreach (var (_, claim, verdict) in _analysis.Verdicts()) findings.Add(verdict.About(claim));
        foreach (var a in _analysis.Arms)
        {
            var f = _analysis.Arm(a);
            findings.Add($"**{a}** accuracy drop{(setup.Seeded ? " (seed means)" : "")}: {BySpawnStep(f.Drops)}. " +
                (a == "random"
                    ? $"Large at the first spawn step: {YesNo(f.LargeAtFirst)}; near zero at the last: {YesNo(f.NearZeroAtLast)}. "
                    : $"Near zero from the start (t′ = {setup.SpawnSteps[0]}): {YesNo(f.NearZeroAtFirst)}; near zero at the last: {YesNo(f.NearZeroAtLast)}. ") +
                $"Children reach {F(f.ChildAccuracyMin)}–{F(f.ChildAccuracyMax)} test accuracy on the path's end points.");
            findings.Add($"**{a}** gradient change (mean over groups{(setup.Seeded ? ", seed means" : "")}): {BySpawnStep(f.GradientChange)}; " +
                $"its slope interval against ln(t′ + 1) lies below 0 in {f.FallingGroups} of {_analysis.GroupNames.Count} layer groups.");
            findings.Add($"**{a}** telescoping view: linearization gap {BySpawnStep(f.LinearizationGap)}; " +
                $"path non-linearity {string.Join(", ", f.PathNonlinearity.Means.Select(F))}; correlation of the drop with the linearization gap across t′: {F(f.DropGapCorrelation)}, " +
                $"with the path non-linearity: {F(f.DropNonlinearityCorrelation)}.");
        }
        if (_analysis.Compare() is { } c)
            findings.Add($"Pretrained vs random at the same t′: the drop is smaller when pretrained at {c.DropSmaller} of {c.SpawnSteps} spawn steps " +
                $"(first t′: {F(c.FirstDropPretrained)} vs {F(c.FirstDropRandom)}); the mean gradient change is smaller at {c.GradientChangeSmaller} of {c.SpawnSteps}. " +
                $"Pretraining reached {string.Join(", ", c.PretrainAccuracies.Select(F))} test accuracy before its classifier was re-initialized.");
        if (context.Quick)
            findings.Add("Quick mode: few steps, few images, a coarse α grid and few probes — the numbers carry seed noise of a few accuracy points; read the trend, not the digits.");
        return findings;
    }

    private static string YesNo(bool yes) => yes ? "yes" : "**no**";

    /// <summary>The seed means of a series against the spawn step, each with its t′.</summary>
    private string BySpawnStep(SeededSeries series) => string.Join(", ", setup.SpawnSteps.Select((t, i) => $"{F(series.Means[i])} (t′ = {t})"));
}
