namespace Telescope.Connectivity;

/// <summary>How ‖J^l_T(x) − J^l_t′(x)‖_F and ‖J^l_t′(x)‖_F are obtained (never from whole-network per-example Jacobians).</summary>
public enum GradientChangeMethod
{
    /// <summary>Exact: per probe, one reverse pass per logit at each parameter point, reduced to per-group norms at once.</summary>
    Exact,
    /// <summary>
    /// Hutchinson: D Rademacher directions v restricted to each group, the SAME v applied at both points through the
    /// generic JVP engine, so E‖(J_T − J_t′)v‖² = ‖J_T − J_t′‖²_F and E‖J_t′ v‖² = ‖J_t′‖²_F per example.
    /// </summary>
    Hutchinson,
}
