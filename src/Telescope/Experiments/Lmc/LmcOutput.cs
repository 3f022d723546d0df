using System.Globalization;
using Telescope.Connectivity;
using Telescope.Reporting;

namespace Telescope.Experiments.Lmc;

/// <summary>Writes lmc's metrics.csv, summary.json, figures and report.md.</summary>
internal sealed class LmcOutput(RunContext context, LmcSetup setup, string dataDescription, IReadOnlyList<LmcArmResult> arms, double wallSeconds)
{
    private static readonly string[] Columns = ["spawn_step", "alpha", "test_accuracy", "test_loss", "train_loss", "learning_rate"];

    private double NearZero => context.Settings.GetDouble("near_zero_drop");
    private double Large => context.Settings.GetDouble("large_drop");
    private int TrainingSteps => arms.Sum(a => a.TrainingSteps);
    private double TrainingSeconds => arms.Sum(a => a.TrainingSeconds);
    private double MeasureSeconds => arms.Sum(a => a.MeasureSeconds);
    private double MsPerStep => 1000 * TrainingSeconds / Math.Max(1, TrainingSteps);

    private static string F(double v) => v.ToString("G3", CultureInfo.InvariantCulture);
    private static IEnumerable<LmcSpawnResult> Sorted(LmcArmResult a) => a.Spawns.OrderBy(s => s.SpawnStep);

    public void Write()
    {
        WriteMetrics();
        WriteSummary();
        var figures = WriteFigures();
        WriteReport(figures);
    }

    private void WriteMetrics()
    {
        using var csv = context.Folder.OpenMetrics(Columns);
        foreach (var arm in arms)
        {
            foreach (var s in Sorted(arm))
                foreach (var p in s.Path)
                    csv.WriteRow($"{arm.Arm}_t={s.SpawnStep}_path", s.SpawnStep, [s.SpawnStep, p.Alpha, p.Accuracy, p.Loss, null, null]);
            foreach (var c in arm.Curves)
                csv.WriteRow(c.Run, c.Step, [null, null, null, null, c.TrainLoss, c.LearningRate]);
        }
    }

    private void WriteSummary()
    {
        context.Folder.WriteSummary(new Dictionary<string, object?>
        {
            ["recipe"] = "lmc",
            ["data"] = dataDescription,
            ["model"] = ModelText,
            ["steps"] = setup.Training.Steps,
            ["spawn_steps"] = setup.SpawnSteps,
            ["bn_mode"] = setup.BatchNorm.ToString().ToLowerInvariant(),
            ["gradient_method"] = setup.GradientMethod.ToString().ToLowerInvariant(),
            ["wall_seconds"] = Math.Round(wallSeconds, 1),
            ["training_steps"] = TrainingSteps,
            ["training_seconds"] = Math.Round(TrainingSeconds, 1),
            ["ms_per_training_step"] = Math.Round(MsPerStep, 1),
            ["measure_seconds"] = Math.Round(MeasureSeconds, 1),
            ["results"] = arms.SelectMany(a => Sorted(a).Select(s => new Dictionary<string, object?>
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
            })).ToList(),
            ["pretrain_accuracy"] = arms.FirstOrDefault(a => a.Arm == "pretrained")?.PretrainAccuracy,
        });
    }

    private string ModelText => $"ResNet-{6 * setup.Model.BlocksPerStage + 2} (w = {setup.Model.Width}, {setup.Model.Norm}" +
        (setup.Model.Norm == Models.NormKind.GroupNorm ? $", {setup.Model.Groups} groups" : "") + $", {setup.Model.DType})";

    private List<(FigureFiles Files, string Caption)> WriteFigures()
    {
        var figures = new List<(FigureFiles, string)>();
        double X(int t) => t + 1;
        var drop = new LineChart { Title = "Instability vs spawn step (paper Fig. 6 left)", XLabel = "spawn step t′ + 1", YLabel = "test accuracy", LogX = true };
        int color = 0;
        foreach (var a in arms)
        {
            var s = Sorted(a).ToArray();
            drop.AddSeries($"{a.Arm}: accuracy drop at α = ½", s.Select(r => X(r.SpawnStep)).ToArray(), s.Select(r => r.AccuracyDrop).ToArray(), markers: true, colorGroup: color);
            drop.AddSeries($"{a.Arm}: barrier", s.Select(r => X(r.SpawnStep)).ToArray(), s.Select(r => r.Barrier).ToArray(), markers: true, dashed: true, colorGroup: color);
            color++;
        }
        figures.Add((context.Folder.SaveFigure(drop, "accuracy-drop"), "Accuracy drop at α = ½ (solid) and barrier (dashed) against the spawn step, per arm."));

        var loss = new LineChart { Title = "Loss barrier vs spawn step", XLabel = "spawn step t′ + 1", YLabel = "test loss", LogX = true };
        foreach (var a in arms)
        {
            var s = Sorted(a).ToArray();
            loss.AddSeries($"{a.Arm}: loss barrier", s.Select(r => X(r.SpawnStep)).ToArray(), s.Select(r => r.LossBarrier).ToArray(), markers: true);
        }
        figures.Add((context.Folder.SaveFigure(loss, "loss-barrier"), "Loss barrier max_α [loss(α) − linear interpolation of the end losses] against the spawn step."));

        foreach (var a in arms)
        {
            var s = Sorted(a).ToArray();
            var chart = new LineChart { Title = $"Gradient change by layer group, {a.Arm} (paper Fig. 6 right)", XLabel = "spawn step t′ + 1", YLabel = "mean ‖J_T − J_t′‖_F / ‖J_t′‖_F", LogX = true, LegendOutside = true };
            foreach (var group in s[0].GradientChange.Select(g => g.Group))
                chart.AddSeries(group, s.Select(r => X(r.SpawnStep)).ToArray(), s.Select(r => r.GradientChange.First(g => g.Group == group).Value).ToArray(), markers: true);
            figures.Add((context.Folder.SaveFigure(chart, $"gradient-change-{a.Arm}"), $"Gradient change by layer group against the spawn step ({a.Arm} arm)."));

            var path = new LineChart { Title = $"Test accuracy along the path, {a.Arm}", XLabel = "α (0 = child 2, 1 = child 1)", YLabel = "test accuracy", LegendOutside = true };
            foreach (var r in s)
                path.AddSeries($"t′ = {r.SpawnStep}", r.Path.Select(p => p.Alpha).ToArray(), r.Path.Select(p => p.Accuracy).ToArray(), markers: true);
            figures.Add((context.Folder.SaveFigure(path, $"path-accuracy-{a.Arm}"), $"Test accuracy of θ(α) for every spawn step ({a.Arm} arm)."));
        }

        var gaps = new LineChart { Title = "Telescoping view of the spawn", XLabel = "spawn step t′ + 1", YLabel = "mean |Δ logits|", LogX = true, LogY = true };
        color = 0;
        foreach (var a in arms)
        {
            var s = Sorted(a).ToArray();
            gaps.AddSeries($"{a.Arm}: path non-linearity", s.Select(r => X(r.SpawnStep)).ToArray(), s.Select(r => r.Linearization.PathNonlinearity).ToArray(), markers: true, colorGroup: color);
            gaps.AddSeries($"{a.Arm}: linearization gap", s.Select(r => X(r.SpawnStep)).ToArray(), s.Select(r => r.Linearization.LinearizationGap).ToArray(), markers: true, dashed: true, colorGroup: color);
            color++;
        }
        figures.Add((context.Folder.SaveFigure(gaps, "function-gaps"), "Path non-linearity mean |f_θ(½) − ½(f_θ¹ + f_θ²)| (solid) and linearization gap mean |f_θ(½) − f_lin,t′(θ(½))| (dashed) on the probes."));
        return figures;
    }

    private void WriteReport(List<(FigureFiles Files, string Caption)> figures)
    {
        var s = context.Settings;
        string bn = setup.BatchNorm == BatchNormMode.Recompute
            ? $"recomputed for every θ(α) (end points included) from {setup.BatchNormBatches} training batches of {setup.Training.BatchSize} main-subset images, train mode, no augmentation, equal-weight average of the batch statistics"
            : "interpolated like the parameters (α·stats¹ + (1−α)·stats²)";
        var report = context.CreateReport("Linear mode connectivity through gradient stabilization (ResNet on CIFAR-10)",
        [
            ("spawn", "copy θ_t′, the BatchNorm buffers and the SGD state (momentum buffers, step count) of one parent per arm into two children that train to T with their own data-order and augmentation seeds (SPEC §5)"),
            ("θ(α)", $"α θ¹_T + (1−α) θ²_T (α = 1 is child 1); BatchNorm statistics {bn}"),
            ("accuracy drop", "½(acc(θ¹_T) + acc(θ²_T)) − acc(θ(½)), test accuracies on the α-path (so the end points use the same BatchNorm treatment as the midpoint); the children's accuracies with their own running statistics are in summary.json"),
            ("barrier", "max_α [(1−α) acc(0) + α acc(1) − acc(α)] over the grid; loss barrier max_α [loss(α) − ((1−α) loss(0) + α loss(1))], mean test cross-entropy"),
            ("gradient change of layer group l", $"mean over the {s.GetInt("probes")} probe inputs (the first test images) of ‖J^l_T(x) − J^l_t′(x)‖_F / ‖J^l_t′(x)‖_F, J^l the Jacobian of the logits with respect to group l's parameters, θ_T = child 1's end point; " +
                (setup.GradientMethod == GradientChangeMethod.Exact ? "exact (one reverse pass per probe and logit)" : $"Hutchinson with {setup.Directions} group-restricted Rademacher directions, the same at t′ and T")),
            ("layer groups", "stem (first convolution and its norm), stage s.block b (both convolutions, norms and the projection shortcut), classifier"),
            ("Jacobians and JVPs", "taken in evaluation mode (BatchNorm with fixed statistics), SPEC §5. " + (setup.BatchNorm == BatchNormMode.Recompute
                ? "With bn_mode = recompute the statistics of θ_t′, θ¹_T and θ²_T are recomputed exactly like those of θ(α) before any function or Jacobian is taken (at t′ = 0 the running statistics are still the initial 0 and 1, which describe no data)"
                : "With bn_mode = interpolate every network uses its own running statistics (at t′ = 0 the initial 0 and 1)")),
            ("f_lin,t′(θ)", "f_θt′ + J_t′·(θ − θ_t′) on the probes, over the trainable parameters with θ_t′'s BatchNorm statistics held (the real functions use their own)"),
            ("path non-linearity", "mean over probes and logits of |f_θ(½) − ½(f_θ¹_T + f_θ²_T)|"),
            ("linearization gap", "mean |f_θ(½) − f_lin,t′(θ(½))|; the children's own gaps |f_θ^c_T − f_lin,t′(θ^c_T)| and their function change |f_θ^c_T − f_θt′| are in summary.json"),
            ("pretrained arm", $"the parent is first trained for {setup.Pretraining.Steps} steps on the disjoint pretraining subset (same optimizer recipe, its own schedule), its classifier re-initialized, then the same protocol runs on the main subset from a fresh optimizer state"),
        ]);

        report.Heading("Setup and scale").Bullets(
        [
            $"Data: {dataDescription}. The 10k training images were decoded from a JPEG (quality 75) re-encoding of CIFAR-10 (see the data README).",
            $"Model: {ModelText}; Kaiming-normal convolutions, 1×1 projection shortcuts.",
            string.Create(CultureInfo.InvariantCulture, $"Training: SGD momentum {setup.Training.Momentum}, coupled weight decay {setup.Training.WeightDecay}, lr {setup.Training.LearningRate} with {setup.Training.WarmupSteps} warm-up steps and ×{setup.Training.DecayFactor} after steps [{string.Join(", ", setup.Training.Milestones())}], batch {setup.Training.BatchSize}, random crop (4-pixel zero padding) + horizontal flip, T = {setup.Training.Steps} steps."),
            $"Spawn steps t′ = {string.Join(", ", setup.SpawnSteps)}; α grid {string.Join(", ", setup.Alphas.Select(F))}.",
            $"**Scale**: the paper (after Frankle et al. 2020) uses all 50k CIFAR-10 training images, w = 16 and ≈ 63k steps; this run uses {s.GetInt("train_size")} images, w = {setup.Model.Width} and T = {setup.Training.Steps}" +
                (context.Quick ? " (quick mode: a miniature that shows the shape of the protocol, not the paper's numbers)." : "."),
            string.Create(CultureInfo.InvariantCulture, $"Compute: {TrainingSteps} training steps in {TrainingSeconds:F0} s ({MsPerStep:F0} ms per step incl. augmentation), measurements {MeasureSeconds:F0} s, wall time {wallSeconds:F0} s."),
        ]);

        report.Heading("Findings").Bullets(Findings());

        report.Heading("Per spawn step");
        report.Table(arms.SelectMany(Sorted),
            ("arm", r => r.Arm), ("t′", r => r.SpawnStep), ("acc child 1", r => r.AccChild1), ("acc child 2", r => r.AccChild2), ("acc θ(½)", r => r.AccMidpoint),
            ("drop", r => r.AccuracyDrop), ("barrier", r => r.Barrier), ("loss barrier", r => r.LossBarrier), ("mean grad. change", r => r.MeanGradientChange),
            ("path non-lin.", r => r.Linearization.PathNonlinearity), ("lin. gap", r => r.Linearization.LinearizationGap), ("|f_T − f_t′|", r => r.Linearization.FunctionChange));

        report.Heading("Gradient change by layer group");
        var groupNames = arms[0].Spawns[0].GradientChange.Select(g => g.Group).ToArray();
        report.Table(["arm", "t′", .. groupNames],
            arms.SelectMany(Sorted).Select(r => (IReadOnlyList<object?>)new object?[] { r.Arm, r.SpawnStep }.Concat(r.GradientChange.Select(g => (object?)g.Value)).ToArray()));

        foreach (var (files, caption) in figures) report.Figure(files, caption);
        context.Folder.WriteReport(report.ToString());
    }

    private List<string> Findings()
    {
        var findings = new List<string>
        {
            $"SPEC §6 expects: accuracy drop large for early t′, near zero later; pretrained: small from the start; gradient change by layer falls with t′ and is smaller when pretrained. " +
            $"Thresholds (settings): 'large' = drop ≥ {F(Large)} (`large_drop`), 'near zero' = drop < {F(NearZero)} (`near_zero_drop`).",
        };
        foreach (var a in arms)
        {
            var s = Sorted(a).ToArray();
            var first = s[0];
            var last = s[^1];
            string sequence = string.Join(", ", s.Select(r => $"{F(r.AccuracyDrop)} (t′ = {r.SpawnStep})"));
            bool largeEarly = first.AccuracyDrop >= Large, zeroLate = last.AccuracyDrop < NearZero, shrinks = last.AccuracyDrop < first.AccuracyDrop;
            findings.Add($"**{a.Arm}** accuracy drop: {sequence}. " +
                (a.Arm == "random"
                    ? $"Large at the first spawn step: {(largeEarly ? "yes" : "**no**")}; near zero at the last: {(zeroLate ? "yes" : "**no**")}; shrinks from first to last: {(shrinks ? "yes" : "**no**")}. "
                    : $"Near zero from the start (t′ = {first.SpawnStep}): {(first.AccuracyDrop < NearZero ? "yes" : "**no**")}; near zero at the last: {(zeroLate ? "yes" : "**no**")}. ") +
                $"Children reach {F(s.Min(r => Math.Min(r.AccChild1, r.AccChild2)))}–{F(s.Max(r => Math.Max(r.AccChild1, r.AccChild2)))} test accuracy on the path's end points.");
            int falling = first.GradientChange.Count(g => last.GradientChange.First(h => h.Group == g.Group).Value < g.Value);
            findings.Add($"**{a.Arm}** gradient change (mean over groups): {string.Join(", ", s.Select(r => $"{F(r.MeanGradientChange)} (t′ = {r.SpawnStep})"))}; " +
                $"falls from the first to the last spawn step in {falling} of {first.GradientChange.Count} layer groups.");
            findings.Add($"**{a.Arm}** telescoping view: linearization gap {string.Join(", ", s.Select(r => $"{F(r.Linearization.LinearizationGap)} (t′ = {r.SpawnStep})"))}; " +
                $"path non-linearity {string.Join(", ", s.Select(r => F(r.Linearization.PathNonlinearity)))}; correlation of the drop with the linearization gap across t′: {F(Correlation(s.Select(r => r.AccuracyDrop), s.Select(r => r.Linearization.LinearizationGap)))}, " +
                $"with the path non-linearity: {F(Correlation(s.Select(r => r.AccuracyDrop), s.Select(r => r.Linearization.PathNonlinearity)))}.");
        }
        var random = arms.FirstOrDefault(a => a.Arm == "random");
        var pre = arms.FirstOrDefault(a => a.Arm == "pretrained");
        if (random is not null && pre is not null)
        {
            var pairs = Sorted(random).Join(Sorted(pre), r => r.SpawnStep, p => p.SpawnStep, (r, p) => (r, p)).ToArray();
            int dropSmaller = pairs.Count(x => x.p.AccuracyDrop < x.r.AccuracyDrop);
            int gradSmaller = pairs.Count(x => x.p.MeanGradientChange < x.r.MeanGradientChange);
            findings.Add($"Pretrained vs random at the same t′: the drop is smaller when pretrained at {dropSmaller} of {pairs.Length} spawn steps" +
                (pairs.Length > 0 ? $" (first t′: {F(pairs[0].p.AccuracyDrop)} vs {F(pairs[0].r.AccuracyDrop)})" : "") +
                $"; the mean gradient change is smaller at {gradSmaller} of {pairs.Length}. Pretraining reached {F(pre.PretrainAccuracy)} test accuracy before its classifier was re-initialized.");
        }
        if (context.Quick)
            findings.Add("Quick mode: few steps, few images, a coarse α grid and few probes — the numbers carry seed noise of a few accuracy points; read the trend, not the digits.");
        return findings;
    }

    private static double Correlation(IEnumerable<double> xs, IEnumerable<double> ys)
    {
        var x = xs.ToArray();
        var y = ys.ToArray();
        if (x.Length < 3) return double.NaN;
        double mx = x.Average(), my = y.Average();
        double sxy = x.Zip(y).Sum(p => (p.First - mx) * (p.Second - my));
        double sxx = x.Sum(v => (v - mx) * (v - mx)), syy = y.Sum(v => (v - my) * (v - my));
        return sxy / Math.Sqrt(sxx * syy);
    }
}
