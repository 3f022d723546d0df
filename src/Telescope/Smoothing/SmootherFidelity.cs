using static TorchSharp.torch;

namespace Telescope.Smoothing;

/// <summary>
/// The fidelity check of docs/method.md §4, always reported next to a smoother: mean absolute gaps (over inputs and
/// outputs) between the surrogate prediction f̂_T = S_T·vec(Y) + c_T, the telescoping model f̃_T and the
/// network f_{θ_T} on one tracked set.
/// </summary>
public sealed record SmootherFidelity(double SurrogateVsTelescoped, double SurrogateVsNetwork, double TelescopedVsNetwork)
{
    /// <summary>Computes the three gaps; all arguments are [N, k] predictions on the same inputs.</summary>
    public static SmootherFidelity Compute(Tensor surrogate, Tensor telescoped, Tensor network)
    {
        if (!surrogate.shape.SequenceEqual(telescoped.shape) || !surrogate.shape.SequenceEqual(network.shape))
            throw new ArgumentException(
                $"Fidelity needs predictions of one shape: surrogate [{string.Join(", ", surrogate.shape)}], " +
                $"telescoped [{string.Join(", ", telescoped.shape)}], network [{string.Join(", ", network.shape)}].");
        using var scope = NewDisposeScope();
        var s = surrogate.to_type(ScalarType.Float64);
        var t = telescoped.to_type(ScalarType.Float64);
        var f = network.to_type(ScalarType.Float64);
        return new SmootherFidelity(
            (s - t).abs().mean().item<double>(),
            (s - f).abs().mean().item<double>(),
            (t - f).abs().mean().item<double>());
    }
}
