using Telescope.Autodiff;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.UpdateAnalysis;

/// <summary>
/// An unbiased random-projection estimate of the preconditioned trace kernel K^T(x, x′) = (1/k) tr J(x) T J(x′)ᵀ for
/// any model with a JVP engine: with Rademacher directions v_r (E v vᵀ = I) and u_r = T^{1/2} ⊙ v_r,
/// <c>K̂ = (1/R) Σ_r (1/k) Σ_a (J u_r)_a(x) (J u_r)_a(x′)</c>. Each entry's standard error is the sample standard
/// deviation over r divided by √R. Costs R JVPs per input set, never a Jacobian.
/// </summary>
/// <example>
/// <code>
/// var (estimate, standardError) = ProjectedKernelEstimate.Compute(engine, xTest, xTrain, adam.Preconditioners, directions: 64, seed: 1);
/// </code>
/// </example>
public static class ProjectedKernelEstimate
{
    /// <summary>Directions per JVP pass (bounds memory: each carries a copy of the activations).</summary>
    private const int DirectionsPerPass = 16;

    /// <summary>Returns the estimate [N, N′] and the standard error of every entry [N, N′]; T = null means the identity.</summary>
    public static (Tensor Estimate, Tensor StandardError) Compute(IJvpEngine engine, Tensor inputs, Tensor otherInputs,
        IReadOnlyList<Tensor>? preconditioner, int directions, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(engine);
        if (directions < 2) throw new ArgumentOutOfRangeException(nameof(directions), directions, "Need at least two directions for a standard error.");
        var parameters = engine.Parameters.Tensors;
        if (preconditioner is not null && preconditioner.Count != parameters.Count)
            throw new ArgumentException($"The preconditioner has {preconditioner.Count} tensors; the model has {parameters.Count}.", nameof(preconditioner));
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        using var generator = new torch.Generator(seed, device: torch.CPU);
        var roots = preconditioner?.Select(t => t.to_type(ScalarType.Float64).sqrt()).ToArray();
        Tensor? sum = null, sumSquares = null;
        for (int done = 0; done < directions; done += DirectionsPerPass)
        {
            using var passScope = torch.NewDisposeScope();
            int count = Math.Min(DirectionsPerPass, directions - done);
            var tangents = new List<IReadOnlyList<Tensor>>(count);
            for (int r = 0; r < count; r++)
                tangents.Add(parameters.Select((p, i) =>
                {
                    var v = torch.randint(0, 2, p.shape, dtype: ScalarType.Float64, generator: generator).mul_(TorchScalars.Two).sub_(TorchScalars.One);
                    if (roots is not null) v.mul_(roots[i]);
                    return v.to(p.dtype, p.device);
                }).ToArray());
            using var jx = engine.Compute(inputs, tangents);
            using var jy = engine.Compute(otherInputs, tangents);
            var a = jx.Jvps.to_type(ScalarType.Float64);                       // [R, N, k]
            var b = jy.Jvps.to_type(ScalarType.Float64);                       // [R, N′, k]
            using var k = a.shape[2].ToScalar();
            var samples = a.bmm(b.transpose(1, 2)).div_(k);                     // [R, N, N′]
            var s = samples.sum(0L);
            var q = samples.pow(TorchScalars.Two).sum(0L);
            if (sum is null) { sum = s.MoveToOuterDisposeScope(); sumSquares = q.MoveToOuterDisposeScope(); }
            else { sum.add_(s, TorchScalars.One); sumSquares!.add_(q, TorchScalars.One); }
        }
        using var directionCount = directions.ToScalar();
        using var besselCorrection = (directions / (directions - 1.0)).ToScalar();
        var mean = sum!.div(directionCount);
        // Unbiased sample variance over directions, then the standard error of the mean.
        var variance = (sumSquares!.div(directionCount) - mean.pow(TorchScalars.Two)).mul_(besselCorrection).clamp_min_(TorchScalars.Zero);
        var standardError = variance.div_(directionCount).sqrt_();
        return (mean.MoveToOuterDisposeScope(), standardError.MoveToOuterDisposeScope());
    }
}
