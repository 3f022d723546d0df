namespace Telescope.Smoothing;

/// <summary>
/// p_net(I) of one tracked set at one logged step (docs/method.md §5.2): the network's own label sensitivity by retraining,
/// with everything needed to judge it — the per-direction values, the linearity check and the chaos floor.
/// </summary>
/// <param name="Set">The tracked set I.</param>
/// <param name="Step">The logged step.</param>
/// <param name="Sigma">σ of the estimate.</param>
/// <param name="Value">p_net(I) = n/(|I|·k) · mean_d Σ_{x∈I} ||ŝ_d(x)||², ŝ_d = (f_{Y+σV_d} − f_{Y−σV_d})/(2σ).</param>
/// <param name="StandardError">sd/sqrt(D) of the per-direction values.</param>
/// <param name="PerDirection">p_d for d = 0..D−1 (each an unbiased sample for a linear response).</param>
/// <param name="MeanDifference">mean over I and outputs of |f_{Y+σV_d} − f_{Y−σV_d}|, averaged over d.</param>
/// <param name="LinearityValue">p_0 at σ/4 (direction 0 repeated), or null without the linearity check.</param>
/// <param name="FloorDifference">Chaos floor: mean |f_{Y+σ'V_0} − f_{Y−σ'V_0}| at the smallest σ' run (σ/4 with the check).</param>
/// <param name="LinearityTolerance">The number of standard errors within which p_0(σ) and p_0(σ/4) count as equal.</param>
/// <param name="Curvature">mean |f_+ + f_− − 2 f_Y| / mean |f_+ − f_−| at σ over d (second-order share), when the base run was recorded.</param>
public sealed record NetworkSensitivityEstimate(string Set, int Step, double Sigma, double Value, double StandardError,
    IReadOnlyList<double> PerDirection, double MeanDifference, double? LinearityValue, double FloorDifference,
    double LinearityTolerance, double? Curvature)
{
    /// <summary>p_0(σ)/p_0(σ/4): 1 for a response linear in the labels; ≫ 1 or ≪ 1 where it is not.</summary>
    public double? LinearityRatio => LinearityValue is double small ? PerDirection[0] / small : null;

    /// <summary>
    /// True when p_0(σ) and p_0(σ/4) agree within <see cref="LinearityTolerance"/> standard errors: then p_net is a
    /// measurement of the first-order label response; false means the response is not linear at this scale and
    /// the value must not be read as one. Null without the linearity check.
    /// </summary>
    public bool? IsLinear => LinearityValue is double small
        ? double.IsFinite(Value) && Math.Abs(PerDirection[0] - small) <= LinearityTolerance * StandardError
        : null;
}
