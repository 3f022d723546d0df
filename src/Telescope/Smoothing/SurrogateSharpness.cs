using Telescope.Autodiff;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Smoothing;

/// <summary>
/// The largest eigenvalue λ_t of the surrogate's one-step map on the batch residuals (docs/method.md §5.3),
/// <code>  A_t = γ_t·s_t·c·J_B T_t J_Bᵀ / |B|     (T_t = I for SGD; Adam's realized preconditioner for Adam(W))  </code>
/// by power iteration with VJP/JVP products only: v ↦ J_B (T ⊙ J_Bᵀ v), never a matrix. A_t is symmetric positive
/// semi-definite (T &gt; 0), so the iteration converges to λ_max; each iteration costs one VJP and one JVP on the batch.
/// Compare λ_t with <see cref="StabilityBound"/>: past the bound the surrogate's label sensitivities grow geometrically.
/// <example><code>
/// var update = optimizer.ComputeUpdate();
/// var rule = TangentStepRule.FromOptimizer(optimizer, update);              // θ still at θ_{t-1}
/// var lambda = SurrogateSharpness.Compute(jvp, vjp, batchInputs, rule, lossScale: 1.0);
/// bool unstable = lambda.Value > StabilityBound.For(rule).Value;
/// </code></example>
/// </summary>
public static class SurrogateSharpness
{
    /// <summary>λ_max(A_t) for the realized step <paramref name="rule"/> on <paramref name="batchInputs"/>, at the engines' current θ.</summary>
    public static SharpnessEstimate Compute(IJvpEngine jvp, ParameterVjp vjp, Tensor batchInputs, TangentStepRule rule, double lossScale,
        int maxIterations = 100, double tolerance = 1e-6, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(rule);
        rule.Validate(jvp.Parameters.Tensors.Count);
        var preconditioner = rule.Kind == TangentOptimizerKind.Adam ? rule.Preconditioner : null;
        return Compute(jvp, vjp, batchInputs, rule.LearningRate * rule.GradientScale * lossScale, preconditioner, maxIterations, tolerance, seed);
    }

    /// <summary>λ_max of scale·J_B T J_Bᵀ/|B| (T = I when <paramref name="preconditioner"/> is null).</summary>
    /// <param name="jvp">JVP engine at θ.</param>
    /// <param name="vjp">VJP engine over the same parameters.</param>
    /// <param name="batchInputs">X_B [b, ...].</param>
    /// <param name="scale">γ·s·c.</param>
    /// <param name="preconditioner">T per parameter, or null.</param>
    /// <param name="maxIterations">Upper limit on power iterations.</param>
    /// <param name="tolerance">Stop when the Rayleigh quotient changes by less than this, relatively.</param>
    /// <param name="seed">Seed of the random start vector.</param>
    public static SharpnessEstimate Compute(IJvpEngine jvp, ParameterVjp vjp, Tensor batchInputs, double scale,
        IReadOnlyList<Tensor>? preconditioner, int maxIterations = 100, double tolerance = 1e-6, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(jvp);
        ArgumentNullException.ThrowIfNull(vjp);
        ArgumentNullException.ThrowIfNull(batchInputs);
        if (maxIterations < 1) throw new ArgumentException($"maxIterations must be ≥ 1; got {maxIterations}.");
        if (!double.IsFinite(scale)) throw new ArgumentException($"The scale γ·s·c must be finite; got {scale}.");
        var parameters = jvp.Parameters.Tensors;
        if (vjp.Parameters.Tensors.Count != parameters.Count)
            throw new ArgumentException("The JVP and VJP engines must be built over the same parameters.");
        if (preconditioner is not null && (preconditioner.Count != parameters.Count
            || preconditioner.Zip(parameters).Any(p => !p.First.shape.SequenceEqual(p.Second.shape))))
            throw new ArgumentException("The preconditioner must hold one tensor per parameter, shaped like it.");
        using var scope = NewDisposeScope();
        long b = batchInputs.shape[0];
        // The output size from one forward pass (validates the inputs too).
        Tensor f;
        using (torch.no_grad()) f = jvp.Compute(batchInputs, [parameters.Select(p => torch.zeros_like(p)).ToArray()]).Output;
        long k = f.dim() == 1 ? 1 : f.shape[1];
        var dtype = parameters[0].dtype;
        using var generator = new Generator((ulong)seed, device: torch.CPU);
        var v = torch.randn([b, k], dtype: ScalarType.Float64, generator: generator);
        v.div_(v.norm());
        double lambda = double.NaN;
        int iterations = 0;
        bool converged = false;
        while (iterations < maxIterations)
        {
            iterations++;
            using var step = NewDisposeScope();
            var u = vjp.Compute(batchInputs, v.to(dtype, f.device), VjpReduction.Sum);            // J_Bᵀ v
            var tangent = preconditioner is null ? u : u.Select((g, p) => g.mul(preconditioner[p].to(g.dtype, g.device))).ToArray();
            using var result = jvp.Compute(batchInputs, [tangent]);
            using var perRow = (scale / b).ToScalar();
            var av = result.Jvps[0].reshape(b, k).to_type(ScalarType.Float64).mul(perRow);       // A v
            double next = v.mul(av).sum().item<double>();                                         // Rayleigh quotient (|v| = 1)
            double norm = av.norm().item<double>();
            if (!double.IsFinite(next) || !double.IsFinite(norm))
                return new SharpnessEstimate(double.PositiveInfinity, iterations, false);
            bool done = double.IsFinite(lambda) && Math.Abs(next - lambda) <= tolerance * Math.Abs(next);
            lambda = next;
            if (norm == 0) { converged = true; break; }
            using var normScalar = norm.ToScalar();
            v = av.div(normScalar).MoveToOuterDisposeScope();
            if (done) { converged = true; break; }
        }
        return new SharpnessEstimate(lambda, iterations, converged);
    }
}

/// <summary>λ_max(A_t) from power iteration, the iterations used and whether the Rayleigh quotient settled to the tolerance.</summary>
public sealed record SharpnessEstimate(double Value, int Iterations, bool Converged);
