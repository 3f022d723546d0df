using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Smoothing;

/// <summary>
/// What one ±σ pair (<see cref="SensitivityPair"/>) measured on one tracked set I at one logged step:
/// <code>  p_d(I) = n/(|I|·k) · Σ_{x∈I} ||(f_{Y+σV_d}(x) − f_{Y−σV_d}(x)) / (2σ)||²  </code>
/// and the mean |f_+ − f_−|. Plain numbers (JSON-serializable), so that pairs computed in separate processes combine
/// into p_net with <see cref="RetrainingSensitivity.Aggregate"/> exactly as the lockstep estimate does.
/// </summary>
/// <param name="Set">The tracked set I.</param>
/// <param name="Step">The logged step.</param>
/// <param name="Direction">d.</param>
/// <param name="Sigma">σ of the pair.</param>
/// <param name="Value">p_d(I).</param>
/// <param name="MeanDifference">mean over I and outputs of |f_+ − f_−|.</param>
public sealed record PairResponse(string Set, int Step, int Direction, double Sigma, double Value, double MeanDifference)
{
    /// <summary>The response of a pair from its two runs' predictions [N, k] on <paramref name="set"/> (computed in float64).</summary>
    /// <param name="set">The tracked set.</param>
    /// <param name="step">The logged step.</param>
    /// <param name="pair">Which pair.</param>
    /// <param name="plus">f_{Y+σV_d} on the set.</param>
    /// <param name="minus">f_{Y−σV_d} on the set.</param>
    /// <param name="trainingCount">n, the number of training labels.</param>
    public static PairResponse Compute(string set, int step, SensitivityPair pair, Tensor plus, Tensor minus, int trainingCount)
    {
        ArgumentNullException.ThrowIfNull(pair);
        ArgumentNullException.ThrowIfNull(plus);
        ArgumentNullException.ThrowIfNull(minus);
        if (plus.dim() != 2 || plus.shape[0] == 0)
            throw new ArgumentException($"Set '{set}', step {step}: predictions must be [N, k] with N ≥ 1; got [{string.Join(", ", plus.shape)}].");
        if (!minus.shape.SequenceEqual(plus.shape))
            throw new ArgumentException($"Set '{set}', step {step}: the runs of pair {pair.Key} predict [{string.Join(", ", plus.shape)}] and [{string.Join(", ", minus.shape)}].");
        using var scope = NewDisposeScope();
        var difference = plus.detach().to_type(ScalarType.Float64) - minus.detach().to_type(ScalarType.Float64);
        double factor = trainingCount / ((double)plus.shape[0] * plus.shape[1]);
        using var twoSigma = (2 * pair.Sigma).ToScalar();
        double value = factor * difference.div(twoSigma).pow(TorchScalars.Two).sum().item<double>();
        return new PairResponse(set, step, pair.Direction, pair.Sigma, value, difference.abs().mean().item<double>());
    }

    /// <summary>Whether this is the response of <paramref name="pair"/>.</summary>
    public bool Of(SensitivityPair pair) => pair.Direction == Direction && pair.Sigma == Sigma;
}
