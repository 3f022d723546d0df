using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Smoothing;

/// <summary>
/// The Rademacher label directions V_d ∈ {−1, +1}^{n×k} shared by the Hutchinson smoother (docs/method.md §4.3) and the
/// retraining estimate p_net (docs/method.md §5.2). Both draw them here from the same seed, so the two estimates use the
/// same V_d and can be compared direction by direction (a paired comparison, far tighter than two
/// independent estimates).
/// </summary>
public static class RademacherDirections
{
    /// <summary>V [D, n, k] with independent ±1 entries from a private generator: the result depends on the seed alone.</summary>
    /// <example><code>using var v = RademacherDirections.Create(4, n: 1000, k: 10, seed: 1, ScalarType.Float32, torch.CPU);</code></example>
    public static Tensor Create(int count, int trainingCount, int outputCount, int seed, ScalarType dtype, Device device)
    {
        if (count < 1 || trainingCount < 1 || outputCount < 1)
            throw new ArgumentException($"Rademacher directions need D, n, k ≥ 1; got D = {count}, n = {trainingCount}, k = {outputCount}.");
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)seed, device: torch.CPU);
        var bits = torch.randint(0, 2, [count, trainingCount, outputCount], generator: generator, dtype: ScalarType.Int64);
        using var two = 2.0.ToScalar();
        using var one = 1.0.ToScalar();
        return bits.to(dtype).mul_(two).sub_(one).to(device).MoveToOuterDisposeScope();
    }
}
