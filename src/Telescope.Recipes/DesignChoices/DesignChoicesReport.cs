using static Telescope.Recipes.DesignChoices.DesignChoicesFindings;

namespace Telescope.Recipes.DesignChoices;

/// <summary>The report of the design-choices run: definitions, setup, verdicts, findings per design choice, tables, figures.</summary>
internal sealed partial class DesignChoicesOutput
{
    public void WriteReport()
    {
        double beta = s.Optimizer.Momentum;
        int window = (int)Math.Round(1 / (1 - beta));
        var report = context.CreateReport("What each design choice does to the function",
        [
            ("f̃ and its components", "f̃_t = f̃_{t−1} + J_{t−1}(x)·Δθ_t with Δθ_t the exact applied update, split Δθ_t = Σ_c Δθ_t^(c) (docs/method.md §2): " +
                "gradient = the current step's loss gradient (SGD: −γ∇; Adam: −c_t(1−β1) T_t ⊙ ∇), momentum = what is carried from earlier steps " +
                "(SGD: −γβ b_{t−1}; Adam: −c_t β1 T_t ⊙ m_{t−1}), weight_decay = −γλθ_{t−1} (coupled SGD: the current step's decay; AdamW: decoupled)"),
            ("contribution C_c(x)", "Σ_t J_{t−1}(x)·Δθ_t^(c) on the probes; reported as mean |C_c| over probes and logits and as its projection share ⟨C_c, f̃_T − f_θ0⟩/‖f̃_T − f_θ0‖² (shares sum to 1)"),
            ("decomposition gap", "max |Σ_c C_c − (f̃_T − f_θ0)| over probes and logits (zero up to float64 rounding)"),
            ("weight-decay identity", "for a bias-free ReLU MLP with L weight layers J(x)·θ = L·f(x), so J_{t−1}·Δθ^wd_t = −s_t·L·f_{θ_{t−1}}(x) with s_t = γλ; " +
                "per-step deviation = ‖J_{t−1}·Δθ^wd_t − (−s_t L f_{t−1})‖_F/‖s_t L f_{t−1}‖_F on the test probes (the largest per log window is plotted), cumulative = the same for the sums over steps"),
            ("carried share", "per step on the test probes: magnitude ‖Δf^mom‖/Σ_c‖Δf^(c)‖ and projection ⟨Δf^mom, Δf⟩/‖Δf‖² (→ β for a constant gradient), averaged over each log window"),
            ("momentum blending", "heavy ball, constant γ: f̃_T − f_θ0 = (Σ_s c_s − E_T)/(1−β) + M_T with c_s = J_{s−1}·(current-gradient part of Δθ_s), E_T = β(E_{T−1} + c_T) " +
                "the gradient not yet delivered; M_T = Σ_s Σ_{t≥s} β^{t−s}(J_{t−1} − J_{s−1})(−γ g_s) is exactly the Jacobian's change inside the window (0 for a linear model); reported as ‖M_T‖/‖f̃_T − f_θ0‖"),
            ("Jacobian drift", $"‖J_t v − J_{{t−W}} v‖_F/‖J_{{t−W}} v‖_F on {s.DriftProbes} test probes, v a fixed N(0, I) direction (drawn from the run's seed), W = round(1/(1−β)) = {window} steps"),
            ("momentum vs rescaled SGD", $"SGD at γ/(1−β) from the same initialization and batches (same seed); relative gap = mean |f_mom,t − f_sgd,t| / mean |f_sgd,t − f_θ0| on the test probes for the networks, and the same with f̃ for the telescoping models; parted = first log step with the networks' relative gap > part_threshold = {s.PartThreshold}"),
            ("K, K^T, alignment", "trace kernels K(x, x′) = (1/k) tr J(x)J(x′)ᵀ and K^T = (1/k) tr J(x) T J(x′)ᵀ with T = 1/(sqrt(v̂_t) + ε) Adam's preconditioner of the last step, computed exactly per layer; alignment = ⟨K^T, K⟩_F/(‖K^T‖‖K‖); centered alignment = the same after double-centering both blocks (row and column means removed), insensitive to a shared constant offset"),
            ("w(x), W(π)", "w(x) = ‖K(x, X_train)‖₂ (the kernel that drives the optimizer's functional step: K for SGD, K^T for Adam; 'plain' = K of the Adam network); W(π) = repetition mean of max_{T_π} w / max_{T_0} w (docs/method.md §7); irregular/regular = mean w over irregular tracked rows / mean w over regular ones"),
            ("seeds", Seeded
                ? $"{Seeds.Count} repetitions (seeds {string.Join(", ", Seeds)}): each seed draws the initialization, the batch order, the drift direction and the projection check; the data, the probes and the tabular split and T_π draws come from seed {context.Seed} and are shared. Values are mean ± sd over the seeds; figures show the mean with a ±1 sd band"
                : $"one repetition (seed {context.Seed}): every number below rests on a single training run per arm"),
        ]);

        var identityNets = findings.Arms.Where(a => a.First.Role == SubRunRole.Identity).Select(a => a.First.Net.Name).Distinct().ToList();
        report.Heading("Setup").Bullets(
        [
            $"Data: {facts.DataDescription}." + (facts.IsSynthetic ? " **These are not MNIST**: no data folder was given; pass `--data DIR` or set `TELESCOPE_DATA`." : ""),
            $"Main network: MLP {facts.Layers}, {facts.Activation}, biases, {facts.DType}, cross-entropy, batch {s.BatchSize}, {s.Steps} steps; within a seed every sub-run starts from the same initialization and sees the same batches.",
            $"Tracked: {s.TrainProbes} training and {s.TestProbes} test images, every update component, float64 accumulators; kernels on {s.KernelTrain} train × {s.KernelTest} test probes every {s.KernelEvery} steps.",
            .. findings.MainArms.Select(a => $"{a.Name}: {a.First.Description(s.Optimizer)}."),
            .. findings.Arms.Where(a => a.First.Role == SubRunRole.Rescaled).Select(a => $"{a.Name}: {a.First.Description(s.Optimizer)} (the classical equivalent of sgd_momentum)."),
            identityNets.Count == 0 ? "No extra weight-decay identity nets." :
                $"Weight-decay identity nets: {string.Join(", ", identityNets)} with {string.Join(", ", s.IdentityOptimizers)}, {s.IdentitySteps} steps each (same data, same probes).",
            facts.Tabular is { } t
                ? $"Tabular kernel part: {t.Name}, n = {t.TrainRows} training rows, {t.TrackedRows} tracked test rows ({t.IrregularTrackedRows} irregular), T_π with m = {s.Tabular.TestSize}, R = {s.Tabular.Repetitions}; MLP {t.Features}-{string.Join("-", s.Tabular.Hidden)}-1 ReLU, squared loss ½(f − y)², batch {s.Tabular.BatchSize}, {s.Tabular.Steps} steps; SGD lr {s.Tabular.SgdRate}, Adam lr {s.Tabular.AdamRate} (same init and batches within a seed)."
                : "Tabular kernel part: not run (no data folder, or tabular=none).",
            Seeded ? $"Seeds: {string.Join(", ", Seeds)} ({Seeds.Count} repetitions of every arm)." : $"Seeds: one repetition (seed {context.Seed}).",
            $"Cost: {findings.Runs.Count + findings.TabularArms.Sum(a => a.Runs.Count)} sub-runs ({findings.Arms.Count + findings.TabularArms.Count} arms × {Seeds.Count} seed{(Seeded ? "s" : "")}) took " +
                $"{F(findings.Runs.Sum(r => r.WallTime.TotalSeconds) + findings.TabularArms.Sum(a => a.Runs.Sum(r => r.WallTime.TotalSeconds)))} s of training in total; every extra seed repeats all of them.",
        ]);

        report.Heading("Findings");
        report.Heading("Verdicts", 3).Paragraph(VerdictBasis()).Bullets(findings.Verdicts.Select(v => v.Verdict.About(v.Claim)).ToList());
        report.Heading("1. Functional contribution of each component", 3).Bullets(ComponentFindings());
        report.Table(findings.Compared, [
            ("run", a => a.Name), ("lr", a => a.First.LearningRate), ("test acc", a => Cell(a.Runs.Select(r => r.Final.Test.Accuracy))),
            ("|f − f_θ0| test", a => Cell(a.Runs.Select(r => (double?)r.Final.Test.MeanChange))),
            .. Components.Select(c => ($"|C_{c}| test", (Func<Arm, object?>)(a => Cell(a.Runs.Select(r => r.Final.Test.ContributionAbs.TryGetValue(c, out var v) ? v : (double?)null))))),
            .. Components.Select(c => ($"share {c} test", (Func<Arm, object?>)(a => Cell(a.Runs.Select(r => r.Final.Test.Projection.TryGetValue(c, out var v) ? v : (double?)null))))),
            ("decomp. gap", a => a.Runs.Max(r => Math.Max(r.Final.Train.SumGap, r.Final.Test.SumGap))),
            ("seconds", a => Math.Round(a.Runs.Sum(r => r.WallTime.TotalSeconds), 1)),
        ]);
        report.Paragraph($"Per input: `{PerInputFileName}` holds, for every probe, ‖C_c(x)‖₂ over the logits and C_c(x) at the true class for each run and component." +
            (Seeded ? " The decomposition gap is the largest over the seeds; seconds are summed over them." : ""));
        report.Bullets(LabelLogitFindings());
        report.Heading("2. Weight decay is functional shrinkage", 3).Paragraph(DecayFindings());
        report.Table(findings.Decayed, [
            ("run", a => a.Name), ("net", a => a.First.Net.Name), ("homogeneous", a => a.First.Homogeneous ? "yes" : "no"), ("L", a => a.First.Degree),
            ("max step dev.", a => Cell(a.Runs.Select(r => (double?)MaxStepDeviation(r)))),
            ("mean step dev.", a => Cell(a.Runs.Select(r => (double?)MeanStepDeviation(r)))),
            ("cumulative dev. test", a => Cell(a.Runs.Select(r => r.Final.DecayCumulativeDeviation))),
            ("cumulative dev. train", a => Cell(a.Runs.Select(r => r.Final.DecayCumulativeDeviationTrain))),
            ("|C_wd| test", a => Cell(a.Runs.Select(r => (double?)r.Final.Test.ContributionAbs[UpdateComponent.WeightDecay]))),
            ("share wd test", a => Cell(a.Runs.Select(r => (double?)r.Final.Test.Projection[UpdateComponent.WeightDecay]))),
        ]);
        report.Heading("3. Momentum is exponential blending", 3).Bullets(MomentumFindings(beta, window));
        report.Heading("4. Adaptive learning rates change the kernel", 3).Bullets(KernelFindings());
        if (facts.Tabular is { } tab)
        {
            string spread = Seeded ? $"mean ± sd over {Seeds.Count} seeds" : $"mean ± sd over {s.Tabular.Repetitions} repetitions of the T_π draws";
            report.Paragraph($"**{tab.Name}**: the kernel that drives each network's functional step ('own': SGD's K, Adam's K^T) against the Adam " +
                $"network's plain K; W(1) is the {spread}. Whether Adam's K^T is closer to the flat W = 1 than SGD's K is judged in the verdicts above.");
            report.Table(findings.TabularArms, [
                ("optimizer", a => a.Optimizer), ("lr", a => a.First.LearningRate), ("train MSE", a => Cell(a.Runs.Select(r => (double?)r.Final.TrainMse))),
                ("test MSE regular", a => Cell(a.Runs.Select(r => (double?)r.TestMseRegular))), ("test MSE irregular", a => Cell(a.Runs.Select(r => (double?)r.TestMseIrregular))),
                ("W(1) own kernel", a => W1(a, r => r.WOwn)), ("W(1) plain K", a => W1(a, r => r.WPlain)),
                ("irregular/regular own", a => Cell(a.Runs.Select(r => (double?)r.Final.IrregularToRegularOwn))),
                ("irregular/regular plain", a => Cell(a.Runs.Select(r => (double?)r.Final.IrregularToRegularPlain))),
                ("alignment train", a => Cell(a.Runs.Select(r => (double?)r.Final.AlignmentTrain))), ("alignment test", a => Cell(a.Runs.Select(r => (double?)r.Final.AlignmentTest))),
                ("centered train", a => Cell(a.Runs.Select(r => (double?)r.Final.AlignmentTrainCentered))), ("centered test", a => Cell(a.Runs.Select(r => (double?)r.Final.AlignmentTestCentered))),
            ]);
        }
        if (facts.IsSynthetic)
            report.Paragraph("The MNIST-part numbers come from the built-in synthetic images, not MNIST.");

        report.Heading("Figures");
        string band = Seeded ? $" Lines: mean over {Seeds.Count} seeds; bands: ±1 sd." : "";
        foreach (var arm in findings.Compared)
            report.Figure(context.Folder.SaveFigure(DesignChoicesCharts.Contributions(arm), $"contributions_{arm.Name}"),
                $"{arm.Name}: mean |cumulative contribution| of each component against step, train probes (top) and test probes (bottom); dashed: the network's own change.{band}");
        if (findings.Decayed.Any())
            report.Figure(context.Folder.SaveFigure(DesignChoicesCharts.DecayIdentity(findings.Decayed), "weight_decay_identity"),
                $"Largest per-step relative deviation of the weight-decay contribution from −s·L·f_{{t−1}} in each log window (solid: homogeneous nets, where it is rounding; dashed: biases or non-ReLU activations).{band}");
        var withMomentum = findings.WithMomentum.ToList();
        if (withMomentum.Count > 0)
            report.Figure(context.Folder.SaveFigure(DesignChoicesCharts.CarriedShare(withMomentum, beta), "momentum_share"),
                $"Momentum's share of each step's functional change (window means; solid: projection, dashed: magnitude) against β.{band}");
        if (findings.Comparisons.Count > 0)
            report.Figure(context.Folder.SaveFigure(DesignChoicesCharts.MomentumVersusRescaled(findings.Comparisons), "momentum_vs_rescaled"),
                $"Top: the relative gap between SGD+momentum and SGD at γ/(1−β) and their argmax disagreement. Bottom: the Jacobian's drift along a fixed direction per momentum window, and the momentum run's exact Jacobian-change term.{band}");
        var tabularAdam = findings.TabularAdam;
        if (findings.Adaptive.Any() || tabularAdam is not null)
            report.Figure(context.Folder.SaveFigure(DesignChoicesCharts.Alignment(findings.Adaptive, tabularAdam, facts.Tabular?.Name ?? ""), "kernel_alignment"),
                $"Alignment of the preconditioned kernel K^T with K over training (1 = same shape): plain (top) and double-centered (bottom).{band}");
        if (facts.Tabular is { } tb)
            report.Figure(context.Folder.SaveFigure(DesignChoicesCharts.KernelWeights(findings.TabularArms, tb.Name), "kernel_weights"),
                $"{tb.Name}: normalized maximum kernel-row norm W(π) of the final kernels against the share of irregular inputs (a tree ensemble's rows are bounded: flat W is tree-like).{band}");
        context.Folder.WriteReport(report.ToString());
    }

    /// <summary>How the verdicts' thresholds and noise were set, for the report.</summary>
    private string VerdictBasis() =>
        s.Verdicts.Describe() + " Design-choices thresholds: " +
        $"{DesignChoicesSettings.DecompositionToleranceName} = {F(s.DecompositionTolerance)}, " +
        $"{DesignChoicesSettings.IdentityToleranceName} = {F(s.IdentityTolerance)} (exact identities: the worst case over every run and seed must be within them), " +
        $"{DesignChoicesSettings.MisalignmentName} = {F(s.KernelMinMisalignment)}, part_threshold = {F(s.PartThreshold)}. " +
        (Seeded
            ? $"Noise: the spread over the {Seeds.Count} seeds (standard error sd/√{Seeds.Count} of the seed mean)."
            : "Noise: one seed, so the seed-to-seed spread is not measured: the kernel difference is judged as exact numbers by its threshold alone, and a correlation against the null standard error 1/√(n − 3) of a correlation of n pairs.");

    /// <summary>W(1): with one seed, mean ± sd over the R test-set draws; with several, mean ± sd over the seeds of the draw means.</summary>
    private string W1(TabularArm a, Func<TabularKernelRun, RepetitionSpread[]> pick) =>
        Seeded ? T(a.Runs.Select(r => (double?)pick(r)[^1].Mean)) : $"{F(pick(a.First)[^1].Mean)} ± {F(pick(a.First)[^1].Std)}";

    private List<string> ComponentFindings() => findings.Compared.Select(a =>
        $"**{a.Name}** (step {a.First.Final.Step}, test accuracy {T(a.Runs.Select(r => r.Final.Test.Accuracy))}): " + string.Join("; ", a.First.Final.Test.ContributionAbs.Keys.Select(c =>
            $"{c} mean |C| = {T(a.Runs.Select(r => (double?)r.Final.Train.ContributionAbs[c]))} train / {T(a.Runs.Select(r => (double?)r.Final.Test.ContributionAbs[c]))} test, " +
            $"share {T(a.Runs.Select(r => Finite(r.Final.Train.Projection[c])))} / {T(a.Runs.Select(r => Finite(r.Final.Test.Projection[c])))}")) +
            $"; the network moved mean |f − f_θ0| = {T(a.Runs.Select(r => (double?)r.Final.Train.MeanChange))} / {T(a.Runs.Select(r => (double?)r.Final.Test.MeanChange))}; " +
            $"|f − f̃| = {T(a.Runs.Select(r => (double?)r.Final.Test.ErrAbsTelescoping))} (test).").ToList();

    /// <summary>Per input, at the true class: how often each component raised the correct logit (test probes).</summary>
    private List<string> LabelLogitFindings()
    {
        var list = new List<string>();
        int k = facts.Outputs;
        var labels = facts.TestProbeLabels;
        foreach (var a in findings.Compared)
        {
            var parts = new List<string>();
            foreach (var c in Components)
            {
                string key = DecompositionRun.ContributionKey("test", c);
                if (!a.First.FinalContributions.ContainsKey(key)) continue;
                var atLabel = a.Runs.Select(r => Enumerable.Range(0, labels.Length).Select(i => r.FinalContributions[key][i * k + (int)labels[i]]).ToList()).ToList();
                parts.Add($"{c} raised it on {PctOf(atLabel.Select(v => v.Count(x => x > 0) / (double)v.Count))} of them (mean {T(atLabel.Select(v => (double?)v.Average()))})");
            }
            list.Add($"{a.Name}, true-class logit of the test probes: {string.Join("; ", parts)}.");
        }
        return list;
    }

    /// <summary>A share in percent: the value with one seed, "mean ± sd" over the seeds with several.</summary>
    private string PctOf(IEnumerable<double> shares) => Seeded ? SeedAggregate.Text(shares, Pct) : Pct(shares.First());

    /// <summary>How to read the weight-decay table (its numbers are not repeated here).</summary>
    private string DecayFindings() => !findings.Decayed.Any() ? "No run had scalar weight-decay shrinkage (sgd_momentum_wd or adamw)." :
        "Per run: the per-step relative deviation of the weight-decay contribution from −γλL·f_{t−1} (largest and mean over the steps), the " +
        "same for its sums over the steps on the test and train probes, and mean |C_wd| with its share of f̃ − f_θ0 (test probes). On a homogeneous " +
        "net (L = its degree) the step deviation bounds how closely the weight-decay contribution equals −γλL·f_{t−1} at every step — shrinkage " +
        "of the function itself; on the others (L = the number of weight layers) it measures how far that prediction is off.";

    private List<string> MomentumFindings(double beta, int window)
    {
        var list = new List<string>();
        foreach (var a in findings.WithMomentum)
        {
            double Mean(DecompositionRun r, Func<DecompositionPoint, double?> pick) => r.Points.Where(p => pick(p) is not null).Average(p => pick(p)!.Value);
            string blending = a.First.Final.BlendingJacobianRelative is not null
                ? $"; blending decomposition at the end: ‖M_T‖/‖f̃_T − f_θ0‖ = {T(a.Runs.Select(r => r.Final.BlendingJacobianRelative))} (Jacobian change inside the window), undelivered gradient {T(a.Runs.Select(r => r.Final.BlendingUndeliveredRelative))}"
                : "";
            list.Add($"**{a.Name}**: carried-over gradients make up a projection share {T(a.Runs.Select(r => (double?)Mean(r, p => p.CarriedProjection)))} (magnitude share {T(a.Runs.Select(r => (double?)Mean(r, p => p.CarriedMagnitude)))}) of the per-step functional change, averaged over training; last window {T(a.Runs.Select(r => r.Final.CarriedProjection))} (a constant gradient would give β = {beta}){blending}.");
        }
        if (findings.Comparisons.Count > 0)
        {
            var m = findings.Comparisons[0];
            var parted = findings.Comparisons.Select(c => c.PartedAt).ToList();
            string partedText = parted.All(p => p is null) ? $"The networks' relative gap never exceeded {F(m.Threshold)}{(Seeded ? " in any seed" : "")}."
                : Seeded ? $"They parted (networks' relative gap > {F(m.Threshold)}) at step {string.Join(", ", parted.Select(p => p?.ToString() ?? "never"))} (seeds {string.Join(", ", Seeds)})."
                : $"They parted (networks' relative gap > {F(m.Threshold)}) at step {parted[0]}.";
            list.Add($"**SGD+momentum (γ = {F(m.Momentum.LearningRate)}, β = {beta}) vs SGD at γ/(1−β) = {F(m.Rescaled.LearningRate)}**: at step {m.Final.Step} the networks differ by mean |f_mom − f_sgd| = {T(findings.Comparisons.Select(c => (double?)c.Final.Network))}, " +
                $"{T(findings.Comparisons.Select(c => Finite(c.Final.RelativeNetwork)))} of SGD's own function change (telescoping models: {T(findings.Comparisons.Select(c => (double?)c.Final.Telescoped))}, relative {T(findings.Comparisons.Select(c => Finite(c.Final.RelativeTelescoped)))}); " +
                $"argmax disagreement {PctOf(findings.Comparisons.Select(c => c.Final.Disagreement))} of the test probes. " + partedText);
            var ratio = findings.Comparisons.Select(c => (double?)(c.Rescaled.Final.Test.ErrAbsTelescoping / c.Momentum.Final.Test.ErrAbsTelescoping)).ToList();
            list.Add($"The two telescoping models are not equally faithful: |f − f̃| at the end is {T(findings.Comparisons.Select(c => (double?)c.Momentum.Final.Test.ErrAbsTelescoping))} for the momentum run and {T(findings.Comparisons.Select(c => (double?)c.Rescaled.Final.Test.ErrAbsTelescoping))} for SGD at γ/(1−β) ({T(ratio)}×) — " +
                "momentum delivers the same total step as ~1/(1−β) smaller updates, each linearized at a fresher Jacobian, so part of the telescoped gap is the rescaled run's own first-order error.");
            list.Add($"Jacobian drift per {window}-step window (relative change of J·v): mean {T(findings.Comparisons.Select(c => MeanOrNull(c.Momentum.Points.Select(p => p.JacobianDrift))))} in the momentum run, {T(findings.Comparisons.Select(c => MeanOrNull(c.Rescaled.Points.Select(p => p.JacobianDrift))))} in the rescaled run; " +
                $"Pearson correlation between the gap's growth per log interval and the drift: {T(findings.Comparisons.Select(c => Finite(c.GrowthDriftCorrelation)))}; Spearman correlation across drift probes between the final per-input gap and the per-input drift: {T(findings.Comparisons.Select(c => Finite(c.PerInputRankCorrelation)))} (their verdicts are above).");
        }
        if (list.Count == 0) list.Add("No momentum run (add sgd_momentum to optimizers).");
        return list;
    }

    private List<string> KernelFindings()
    {
        var list = new List<string>();
        foreach (var a in findings.Adaptive)
        {
            string Of(Func<DecompositionRun, double?> pick) => T(a.Runs.Select(pick));
            double? Lowest(DecompositionRun r, Func<DecompositionPoint, double?> pick) => r.Points.Where(p => pick(p) is not null).Min(pick);
            double? FirstOf(DecompositionRun r, Func<DecompositionPoint, double?> pick) => r.Points.Where(p => pick(p) is not null).Select(pick).FirstOrDefault();
            list.Add($"**{a.Name} (MNIST)**: alignment of K^T with K at the last checkpoint {Of(r => LastAlignment(r).Train)} (train×train) and {Of(r => LastAlignment(r).Test)} (test×train), centered {Of(r => LastAlignment(r).TrainCentered)} / {Of(r => LastAlignment(r).TestCentered)}; " +
                $"lowest over training {Of(r => Lowest(r, p => p.AlignmentTrain))} / {Of(r => Lowest(r, p => p.AlignmentTest))} (centered {Of(r => Lowest(r, p => p.AlignmentTrainCentered))} / {Of(r => Lowest(r, p => p.AlignmentTestCentered))}), " +
                $"first checkpoint {Of(r => FirstOf(r, p => p.AlignmentTrain))} / {Of(r => FirstOf(r, p => p.AlignmentTest))} (centered {Of(r => FirstOf(r, p => p.AlignmentTrainCentered))} / {Of(r => FirstOf(r, p => p.AlignmentTestCentered))}).");
            if (a.First.Projection is { } c)
                list.Add($"{a.Name}: the random-projection estimate (R = {c.Directions}) of the final test×train K^T block vs the exact per-layer kernel: mean |K̂ − K^T|/SE = {Of(r => r.Projection?.MeanAbsZ)}, {PctOf(a.Runs.Select(r => r.Projection!.FractionBeyond3Se))} of entries beyond 3 SE (≈ 0.3% expected for a normal error), mean SE / mean |K^T| = {Of(r => r.Projection?.RelativeSe)}, alignment(K̂, K^T) = {Of(r => r.Projection?.AlignmentEstimateVsExact)}.");
        }
        if (list.Count == 0 && facts.Tabular is null) list.Add("No adaptive optimizer ran and no tabular part ran.");
        return list;
    }
}
