namespace Telescope.Optim;

/// <summary>
/// Adam / AdamW with PyTorch's conventions (no amsgrad):
/// g_t = s_t·∇_t (+ λθ_{t−1} for Adam); m_t = β1 m_{t−1} + (1−β1) g_t; v_t = β2 v_{t−1} + (1−β2) g_t²;
/// T_t = 1/(sqrt(v_t)/sqrt(1−β2^t) + ε); Δθ_t = −γ_t/(1−β1^t) · T_t ⊙ m_t (− γ_t λ θ_{t−1} for AdamW).
/// </summary>
public sealed record AdamOptions
{
    /// <summary>γ_t.</summary>
    public required ILearningRateSchedule LearningRate { get; init; }
    /// <summary>β1 ∈ [0, 1).</summary>
    public double Beta1 { get; init; } = 0.9;
    /// <summary>β2 ∈ [0, 1).</summary>
    public double Beta2 { get; init; } = 0.999;
    /// <summary>ε &gt; 0, added to the bias-corrected root second moment.</summary>
    public double Epsilon { get; init; } = 1e-8;
    /// <summary>λ ≥ 0.</summary>
    public double WeightDecay { get; init; }
    /// <summary>false: Adam, λθ is added to the gradient (L2); true: AdamW, θ shrinks by γλθ outside the moments.</summary>
    public bool Decoupled { get; init; }
    /// <summary>
    /// Global-norm gradient clipping as in <c>torch.nn.utils.clip_grad_norm_</c>, applied to the loss gradient
    /// before it enters the moments (see <see cref="SgdOptions.MaxGradNorm"/>); .grad is left untouched.
    /// </summary>
    public double? MaxGradNorm { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (LearningRate is null) throw new ArgumentException("AdamOptions.LearningRate is required (e.g. new ConstantLearningRate(1e-3)).");
        OptionValidation.RequireUnitInterval(Beta1, "AdamOptions.Beta1 (β1)");
        OptionValidation.RequireUnitInterval(Beta2, "AdamOptions.Beta2 (β2)");
        if (!double.IsFinite(Epsilon) || Epsilon <= 0)
            throw new ArgumentException($"AdamOptions.Epsilon (ε) must be a finite number > 0, got {Epsilon}.");
        OptionValidation.RequireNonNegative(WeightDecay, "AdamOptions.WeightDecay (λ)");
        OptionValidation.RequireMaxGradNorm(MaxGradNorm, "AdamOptions.MaxGradNorm");
    }
}
