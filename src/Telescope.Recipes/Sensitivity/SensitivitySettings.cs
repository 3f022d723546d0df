namespace Telescope.Recipes.Sensitivity;

/// <summary>
/// The settings every recipe that reports effective parameters shares for the network's own label sensitivity by
/// retraining (docs/method.md §5.2) and the surrogate stability diagnostic (docs/method.md §5.3). Verdict thresholds are settings, and the
/// reports print them.
/// </summary>
public sealed record SensitivitySettings(string Mode, string Members, int Directions, double Sigma, bool Linearity,
    double LinearitySe, double AgreementSe, double AgreementRelative, int StabilityIterations, string StabilityBound)
{
    public const string None = "none";
    /// <summary>p_net by retraining on Y ± σ·V_d (docs/method.md §5.2).</summary>
    public const string Retraining = "retraining";
    /// <summary>The members train next to the recipe's own network, inside its sub-run.</summary>
    public const string Lockstep = "lockstep";
    /// <summary>Each ±σ pair of members is a sub-run of its own (<see cref="SeparatePairs"/>).</summary>
    public const string Separate = "separate";

    /// <summary>The settings sensitivity, sensitivity_members, sensitivity_directions, sensitivity_sigma, the linearity and agreement thresholds and the stability settings.</summary>
    /// <param name="quickMode">The quick mode's <c>sensitivity</c> (null = the full default, none).</param>
    /// <param name="quickStabilityIterations">The quick mode's <c>stability_iterations</c> (null = the full default).</param>
    /// <param name="quickLinearity">The quick mode's <c>sensitivity_linearity</c> (null = the full default, on): off saves two member runs.</param>
    public static SettingsSchema<SensitivitySettings> Schema(string? quickMode = null, int? quickStabilityIterations = null, bool? quickLinearity = null) =>
        new SettingsSchema<SensitivitySettings>()
        .String(x => x.Mode, "sensitivity", None,
            "The network's own label sensitivity p_net (docs/method.md §5.2): none, or retraining (2D + 2 extra training runs from the same θ_0 and batches on Y ± σV_d, plus ±σ/4 along V_0)",
            quick: quickMode, choices: [None, Retraining])
        .String(x => x.Members, "sensitivity_members", Lockstep,
            "Where p_net's members train: lockstep (next to the recipe's own network, in its sub-run) or separate (each ±σ pair — D of them, + the σ/4 pair — is a sub-run of its own, so --shard spreads them over processes and telescope merge combines them; the same numbers)",
            choices: [Lockstep, Separate])
        .Int(x => x.Directions, "sensitivity_directions", 2, "D, Rademacher label directions of p_net (two runs each; the same V_d as the Hutchinson smoother's first D)", min: 2)
        .Double(x => x.Sigma, "sensitivity_sigma", 0.1,
            "σ of p_net: 0.1 for one-hot / ±1 targets, well above the chaos floor measured below σ ≈ 0.01 under AdamW (FINDINGS)", min: 1e-12)
        .Bool(x => x.Linearity, "sensitivity_linearity", true, "Repeat V_0 at σ/4 (two more runs): p_net counts as a measurement only where p_0(σ) and p_0(σ/4) agree", quick: quickLinearity)
        .Double(x => x.LinearitySe, "sensitivity_linearity_se", 1.0, "p_0(σ) and p_0(σ/4) agree when they differ by at most this many standard errors of p_net", min: 0)
        .Double(x => x.AgreementSe, "agreement_se", 2.0, "p_net and the smoother's p agree at a logged step when their paired difference over the shared directions is within this many standard errors", min: 0)
        .Double(x => x.AgreementRelative, "agreement_relative", 0.1, "p_net and the smoother's p also agree when their paired difference is within this fraction of p_net (either criterion suffices)", min: 0)
        .Int(x => x.StabilityIterations, "stability_iterations", 50, "Power iterations (at most; stops when the Rayleigh quotient settles to 1e-4) for the surrogate sharpness λ_t at logged steps (docs/method.md §5.3); 0 = off", quick: quickStabilityIterations, min: 0)
        .String(x => x.StabilityBound, "stability_bound", "auto",
            "Stability bound on λ_t: auto (from the optimizer), gd (2), heavy-ball (2(1+β)) or adam (2(1+β1)/(1−β1))", choices: ["auto", "gd", "heavy-ball", "adam"]);

    /// <summary>The retraining options, or null when sensitivity = none.</summary>
    /// <param name="seed">Seed of V_d: pass the Hutchinson smoother's seed so the directions are shared.</param>
    public RetrainingSensitivityOptions? Options(int seed) =>
        Mode == Retraining
            ? new RetrainingSensitivityOptions
            {
                Sigma = Sigma,
                DirectionCount = Directions,
                Seed = seed,
                LinearityCheck = Linearity,
                LinearityStandardErrors = LinearitySe,
            }
            : null;

    /// <summary>Whether p_net's pairs run as sub-runs of their own (sensitivity = retraining with sensitivity_members = separate).</summary>
    public bool SeparatePairs => Mode == Retraining && Members == Separate;

    /// <summary>The bound to compare λ_t with: the setting, or for auto the one matching the optimizer's rule.</summary>
    public Smoothing.StabilityBound Bound(TangentStepRule rule)
    {
        double momentum = rule.Kind == TangentOptimizerKind.Adam ? rule.Beta1 : rule.Momentum;
        return StabilityBound == "auto" ? Smoothing.StabilityBound.For(rule) : Smoothing.StabilityBound.Parse(StabilityBound, momentum);
    }
}
