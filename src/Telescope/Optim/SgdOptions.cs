namespace Telescope.Optim;

/// <summary>
/// Stochastic gradient descent with PyTorch's conventions (dampening is always 0):
/// g_t = s_t·∇_t + λθ_{t−1} (s_t = the clipping factor, 1 without clipping);
/// momentum buffer b_1 = g_1, b_t = β b_{t−1} + g_t;
/// Δθ_t = −γ_t b_t, or with Nesterov −γ_t (g_t + β b_t); without momentum Δθ_t = −γ_t g_t.
/// </summary>
public sealed record SgdOptions
{
    /// <summary>γ_t.</summary>
    public required ILearningRateSchedule LearningRate { get; init; }
    /// <summary>β ∈ [0, 1); 0 disables the momentum buffer.</summary>
    public double Momentum { get; init; }
    /// <summary>Nesterov momentum (needs β &gt; 0).</summary>
    public bool Nesterov { get; init; }
    /// <summary>λ ≥ 0, coupled L2 decay added to the gradient (PyTorch's weight_decay).</summary>
    public double WeightDecay { get; init; }
    /// <summary>
    /// When set, the loss gradient is rescaled like <c>torch.nn.utils.clip_grad_norm_(max_norm)</c> before the
    /// update: ∇ ← ∇·min(1, max_norm/(‖∇‖₂ + 1e-6)), with ‖·‖₂ the global norm over all trainable parameters.
    /// The scaled gradient is what enters the buffer and the <see cref="UpdateComponent.Gradient"/> component;
    /// weight decay is added after clipping, as PyTorch's optimizers do. The parameters' .grad is left untouched.
    /// </summary>
    public double? MaxGradNorm { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (LearningRate is null) throw new ArgumentException("SgdOptions.LearningRate is required (e.g. new ConstantLearningRate(0.1)).");
        OptionValidation.RequireUnitInterval(Momentum, "SgdOptions.Momentum (β)");
        OptionValidation.RequireNonNegative(WeightDecay, "SgdOptions.WeightDecay (λ)");
        OptionValidation.RequireMaxGradNorm(MaxGradNorm, "SgdOptions.MaxGradNorm");
        if (Nesterov && Momentum == 0)
            throw new ArgumentException("SgdOptions.Nesterov needs a momentum β > 0; set Momentum (e.g. 0.9) or turn Nesterov off.");
    }
}
