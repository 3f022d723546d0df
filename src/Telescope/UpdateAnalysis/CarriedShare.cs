using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.UpdateAnalysis;

/// <summary>
/// How much of one step's functional change Δf_t = Σ_c J_{t−1}·Δθ_t^(c) a component carries, on a tracked set
/// (our definitions; norms are Frobenius over inputs and outputs):
/// <list type="bullet">
/// <item><c>magnitude</c> = ‖Δf^(c)‖ / Σ_c' ‖Δf^(c')‖ ∈ [0, 1];</item>
/// <item><c>projection</c> = ⟨Δf^(c), Δf⟩ / ‖Δf‖² (components' projections sum to 1; negative when a component
/// works against the step). For heavy-ball momentum with a constant gradient the momentum component's projection
/// tends to β.</item>
/// </list>
/// </summary>
/// <example>
/// <code>
/// var parts = increments.Components.Select(increments.Step).ToArray();          // this step's Δf^(c)
/// var (magnitude, projection) = CarriedShare.Of(increments.Step("momentum"), parts);
/// </code>
/// </example>
public static class CarriedShare
{
    /// <summary>The magnitude and projection shares of <paramref name="component"/> among <paramref name="all"/> (which includes it).</summary>
    public static (double Magnitude, double Projection) Of(Tensor component, IReadOnlyList<Tensor> all)
    {
        ArgumentNullException.ThrowIfNull(component);
        ArgumentNullException.ThrowIfNull(all);
        using var scope = torch.NewDisposeScope();
        var c = component.to_type(ScalarType.Float64);
        var total = all.Select(t => t.to_type(ScalarType.Float64)).Aggregate((a, b) => a.add(b, TorchScalars.One));
        double norms = all.Sum(t => t.to_type(ScalarType.Float64).norm().item<double>());
        double totalSquare = total.pow(TorchScalars.Two).sum().item<double>();
        double magnitude = norms > 0 ? c.norm().item<double>() / norms : double.NaN;
        double projection = totalSquare > 0 ? (c * total).sum().item<double>() / totalSquare : double.NaN;
        return (magnitude, projection);
    }
}
