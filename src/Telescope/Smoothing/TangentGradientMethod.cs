namespace Telescope.Smoothing;

/// <summary>
/// How <see cref="LabelTangentSmoother"/> forms Ġ = (1/|B|) Σ_i J(x_i)ᵀ ṙ_i for its D directions. Both are exact;
/// they differ in cost.
/// </summary>
public enum TangentGradientMethod
{
    /// <summary><see cref="BatchJacobian"/> when D exceeds |B|·k (always true for the exact basis), else <see cref="Vjp"/>.</summary>
    Auto,
    /// <summary>One forward and D backward passes (<see cref="Autodiff.ParameterVjp"/>).</summary>
    Vjp,
    /// <summary>
    /// The batch's per-example Jacobians, |B|·k backward passes and |B|·k·P floats, then one matrix product for
    /// all directions. Chosen by <see cref="Auto"/> only when |B|·k &lt; D, so memory stays below the D·P of θ̇.
    /// </summary>
    BatchJacobian,
}
