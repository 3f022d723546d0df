using System.Globalization;

namespace Telescope.Smoothing;

/// <summary>
/// Which stability limit of the surrogate's residual recursion r ← (I − A_t) r applies (docs/method.md §5.3): the named
/// settings reports print next to the surrogate sharpness λ_t.
/// </summary>
public enum StabilityBoundKind
{
    /// <summary>Plain (S)GD: stable while λ &lt; 2.</summary>
    GradientDescent,
    /// <summary>Heavy-ball momentum β: stable while λ &lt; 2(1 + β).</summary>
    HeavyBall,
    /// <summary>Adam's moment m = β1 m + (1 − β1) g with update −γ T m̂: stable while λ &lt; 2(1 + β1)/(1 − β1) (38 for β1 = 0.9; Cohen et al. 2022).</summary>
    Adam,
}

/// <summary>A stability bound: its kind, the momentum it was computed with, and its value.</summary>
/// <param name="Kind">Which recursion.</param>
/// <param name="Momentum">β or β1 (0 for plain GD).</param>
public sealed record StabilityBound(StabilityBoundKind Kind, double Momentum)
{
    /// <summary>The limit on λ_t.</summary>
    public double Value => Kind switch
    {
        StabilityBoundKind.GradientDescent => 2,
        StabilityBoundKind.HeavyBall => 2 * (1 + Momentum),
        _ => 2 * (1 + Momentum) / (1 - Momentum),
    };

    /// <summary>The setting's name, as recipes accept it: gd, heavy-ball or adam.</summary>
    public string Name => Kind switch
    {
        StabilityBoundKind.GradientDescent => "gd",
        StabilityBoundKind.HeavyBall => "heavy-ball",
        _ => "adam",
    };

    /// <summary>E.g. "adam: 2(1+β1)/(1−β1) = 38 (β1 = 0.9)", for reports.</summary>
    public string Description => Kind switch
    {
        StabilityBoundKind.GradientDescent => "gd: λ < 2",
        StabilityBoundKind.HeavyBall => string.Create(CultureInfo.InvariantCulture, $"heavy-ball: λ < 2(1+β) = {Value:G4} (β = {Momentum:G4})"),
        _ => string.Create(CultureInfo.InvariantCulture, $"adam: λ < 2(1+β1)/(1−β1) = {Value:G4} (β1 = {Momentum:G4}; Cohen et al. 2022, adaptive edge of stability)"),
    };

    /// <summary>The bound that matches a realized step rule: GD without momentum, heavy ball with it (Nesterov too, approximately), Adam for Adam(W).</summary>
    public static StabilityBound For(TangentStepRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return rule.Kind == TangentOptimizerKind.Adam ? new(StabilityBoundKind.Adam, rule.Beta1)
            : rule.Momentum > 0 ? new(StabilityBoundKind.HeavyBall, rule.Momentum)
            : new(StabilityBoundKind.GradientDescent, 0);
    }

    /// <summary>Parses a recipe setting: gd, heavy-ball or adam, with the optimizer's momentum.</summary>
    public static StabilityBound Parse(string name, double momentum) => name switch
    {
        "gd" => new(StabilityBoundKind.GradientDescent, 0),
        "heavy-ball" => new(StabilityBoundKind.HeavyBall, momentum),
        "adam" => momentum is >= 0 and < 1 ? new(StabilityBoundKind.Adam, momentum) : throw new ArgumentException($"β1 must lie in [0, 1); got {momentum}."),
        _ => throw new ArgumentException($"Unknown stability bound '{name}'; use gd, heavy-ball or adam."),
    };
}
