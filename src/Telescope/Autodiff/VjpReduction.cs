namespace Telescope.Autodiff;

/// <summary>How <see cref="ParameterVjp"/> combines the per-example products J(x_i)ᵀ r_i.</summary>
public enum VjpReduction
{
    /// <summary>Σ_i J(x_i)ᵀ r_i.</summary>
    Sum,
    /// <summary>(1/N) Σ_i J(x_i)ᵀ r_i — the gradient of a batch-mean loss whose output gradients are r_i (docs/method.md §4.3 Ġ_t).</summary>
    Mean,
}
