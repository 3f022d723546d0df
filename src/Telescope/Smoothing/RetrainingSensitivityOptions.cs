namespace Telescope.Smoothing;

/// <summary>Settings of a <see cref="RetrainingSensitivity"/> estimate (docs/method.md §5.2).</summary>
public sealed record RetrainingSensitivityOptions
{
    /// <summary>
    /// σ, the label perturbation scale. The default 0.1 suits one-hot or ±1 targets: FINDINGS ("the Omnigrok MNIST
    /// setup") measured that under AdamW the function difference between the Y ± σV runs stops shrinking below
    /// σ ≈ 0.01 (a chaos floor of ≈ 0.15 at α = 8 and ≈ 0.02 at α = 1), so σ must sit well above that floor for
    /// the difference to be a response rather than chaos; at σ = 0.1 the response already separated α = 1 from
    /// α = 8. σ = 0.1 is 10% of a one-hot target's range, small enough not to change the task.
    /// </summary>
    public double Sigma { get; init; } = 0.1;

    /// <summary>D ≥ 2, the number of Rademacher directions (two runs each); D ≥ 2 gives a standard error.</summary>
    public int DirectionCount { get; init; } = 2;

    /// <summary>Seed of V_d (<see cref="RademacherDirections"/>); the Hutchinson smoother's seed gives the same V_d.</summary>
    public int Seed { get; init; }

    /// <summary>Repeat direction 0 at σ·<see cref="LinearityFactor"/> (two more runs) to test linearity (default on).</summary>
    public bool LinearityCheck { get; init; } = true;

    /// <summary>The smaller scale of the linearity check as a fraction of σ (docs/method.md §5.2: σ/4).</summary>
    public double LinearityFactor { get; init; } = 0.25;

    /// <summary>
    /// The response counts as linear at σ when |p_0(σ) − p_0(σ/4)| ≤ this many standard errors of p_net(σ).
    /// The comparison is paired (same direction), so the SE over directions is a generous yardstick.
    /// </summary>
    public double LinearityStandardErrors { get; init; } = 1.0;

    /// <summary>The smaller σ of the linearity check.</summary>
    public double LinearitySigma => Sigma * LinearityFactor;

    /// <summary>Throws naming the first invalid setting.</summary>
    public void Validate()
    {
        if (!(Sigma > 0) || !double.IsFinite(Sigma)) throw new ArgumentException($"RetrainingSensitivityOptions.Sigma must be positive and finite; got {Sigma}.");
        if (DirectionCount < 2) throw new ArgumentException($"RetrainingSensitivityOptions.DirectionCount must be ≥ 2 (a standard error needs two directions); got {DirectionCount}.");
        if (!(LinearityFactor > 0 && LinearityFactor < 1)) throw new ArgumentException($"RetrainingSensitivityOptions.LinearityFactor must lie in (0, 1); got {LinearityFactor}.");
        if (!(LinearityStandardErrors >= 0) || !double.IsFinite(LinearityStandardErrors))
            throw new ArgumentException($"RetrainingSensitivityOptions.LinearityStandardErrors must be ≥ 0; got {LinearityStandardErrors}.");
    }

    /// <summary>The pairs this estimate needs: ±σ along every V_d, then ±σ/4 along V_0 with the linearity check.</summary>
    public IReadOnlyList<SensitivityPair> Pairs()
    {
        var pairs = Enumerable.Range(0, DirectionCount).Select(d => new SensitivityPair(d, Sigma)).ToList();
        if (LinearityCheck) pairs.Add(new SensitivityPair(0, LinearitySigma));
        return pairs;
    }

    /// <summary>The perturbed members this estimate needs: the two runs of every pair of <see cref="Pairs"/>, in that order.</summary>
    public IReadOnlyList<SensitivityMember> PerturbedMembers() => Pairs().SelectMany(p => new[] { p.Plus, p.Minus }).ToList();
}
