using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Smoothing;

/// <summary>
/// Effective parameters of a smoother (Curth, Jeffares &amp; van der Schaar 2023; docs/method.md §5.1):
/// <code>  p(I) = n / (|I|·k) · Σ_{x∈I} ||S_T(x)||²_F  </code>
/// p_train uses the training inputs, p_test held-out inputs. Least squares with q &lt; n features has
/// p_train = q; a minimum-norm interpolator has p_train = n.
/// </summary>
public static class EffectiveParameters
{
    /// <summary>
    /// p(I) for a tracked set of <paramref name="smoother"/>. With a Hutchinson smoother every direction d
    /// gives an unbiased p_d (its squared norms summed over the set), and the estimate is their mean with
    /// standard error sd(p_d)/sqrt(D); the directions are independent, the inputs within one are not.
    /// </summary>
    public static EffectiveParameterEstimate Compute(ISmoother smoother, string set)
    {
        ArgumentNullException.ThrowIfNull(smoother);
        using var scope = NewDisposeScope();
        var samples = smoother.SquaredNormSamples(set).to_type(ScalarType.Float64);   // [D, N]
        if (samples.dim() != 2 || samples.shape[1] != smoother.TrackedCount(set) || samples.shape[0] < 1)
            throw new InvalidOperationException(
                $"Smoother returned squared-norm samples [{string.Join(", ", samples.shape)}] for set '{set}' of {smoother.TrackedCount(set)} inputs.");
        long directions = samples.shape[0];
        long count = samples.shape[1];
        if (count == 0) throw new ArgumentException($"Set '{set}' is empty; p(I) needs at least one input.");
        double factor = (double)smoother.TrainingCount / ((double)count * smoother.OutputCount);
        using var factorScalar = factor.ToScalar();
        var perDirection = samples.sum(1).mul(factorScalar);                             // [D]
        double value = perDirection.mean().item<double>();
        double se = smoother.IsExact || directions < 2
            ? 0.0
            : perDirection.std(unbiased: true).item<double>() / Math.Sqrt(directions);
        return new EffectiveParameterEstimate(set, smoother.StepCount, value, se, (int)directions, smoother.IsExact);
    }

    /// <summary>p(I) from exact squared norms ||S(x)||²_F [N] of a set, for n training labels and k outputs.</summary>
    public static double FromSquaredNorms(Tensor squaredNorms, int trainingCount, int outputCount)
    {
        if (squaredNorms.dim() != 1 || squaredNorms.shape[0] == 0)
            throw new ArgumentException($"Squared norms must be a non-empty vector [N]; got [{string.Join(", ", squaredNorms.shape)}].");
        if (trainingCount <= 0 || outputCount <= 0)
            throw new ArgumentException($"n and k must be positive; got n = {trainingCount}, k = {outputCount}.");
        using var sum = squaredNorms.to_type(ScalarType.Float64).sum();
        return (double)trainingCount / ((double)squaredNorms.shape[0] * outputCount) * sum.item<double>();
    }
}
