namespace Telescope.Smoothing;

/// <summary>
/// How <see cref="LabelTangentSmoother"/> treats Adam's preconditioner T = 1/(sqrt(v̂) + ε) in the surrogate run.
/// </summary>
public enum TangentPreconditioner
{
    /// <summary>
    /// docs/method.md §4.3: the realized T_t of the trained network is frozen, so f̂ is affine in the labels and S is exact.
    /// Once the training loss is near zero, v̂ decays and T_t approaches 1/ε on coordinates whose gradients
    /// vanished; the frozen-T surrogate then has step sizes far beyond its stability limit and its label
    /// tangents grow exponentially (measured on grokking-mnist: p_train 1e3 → 1e13 between steps 7k and 15k).
    /// </summary>
    Frozen,
    /// <summary>
    /// Option beyond docs/method.md: the surrogate run keeps its own second moment v̂ from its own gradients, as Adam
    /// would, and the tangents differentiate through it: Ṫ = −T² ⊙ v̇ / (2·sqrt(v̂_t/(1−β2^t))·(1−β2^t)) with
    /// v̇ = β2 v̇ + 2(1−β2) ĝ ⊙ ġ. f̂ is then no longer affine in the labels and S_t = ∂f̂_t/∂Y at the given
    /// labels (a local smoother). Needs the surrogate run carried (<see cref="LabelTangentOptions.SurrogateLabels"/>);
    /// SGD rules are unaffected.
    /// <para>
    /// No remedy for the blow-up above: near zero gradients Adam's update responds to a gradient change roughly like
    /// 1/|g|, and the two moments' different time constants keep that from cancelling. Measured on double-descent
    /// quick (MNIST 3 vs 5, Adam, 4000 steps, 22 networks): frozen p_train stays ≤ n = 400 for 20 of them (4.6e4 and
    /// 2.0e7 at clean widths 2 and 128); differentiated exceeds 1e9 at every width ≥ 12 and overflows (p = ∞) from
    /// width 24 (20% noise) or 32 (clean).
    /// </para>
    /// </summary>
    Differentiated,
}
