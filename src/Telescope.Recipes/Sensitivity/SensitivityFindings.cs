namespace Telescope.Recipes.Sensitivity;

/// <summary>
/// Report sentences about p_net (docs/method.md §5.2), the surrogate's stability (docs/method.md §5.3) and where the smoother's p can be
/// trusted, shared by the recipes. A p_net whose linearity check fails is reported as a finite-σ response, not as a
/// measurement of the first-order label response.
/// </summary>
internal static class SensitivityFindings
{
    /// <summary>Definitions of the report: p_net, its checks, λ and the bound.</summary>
    public static IEnumerable<(string Term, string Definition)> Definitions(SensitivitySettings s, StabilityBound? bound, bool retraining)
    {
        if (retraining)
        {
            yield return ("p_net_train, p_net_test (retraining estimate)",
                $"the network's own label sensitivity (docs/method.md §5.2): members retrained from the same θ_0 with the same batches on Y ± σV_d, V_d Rademacher over all n·k label entries (d = 1..D = {s.Directions}, the same V_d as the Hutchinson smoother's first D), σ = {F(s.Sigma)}; ŝ_d = (f_{{Y+σV_d}} − f_{{Y−σV_d}})/(2σ), p_net = n/(|I|·k)·mean_d Σ_{{x∈I}} ||ŝ_d(x)||², ± = standard error over d; " + (s.SeparatePairs
                    ? "each ±σ pair trained as a sub-run of its own (sensitivity_members = separate) with the recipe's thread count and combined afterwards: the same numbers as lockstep members"
                    : "all members run in lockstep in one process with the recipe's thread count"));
            yield return ("sensitivity_linearity", $"p_0(σ)/p_0(σ/4) along V_0 (1 for a response linear in the labels); the response counts as linear at σ where |p_0(σ) − p_0(σ/4)| ≤ {F(s.LinearitySe)} standard error(s) of p_net (setting sensitivity_linearity_se); elsewhere p_net is a finite-σ response, NOT a measurement of the first-order sensitivity");
            yield return ("chaos floor (sensitivity_floor)", "mean |f_{Y+σ′V_0} − f_{Y−σ′V_0}| over the test inputs and outputs at the smallest σ′ run (σ/4); sensitivity_difference is the same at σ. A linear response has difference/floor = 4; a floor-dominated (chaotic) one ≈ 1");
            yield return ("p − p_net (paired)", $"the smoother's p_d minus the network's p_net,d along the same V_d, averaged over the shared directions, with its SE; the two agree at a logged step when |p − p_net| ≤ {F(s.AgreementSe)} SE (setting agreement_se) or ≤ {Pct(s.AgreementRelative)} of p_net (setting agreement_relative; the paired SE is so small that 1% differences are many SE), on both sets");
        }
        if (bound is not null)
            yield return ("surrogate_sharpness λ_t", $"largest eigenvalue of the surrogate's one-step map on the batch residuals A_t = γ_t·c·J_B T_t J_Bᵀ/|B| (docs/method.md §5.3; T_t = I for SGD, Adam's realized preconditioner for Adam(W)) by {s.StabilityIterations} power iterations at most with VJP/JVP products (a Rayleigh quotient: never above the true λ_max); bound {bound.Description} (setting stability_bound); step_surrogate_unstable = the first logged step with λ_t above it");
    }

    /// <summary>Findings for one sub-run.</summary>
    /// <param name="label">The sub-run's name.</param>
    /// <param name="points">Its sensitivity points in step order.</param>
    /// <param name="bound">The stability bound, or null when λ was not measured.</param>
    /// <param name="smootherP">The smoother's (step, p_train, p_test), or empty without a smoother.</param>
    /// <param name="pTrainLimit">p_train above this counts as a blow-up of the surrogate.</param>
    /// <param name="agreementSe">Agreement threshold in SEs.</param>
    /// <param name="agreementRelative">Agreement threshold as a fraction of p_net (either threshold suffices).</param>
    /// <param name="describeNetwork">Include the final p_net and linearity sentences (off where a table already shows them).</param>
    public static IEnumerable<string> For(string label, IReadOnlyList<SensitivityPoint> points, StabilityBound? bound,
        IReadOnlyList<(int Step, double PTrain, double PTest)> smootherP, double pTrainLimit, double agreementSe, double agreementRelative,
        bool describeNetwork = true)
    {
        var measured = points.Where(p => p.Step > 0 && p.Train is not null).ToList();
        if (measured.Count > 0 && describeNetwork)
        {
            var last = measured[^1];
            yield return $"{label} — p_net at step {last.Step} (retraining, σ = {F(last.Train!.Sigma)}): {Describe(last.Train)} on the training set, {Describe(last.Test!)} on the test set; " +
                (last.Test!.LinearityValue is null
                    ? $"mean |Δf| {F(last.Test.MeanDifference)} at σ (no smaller σ was run, so the chaos floor was not measured)."
                    : $"chaos floor {F(last.Test.FloorDifference)} at σ/4 against {F(last.Test.MeanDifference)} at σ (ratio {F(last.Test.MeanDifference / last.Test.FloorDifference)}; 4 if linear, ≈ 1 if floor-dominated).");
            int linear = measured.Count(p => p.Train!.IsLinear == true && p.Test!.IsLinear == true);
            if (measured[0].Train!.IsLinear is not null)
                yield return $"{label} — the label response is linear at σ (both sets) at {linear} of {measured.Count} logged steps" +
                    (measured.FirstOrDefault(p => p.Train!.IsLinear != true || p.Test!.IsLinear != true) is { } bad
                        ? $"; first not linear at logged step {bad.Step} (p_0(σ)/p_0(σ/4) = {F(bad.Train!.LinearityRatio ?? double.NaN)} train, {F(bad.Test!.LinearityRatio ?? double.NaN)} test)."
                        : ".");
        }

        SensitivityPoint? unstable = bound is null ? null : SensitivityColumns.FirstUnstable(points, bound);
        var firstBlowUp = smootherP.FirstOrDefault(p => p.Step > 0 && !(p.PTrain <= pTrainLimit && double.IsFinite(p.PTest)));
        if (bound is not null && points.Any(p => p.Sharpness is not null))
        {
            var sharp = points.Where(p => p.Sharpness is not null).ToList();
            yield return $"{label} — surrogate sharpness λ_t: {F(sharp[0].Sharpness!.Value)} at logged step {sharp[0].Step}, {F(sharp[^1].Sharpness!.Value)} at {sharp[^1].Step} (max {F(sharp.Max(p => p.Sharpness!.Value))}); " +
                (unstable is null ? $"it stays below the bound {F(bound.Value)} at every logged step." : $"**first above the bound {F(bound.Value)} at logged step {unstable.Step}** (λ = {F(unstable.Sharpness!.Value)}); above it at {sharp.Count(p => !(p.Sharpness <= bound.Value))} of {sharp.Count} logged steps" +
                    (sharp.Last(p => p.Sharpness <= bound.Value) is var lastStable && lastStable != sharp[^1] ? $", and at every one after logged step {lastStable.Step}." : sharp.All(p => !(p.Sharpness <= bound.Value)) ? ", i.e. at all." : $"; below it again at the end.")) +
                (smootherP.Count == 0 ? "" : firstBlowUp.Step > 0 ? $" The smoother's p_train first exceeds {F(pTrainLimit)} at logged step {firstBlowUp.Step}." : $" The smoother's p_train never exceeds {F(pTrainLimit)}.");
        }

        var (compared, trusted) = Trust(points, bound, smootherP, pTrainLimit, agreementSe, agreementRelative);
        if (compared.Count > 0)
        {
            bool Agrees(SensitivityPoint p) => AgreesAt(p, agreementSe, agreementRelative);
            int agree = compared.Count(Agrees);
            var firstDisagree = compared.FirstOrDefault(p => !Agrees(p));
            yield return $"{label} — smoother p and p_net agree (paired, within {F(agreementSe)} SE or {Pct(agreementRelative)} on both sets) at {agree} of {compared.Count} logged steps" +
                (firstDisagree is null ? "." : $"; first disagreement at logged step {firstDisagree.Step} (p − p_net = {F(firstDisagree.TrainAgreement!.Value.Difference)} ± {F(firstDisagree.TrainAgreement.Value.StandardError)} train, {F(firstDisagree.TestAgreement!.Value.Difference)} ± {F(firstDisagree.TestAgreement.Value.StandardError)} test).");
            yield return trusted.Count == 0
                ? $"{label} — **the surrogate's p is not trustworthy at any compared logged step** (unstable, blown up, or disagreeing with p_net from the first one)."
                : $"{label} — the surrogate's p is trustworthy (stable, p_train ≤ {F(pTrainLimit)}, agreeing with p_net) through logged step {trusted[^1].Step}" +
                  (trusted.Count == compared.Count ? ", i.e. throughout." : "; after that, read p_net.");
        }
    }

    /// <summary>
    /// Where the smoother's p can be trusted: the logged steps at which p and p_net were compared, and the prefix of them at
    /// which the surrogate is stable (λ_t within the bound, docs/method.md §5.3), its p_train has not blown up
    /// (≤ <paramref name="pTrainLimit"/>) and p agrees with p_net (paired, within <paramref name="agreementSe"/> SE or
    /// <paramref name="agreementRelative"/> of p_net on both sets). The final p is trustworthy when the prefix is all of them;
    /// with no compared step there is no rating.
    /// </summary>
    public static (IReadOnlyList<SensitivityPoint> Compared, IReadOnlyList<SensitivityPoint> Trusted) Trust(IReadOnlyList<SensitivityPoint> points,
        StabilityBound? bound, IReadOnlyList<(int Step, double PTrain, double PTest)> smootherP, double pTrainLimit, double agreementSe, double agreementRelative)
    {
        var compared = points.Where(p => p.TrainAgreement is not null && p.TestAgreement is not null).ToList();
        SensitivityPoint? unstable = bound is null ? null : SensitivityColumns.FirstUnstable(points, bound);
        var firstBlowUp = smootherP.FirstOrDefault(p => p.Step > 0 && !(p.PTrain <= pTrainLimit && double.IsFinite(p.PTest)));
        var trusted = compared.TakeWhile(p => AgreesAt(p, agreementSe, agreementRelative)
            && (unstable is null || p.Step < unstable.Step) && (firstBlowUp.Step <= 0 || p.Step < firstBlowUp.Step)).ToList();
        return (compared, trusted);
    }

    private static bool AgreesAt(SensitivityPoint p, double agreementSe, double agreementRelative) =>
        Within(p.TrainAgreement!.Value, agreementSe, agreementRelative, p.Train!.Value)
        && Within(p.TestAgreement!.Value, agreementSe, agreementRelative, p.Test!.Value);

    /// <summary>"X ± se" for a linear response, else the finite-σ value labelled as not a measurement.</summary>
    public static string Describe(NetworkSensitivityEstimate e) => e.IsLinear == false
        ? $"**not linear at σ** (p_0(σ)/p_0(σ/4) = {F(e.LinearityRatio!.Value)}; finite-σ response {F(e.Value)} ± {F(e.StandardError)}, not a measurement of the first-order sensitivity)"
        : $"p_net {F(e.Value)} ± {F(e.StandardError)}" + (e.LinearityRatio is double r ? $" (linearity ratio {F(r)})" : " (linearity not checked)");

    private static bool Within((double Difference, double StandardError) d, double z, double relative, double reference) =>
        double.IsFinite(d.Difference) && (Math.Abs(d.Difference) <= z * d.StandardError || Math.Abs(d.Difference) <= relative * Math.Abs(reference));

    private static string Pct(double v) => (100 * v).ToString("G3", CultureInfo.InvariantCulture) + "%";

    public static string F(double v) => v.ToString("G3", CultureInfo.InvariantCulture);
}
