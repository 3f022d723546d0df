using Telescope.Optim;

namespace Telescope.Experiments.DesignChoices;

/// <summary>The report of the design-choices run: definitions, setup, findings per design choice, tables, figures.</summary>
internal sealed partial class DesignChoicesOutput
{
    public void WriteReport()
    {
        double beta = S.GetDouble("momentum");
        int window = (int)Math.Round(1 / (1 - beta));
        var report = context.CreateReport("What each design choice does to the function",
        [
            ("f̃ and its components", "f̃_t = f̃_{t−1} + J_{t−1}(x)·Δθ_t with Δθ_t the exact applied update, split Δθ_t = Σ_c Δθ_t^(c) (SPEC §1): " +
                "gradient = the current step's loss gradient (SGD: −γ∇; Adam: −c_t(1−β1) T_t ⊙ ∇), momentum = what is carried from earlier steps " +
                "(SGD: −γβ b_{t−1}; Adam: −c_t β1 T_t ⊙ m_{t−1}), weight_decay = −γλθ_{t−1} (coupled SGD: the current step's decay; AdamW: decoupled)"),
            ("contribution C_c(x)", "Σ_t J_{t−1}(x)·Δθ_t^(c) on the probes; reported as mean |C_c| over probes and logits and as its projection share ⟨C_c, f̃_T − f_θ0⟩/‖f̃_T − f_θ0‖² (shares sum to 1)"),
            ("decomposition gap", "max |Σ_c C_c − (f̃_T − f_θ0)| over probes and logits (zero up to float64 rounding)"),
            ("weight-decay identity", "for a bias-free ReLU MLP with L weight layers J(x)·θ = L·f(x), so J_{t−1}·Δθ^wd_t = −s_t·L·f_{θ_{t−1}}(x) with s_t = γλ; " +
                "per-step deviation = ‖J_{t−1}·Δθ^wd_t − (−s_t L f_{t−1})‖_F/‖s_t L f_{t−1}‖_F on the test probes (the largest per log window is plotted), cumulative = the same for the sums over steps"),
            ("carried share", "per step on the test probes: magnitude ‖Δf^mom‖/Σ_c‖Δf^(c)‖ and projection ⟨Δf^mom, Δf⟩/‖Δf‖² (→ β for a constant gradient), averaged over each log window"),
            ("momentum blending", "heavy ball, constant γ: f̃_T − f_θ0 = (Σ_s c_s − E_T)/(1−β) + M_T with c_s = J_{s−1}·(current-gradient part of Δθ_s), E_T = β(E_{T−1} + c_T) " +
                "the gradient not yet delivered; M_T = Σ_s Σ_{t≥s} β^{t−s}(J_{t−1} − J_{s−1})(−γ g_s) is exactly the Jacobian's change inside the window (0 for a linear model); reported as ‖M_T‖/‖f̃_T − f_θ0‖"),
            ("Jacobian drift", $"‖J_t v − J_{{t−W}} v‖_F/‖J_{{t−W}} v‖_F on {S.GetInt("drift_probes")} test probes, v a fixed N(0, I) direction, W = round(1/(1−β)) = {window} steps"),
            ("momentum vs rescaled SGD", $"SGD at γ/(1−β) from the same initialization and batches; relative gap = mean |f_mom,t − f_sgd,t| / mean |f_sgd,t − f_θ0| on the test probes for the networks, and the same with f̃ for the telescoping models; parted = first log step with the networks' relative gap > part_threshold = {S.GetDouble("part_threshold")}"),
            ("K, K^T, alignment", "trace kernels K(x, x′) = (1/k) tr J(x)J(x′)ᵀ and K^T = (1/k) tr J(x) T J(x′)ᵀ with T = 1/(sqrt(v̂_t) + ε) Adam's preconditioner of the last step, computed exactly per layer; alignment = ⟨K^T, K⟩_F/(‖K^T‖‖K‖); centered alignment = the same after double-centering both blocks (row and column means removed), insensitive to a shared constant offset"),
            ("w(x), W(π)", "w(x) = ‖K(x, X_train)‖₂ (the kernel that drives the optimizer's functional step: K for SGD, K^T for Adam; 'plain' = K of the Adam network); W(π) = repetition mean of max_{T_π} w / max_{T_0} w (SPEC §5); irregular/regular = mean w over irregular tracked rows / mean w over regular ones"),
        ]);

        var identityNets = runs.Where(r => r.Role == SubRunRole.Identity).Select(r => r.Net.Name).Distinct().ToList();
        report.Heading("Setup").Bullets(
        [
            $"Data: {source.Description}." + (source.IsSynthetic ? " **These are not MNIST**: no data folder was given; pass `--data DIR` or set `TELESCOPE_DATA`." : ""),
            $"Main network: MLP {string.Join("-", model.LayerSizes)}, {model.Activation}, biases, {model.DType}, cross-entropy, batch {S.GetInt("batch_size")}, {S.GetInt("steps")} steps; every sub-run starts from the same initialization (seed {context.Seed}) and sees the same batches.",
            $"Tracked: {S.GetInt("train_probes")} training and {S.GetInt("test_probes")} test images, every update component, float64 accumulators; kernels on {S.GetInt("kernel_train")} train × {S.GetInt("kernel_test")} test probes every {S.GetInt("kernel_every")} steps.",
            .. Main.Select(r => $"{r.Label}: {r.Description(S)}."),
            .. runs.Where(r => r.Role == SubRunRole.Rescaled).Select(r => $"{r.Label}: {r.Description(S)} (the classical equivalent of sgd_momentum)."),
            identityNets.Count == 0 ? "No extra weight-decay identity nets." :
                $"Weight-decay identity nets: {string.Join(", ", identityNets)} with {string.Join(", ", S.GetStringList("identity_optimizers"))}, {S.GetInt("identity_steps")} steps each (same data, same probes).",
            tabular is { } t
                ? $"Tabular kernel part: {t.Name}, n = {t.Data.Train.Rows} training rows, {t.Data.Tracked.Rows} tracked test rows ({t.Data.TrackedIsIrregular.Count(b => b)} irregular), T_π with m = {S.GetInt("tab_test_size")}, R = {S.GetInt("tab_repetitions")}; MLP {t.Data.Train.Columns}-{string.Join("-", S.GetIntList("tab_hidden"))}-1 ReLU, squared loss ½(f − y)², batch {S.GetInt("tab_batch_size")}, {S.GetInt("tab_steps")} steps; SGD lr {S.GetDouble("tab_sgd_lr")}, Adam lr {S.GetDouble("tab_adam_lr")} (same init and batches)."
                : "Tabular kernel part: not run (no data folder, or tabular=none).",
        ]);

        report.Heading("Findings");
        report.Heading("1. Functional contribution of each component", 3).Bullets(ComponentFindings());
        report.Table(runs.Where(r => r.Role != SubRunRole.Identity), [
            ("run", r => r.Label), ("lr", r => r.LearningRate), ("test acc", r => r.Final.Test.Accuracy),
            ("|f − f_θ0| test", r => r.Final.Test.MeanChange),
            .. Components.Select(c => ($"|C_{c}| test", (Func<DecompositionRun, object?>)(r => r.Final.Test.ContributionAbs.TryGetValue(c, out var v) ? v : null))),
            .. Components.Select(c => ($"share {c} test", (Func<DecompositionRun, object?>)(r => r.Final.Test.Projection.TryGetValue(c, out var v) ? v : null))),
            ("decomp. gap", r => Math.Max(r.Final.Train.SumGap, r.Final.Test.SumGap)), ("seconds", r => Math.Round(r.WallTime.TotalSeconds, 1)),
        ]);
        report.Paragraph($"Per input: `{PerInputFileName}` holds, for every probe, ‖C_c(x)‖₂ over the logits and C_c(x) at the true class for each run and component.");
        report.Bullets(LabelLogitFindings());
        report.Heading("2. Weight decay is functional shrinkage", 3).Bullets(DecayFindings());
        report.Table(Decayed, [
            ("run", r => r.Label), ("net", r => r.Net.Name), ("homogeneous", r => r.Homogeneous ? "yes" : "no"), ("L", r => r.Degree),
            ("max step dev.", r => r.Points.Max(p => p.DecayStepDeviationMax ?? 0)),
            ("mean step dev.", r => r.Points.Where(p => p.DecayStepDeviationMean is not null).Average(p => p.DecayStepDeviationMean!.Value)),
            ("cumulative dev. test", r => r.Final.DecayCumulativeDeviation), ("cumulative dev. train", r => r.Final.DecayCumulativeDeviationTrain),
            ("|C_wd| test", r => r.Final.Test.ContributionAbs[UpdateComponent.WeightDecay]), ("share wd test", r => r.Final.Test.Projection[UpdateComponent.WeightDecay]),
        ]);
        report.Heading("3. Momentum is exponential blending", 3).Bullets(MomentumFindings(beta, window));
        report.Heading("4. Adaptive learning rates change the kernel", 3).Bullets(KernelFindings());
        if (tabular is { } tab)
            report.Table(tab.Runs, [
                ("optimizer", r => r.Optimizer), ("lr", r => r.LearningRate), ("train MSE", r => r.Final.TrainMse),
                ("test MSE regular", r => r.TestMseRegular), ("test MSE irregular", r => r.TestMseIrregular),
                ("W(1) own kernel", r => $"{F(r.WOwn[^1].Mean)} ± {F(r.WOwn[^1].Std)}"), ("W(1) plain K", r => $"{F(r.WPlain[^1].Mean)} ± {F(r.WPlain[^1].Std)}"),
                ("irregular/regular own", r => r.Final.IrregularToRegularOwn), ("irregular/regular plain", r => r.Final.IrregularToRegularPlain),
                ("alignment train", r => r.Final.AlignmentTrain), ("alignment test", r => r.Final.AlignmentTest),
                ("centered train", r => r.Final.AlignmentTrainCentered), ("centered test", r => r.Final.AlignmentTestCentered),
            ]);
        if (source.IsSynthetic)
            report.Paragraph("The MNIST-part numbers come from the built-in synthetic images, not MNIST.");

        report.Heading("Figures");
        foreach (var run in runs.Where(r => r.Role != SubRunRole.Identity))
            report.Figure(context.Folder.SaveFigure(DesignChoicesCharts.Contributions(run), $"contributions_{run.Label}"),
                $"{run.Label}: mean |cumulative contribution| of each component against step, train probes (top) and test probes (bottom); dashed: the network's own change.");
        if (Decayed.Any())
            report.Figure(context.Folder.SaveFigure(DesignChoicesCharts.DecayIdentity(Decayed), "weight_decay_identity"),
                "Largest per-step relative deviation of the weight-decay contribution from −s·L·f_{t−1} in each log window (solid: homogeneous nets, where it is rounding; dashed: biases or non-ReLU activations).");
        var withMomentum = Main.Where(r => r.Points.Any(p => p.CarriedProjection is not null)).ToList();
        if (withMomentum.Count > 0)
            report.Figure(context.Folder.SaveFigure(DesignChoicesCharts.CarriedShare(withMomentum, beta), "momentum_share"),
                "Momentum's share of each step's functional change (window means; solid: projection, dashed: magnitude) against β.");
        if (momentum is not null)
            report.Figure(context.Folder.SaveFigure(DesignChoicesCharts.MomentumVersusRescaled(momentum), "momentum_vs_rescaled"),
                "Top: the relative gap between SGD+momentum and SGD at γ/(1−β) and their argmax disagreement. Bottom: the Jacobian's drift along a fixed direction per momentum window, and the momentum run's exact Jacobian-change term.");
        var tabularAdam = tabular?.Runs.FirstOrDefault(r => r.Optimizer == OptimizerChoice.Adam);
        if (Adaptive.Any() || tabularAdam is not null)
            report.Figure(context.Folder.SaveFigure(DesignChoicesCharts.Alignment(Adaptive, tabularAdam, tabular?.Name ?? ""), "kernel_alignment"),
                "Alignment of the preconditioned kernel K^T with K over training (1 = same shape): plain (top) and double-centered (bottom).");
        if (tabular is { } tb)
            report.Figure(context.Folder.SaveFigure(DesignChoicesCharts.KernelWeights(tb.Runs, tb.Name), "kernel_weights"),
                $"{tb.Name}: normalized maximum kernel-row norm W(π) of the final kernels against the share of irregular inputs (a tree ensemble's rows are bounded: flat W is tree-like).");
        context.Folder.WriteReport(report.ToString());
    }

    private List<string> ComponentFindings()
    {
        var list = new List<string>();
        double worstGap = runs.Max(r => r.Points.Max(p => Math.Max(p.Train.SumGap, p.Test.SumGap)));
        list.Add($"The decomposition is exact: over every run and log step, max |Σ_c C_c − (f̃ − f_θ0)| = {F(worstGap)}.");
        foreach (var r in runs.Where(r => r.Role != SubRunRole.Identity))
        {
            var test = r.Final.Test;
            var train = r.Final.Train;
            list.Add($"**{r.Label}** (step {r.Final.Step}, test accuracy {F(test.Accuracy)}): " + string.Join("; ", test.ContributionAbs.Keys.Select(c =>
                $"{c} mean |C| = {F(train.ContributionAbs[c])} train / {F(test.ContributionAbs[c])} test, share {F(train.Projection[c])} / {F(test.Projection[c])}")) +
                $"; the network moved mean |f − f_θ0| = {F(train.MeanChange)} / {F(test.MeanChange)}; |f − f̃| = {F(test.ErrAbsTelescoping)} (test).");
        }
        return list;
    }

    /// <summary>Per input, at the true class: how often each component raised the correct logit (test probes).</summary>
    private List<string> LabelLogitFindings()
    {
        var list = new List<string>();
        int k = model.OutputSize;
        foreach (var r in runs.Where(r => r.Role != SubRunRole.Identity))
        {
            var parts = new List<string>();
            foreach (var c in Components)
            {
                if (!r.FinalContributions.TryGetValue(("test", c), out var v)) continue;
                var atLabel = Enumerable.Range(0, TestLabels.Length).Select(i => v[i * k + (int)TestLabels[i]]).ToList();
                parts.Add($"{c} raised it on {Pct(atLabel.Count(x => x > 0) / (double)atLabel.Count)} of them (mean {F(atLabel.Average())})");
            }
            list.Add($"{r.Label}, true-class logit of the test probes: {string.Join("; ", parts)}.");
        }
        return list;
    }

    private List<string> DecayFindings()
    {
        var list = new List<string>();
        foreach (var r in Decayed)
        {
            double maxDev = r.Points.Max(p => p.DecayStepDeviationMax ?? 0);
            double share = r.Final.Test.Projection[UpdateComponent.WeightDecay];
            list.Add(r.Homogeneous
                ? $"**{r.Label}** ({r.Net.Name}, homogeneous of degree L = {r.Degree}): the weight-decay contribution equals −γλL·f_{{t−1}} at every step to {F(maxDev)} (largest per-step relative deviation; cumulative {F(r.Final.DecayCumulativeDeviation)}) — shrinkage of the function itself. It ends at mean |C_wd| = {F(r.Final.Test.ContributionAbs[UpdateComponent.WeightDecay])}, share {F(share)} of f̃ − f_θ0 (test)."
                : $"**{r.Label}** ({r.Net.Name}, not homogeneous; prediction with L = {r.Degree}): per-step relative deviation from −γλL·f_{{t−1}} is {F(r.Points.Where(p => p.DecayStepDeviationMean is not null).Average(p => p.DecayStepDeviationMean!.Value))} on average (largest {F(maxDev)}), cumulative {F(r.Final.DecayCumulativeDeviation)} test / {F(r.Final.DecayCumulativeDeviationTrain)} train; mean |C_wd| = {F(r.Final.Test.ContributionAbs[UpdateComponent.WeightDecay])}, share {F(share)}.");
        }
        if (list.Count == 0) list.Add("No run had scalar weight-decay shrinkage (sgd_momentum_wd or adamw).");
        return list;
    }

    private List<string> MomentumFindings(double beta, int window)
    {
        var list = new List<string>();
        foreach (var r in Main.Where(r => r.Points.Any(p => p.CarriedProjection is not null)))
        {
            var shares = r.Points.Where(p => p.CarriedProjection is not null).ToList();
            string blending = r.Final.BlendingJacobianRelative is double b
                ? $"; blending decomposition at the end: ‖M_T‖/‖f̃_T − f_θ0‖ = {F(b)} (Jacobian change inside the window), undelivered gradient {F(r.Final.BlendingUndeliveredRelative)}"
                : "";
            list.Add($"**{r.Label}**: carried-over gradients make up a projection share {F(shares.Average(p => p.CarriedProjection!.Value))} (magnitude share {F(shares.Average(p => p.CarriedMagnitude!.Value))}) of the per-step functional change, averaged over training; last window {F(r.Final.CarriedProjection)} (a constant gradient would give β = {beta}){blending}.");
        }
        if (momentum is { } m)
        {
            var g = m.Final;
            list.Add($"**SGD+momentum (γ = {F(m.Momentum.LearningRate)}, β = {beta}) vs SGD at γ/(1−β) = {F(m.Rescaled.LearningRate)}**: at step {g.Step} the networks differ by mean |f_mom − f_sgd| = {F(g.Network)}, " +
                $"{F(g.RelativeNetwork)} of SGD's own function change (telescoping models: {F(g.Telescoped)}, relative {F(g.RelativeTelescoped)}); argmax disagreement {Pct(g.Disagreement)} of the test probes. " +
                (m.PartedAt is int p ? $"They parted (networks' relative gap > {F(m.Threshold)}) at step {p}." : $"The networks' relative gap never exceeded {F(m.Threshold)}."));
            double errMomentum = m.Momentum.Final.Test.ErrAbsTelescoping, errRescaled = m.Rescaled.Final.Test.ErrAbsTelescoping;
            list.Add($"The two telescoping models are not equally faithful: |f − f̃| at the end is {F(errMomentum)} for the momentum run and {F(errRescaled)} for SGD at γ/(1−β) ({F(errRescaled / errMomentum)}×) — " +
                "momentum delivers the same total step as ~1/(1−β) smaller updates, each linearized at a fresher Jacobian, so part of the telescoped gap is the rescaled run's own first-order error.");
            list.Add($"Jacobian drift per {window}-step window (relative change of J·v): mean {F(MeanOrNull(m.Momentum.Points.Select(p => p.JacobianDrift)))} in the momentum run, {F(MeanOrNull(m.Rescaled.Points.Select(p => p.JacobianDrift)))} in the rescaled run; " +
                $"Pearson correlation between the gap's growth per log interval and the drift: {F(m.GrowthDriftCorrelation)}; Spearman correlation across drift probes between the final per-input gap and the per-input drift: {F(m.PerInputRankCorrelation)}.");
        }
        if (list.Count == 0) list.Add("No momentum run (add sgd_momentum to optimizers).");
        return list;
    }

    private List<string> KernelFindings()
    {
        var list = new List<string>();
        foreach (var r in Adaptive)
        {
            var aligned = r.Points.Where(p => p.AlignmentTrain is not null).ToList();
            var (train, test, trainC, testC) = LastAlignment(r);
            list.Add($"**{r.Label} (MNIST)**: alignment of K^T with K at the last checkpoint {F(train)} (train×train) and {F(test)} (test×train), centered {F(trainC)} / {F(testC)}; " +
                $"lowest over training {F(aligned.Min(p => p.AlignmentTrain))} / {F(aligned.Min(p => p.AlignmentTest))} (centered {F(aligned.Min(p => p.AlignmentTrainCentered))} / {F(aligned.Min(p => p.AlignmentTestCentered))}), " +
                $"first checkpoint {F(aligned.FirstOrDefault()?.AlignmentTrain)} / {F(aligned.FirstOrDefault()?.AlignmentTest)} (centered {F(aligned.FirstOrDefault()?.AlignmentTrainCentered)} / {F(aligned.FirstOrDefault()?.AlignmentTestCentered)}).");
            if (r.Projection is { } c)
                list.Add($"{r.Label}: the random-projection estimate (R = {c.Directions}) of the final test×train K^T block vs the exact per-layer kernel: mean |K̂ − K^T|/SE = {F(c.MeanAbsZ)}, {Pct(c.FractionBeyond3Se)} of entries beyond 3 SE (≈ 0.3% expected for a normal error), mean SE / mean |K^T| = {F(c.RelativeSe)}, alignment(K̂, K^T) = {F(c.AlignmentEstimateVsExact)}.");
        }
        if (tabular is { } tab)
        {
            var sgd = tab.Runs.FirstOrDefault(r => r.Optimizer == OptimizerChoice.Sgd);
            var adam = tab.Runs.FirstOrDefault(r => r.Optimizer == OptimizerChoice.Adam);
            if (sgd is not null && adam is not null)
            {
                double dOwn = Math.Abs(adam.WOwn[^1].Mean - 1), dSgd = Math.Abs(sgd.WOwn[^1].Mean - 1);
                list.Add($"**{tab.Name}**: W(1) = {F(sgd.WOwn[^1].Mean)} ± {F(sgd.WOwn[^1].Std)} for SGD's K, {F(adam.WOwn[^1].Mean)} ± {F(adam.WOwn[^1].Std)} for Adam's K^T and {F(adam.WPlain[^1].Mean)} ± {F(adam.WPlain[^1].Std)} for the Adam network's plain K (mean ± sd over {S.GetInt("tab_repetitions")} repetitions); " +
                    $"mean kernel weight irregular/regular: SGD {F(sgd.Final.IrregularToRegularOwn)}, Adam K^T {F(adam.Final.IrregularToRegularOwn)}, Adam K {F(adam.Final.IrregularToRegularPlain)}. " +
                    $"By W(1), Adam's functional kernel is {(dOwn < dSgd ? "closer to" : "further from")} the flat, tree-like W = 1 than SGD's ({F(dOwn)} vs {F(dSgd)} away)" +
                    (Math.Abs(adam.WOwn[^1].Mean - sgd.WOwn[^1].Mean) <= adam.WOwn[^1].Std + sgd.WOwn[^1].Std ? ", a difference within the repetitions' spread." : ", beyond the repetitions' spread (sum of the two sds).") +
                    $" Alignment of Adam's K^T with K: {F(adam.Final.AlignmentTrain)} (train×train), {F(adam.Final.AlignmentTest)} (test×train); centered {F(adam.Final.AlignmentTrainCentered)} / {F(adam.Final.AlignmentTestCentered)}.");
            }
        }
        if (list.Count == 0) list.Add("No adaptive optimizer ran and no tabular part ran.");
        return list;
    }
}
