using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Smoothing;

/// <summary>
/// A smoother's p(I) along given label directions V_d (docs/method.md §5.1): p_d = n/(|I|·k) Σ_{x∈I} ||S(x)·vec(V_d)||², the
/// quantity the retraining estimate p_net (docs/method.md §5.2) measures for the network along the same V_d. Comparing the two
/// direction by direction (<see cref="PairedDifference"/>) cancels the Hutchinson noise they share.
/// </summary>
public static class DirectionalEffectiveParameters
{
    /// <summary>
    /// p_d for the first <paramref name="count"/> directions of <paramref name="directions"/> [D, n, k]: from S itself for an
    /// exact smoother (kernel recursion, exact label-tangent basis), from the propagated tangents for a Hutchinson
    /// label-tangent smoother — whose own directions must then be these (same seed), which is checked.
    /// </summary>
    public static double[] Compute(ISmoother smoother, string set, Tensor directions, int count)
    {
        ArgumentNullException.ThrowIfNull(smoother);
        ArgumentNullException.ThrowIfNull(directions);
        if (directions.dim() != 3 || directions.shape[1] != smoother.TrainingCount || directions.shape[2] != smoother.OutputCount)
            throw new ArgumentException($"Directions [{string.Join(", ", directions.shape)}] must be [D, {smoother.TrainingCount}, {smoother.OutputCount}].");
        if (count < 1 || count > directions.shape[0]) throw new ArgumentException($"count must lie in 1..{directions.shape[0]}; got {count}.");
        using var scope = NewDisposeScope();
        int n = smoother.TrainingCount, k = smoother.OutputCount, size = smoother.TrackedCount(set);
        double factor = (double)n / ((double)size * k);
        var v = directions.narrow(0, 0, count).to_type(ScalarType.Float64).to(CPU);
        Tensor responses;                                                                   // [count, N, k]
        switch (smoother)
        {
            case LabelTangentSmoother { IsExact: false } tangent:
                if (tangent.DirectionCount < count)
                    throw new ArgumentException($"The Hutchinson smoother has {tangent.DirectionCount} directions; {count} were asked for.");
                var own = tangent.LabelDirectionMatrix().narrow(0, 0, count).to_type(ScalarType.Float64).to(CPU);
                if (own.ne(v).any().item<bool>())
                    throw new ArgumentException("The Hutchinson smoother's label directions differ from the given ones; build both from the same seed (RademacherDirections).");
                responses = tangent.Tangents(set).narrow(0, 0, count).to_type(ScalarType.Float64).to(CPU);
                break;
            case LabelTangentSmoother tangent:
                responses = Apply(tangent.Weights(set), v);
                break;
            case KernelSmoother kernel:
                responses = Apply(kernel.FullWeights(set), v);
                break;
            default:
                throw new NotSupportedException($"No directional p for a {smoother.GetType().Name}.");
        }
        using var factorScalar = factor.ToScalar();
        return responses.pow(TorchScalars.Two).sum([1, 2]).mul(factorScalar).data<double>().ToArray();
    }

    /// <summary>S(x)·vec(V_d) for every x and d: weights [N, k, n·k], V [D, n, k] → [D, N, k].</summary>
    private static Tensor Apply(Tensor weights, Tensor v)
    {
        var w = weights.to_type(ScalarType.Float64).to(CPU);
        long d = v.shape[0];
        var flat = v.reshape(d, -1).T;                                                      // [n·k, D]
        return w.matmul(flat).permute(2, 0, 1);                                              // [N, k, D] → [D, N, k]
    }

    /// <summary>
    /// The paired comparison of two per-direction estimates on the same directions: mean of a_d − b_d and its
    /// standard error sd/sqrt(D) (NaN for D = 1).
    /// </summary>
    public static (double Difference, double StandardError) PairedDifference(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        int count = Math.Min(a.Count, b.Count);
        if (count < 1) throw new ArgumentException("Compare at least one direction.");
        var diff = Enumerable.Range(0, count).Select(d => a[d] - b[d]).ToArray();
        double mean = diff.Average();
        double se = count < 2 ? double.NaN : Math.Sqrt(diff.Sum(x => (x - mean) * (x - mean)) / (count - 1) / count);
        return (mean, se);
    }
}
