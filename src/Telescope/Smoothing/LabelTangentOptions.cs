using static TorchSharp.torch;

namespace Telescope.Smoothing;

/// <summary>Settings of a <see cref="LabelTangentSmoother"/>.</summary>
public sealed record LabelTangentOptions
{
    /// <summary>k, outputs per label.</summary>
    public required int OutputCount { get; init; }
    /// <summary>c in ℓ(f, y) = (c/2)·||f − y||² (docs/method.md §1); c = 2/k reproduces PyTorch's MSELoss (docs/method.md §1's "1/k" gives MSELoss/2).</summary>
    public double LossScale { get; init; } = 1.0;
    /// <summary>Basis directions (exact S) or Hutchinson's random ones.</summary>
    public LabelDirections Directions { get; init; } = LabelDirections.Hutchinson;
    /// <summary>D for <see cref="LabelDirections.Hutchinson"/> (ignored for the basis, where D = n·k).</summary>
    public int DirectionCount { get; init; } = 32;
    /// <summary>Seed of the Rademacher directions.</summary>
    public int Seed { get; init; }
    /// <summary>
    /// When set (Y [n, k]), the smoother also runs the surrogate itself — one more tangent, started from
    /// θ̇_0 = θ_0 and ḟ̂_0 = f_{θ_0}, with V = Y — so f̂_T is available for the fidelity check of docs/method.md §4.
    /// Tracked sets then need their initial predictions.
    /// </summary>
    public Tensor? SurrogateLabels { get; init; }

    /// <summary>Adam's preconditioner in the surrogate run: frozen at its realized values (docs/method.md §4.3) or the surrogate's own, differentiated.</summary>
    public TangentPreconditioner Preconditioner { get; init; } = TangentPreconditioner.Frozen;

    /// <summary>How the batch gradient tangent Ġ is formed (exact either way; <see cref="TangentGradientMethod.Auto"/> picks the cheaper).</summary>
    public TangentGradientMethod GradientMethod { get; init; } = TangentGradientMethod.Auto;

    /// <summary>Throws naming the first invalid setting.</summary>
    public void Validate()
    {
        if (OutputCount < 1) throw new ArgumentException($"LabelTangentOptions.OutputCount must be ≥ 1; got {OutputCount}.");
        if (!double.IsFinite(LossScale) || LossScale <= 0)
            throw new ArgumentException($"LabelTangentOptions.LossScale (c) must be positive and finite; got {LossScale}.");
        if (Preconditioner == TangentPreconditioner.Differentiated && SurrogateLabels is null)
            throw new ArgumentException("TangentPreconditioner.Differentiated needs the surrogate run: set LabelTangentOptions.SurrogateLabels (its own gradients define its preconditioner).");
        if (Directions == LabelDirections.Hutchinson && DirectionCount < 1)
            throw new ArgumentException($"LabelTangentOptions.DirectionCount must be ≥ 1 for Hutchinson; got {DirectionCount} (use ≥ 2 for a standard error).");
    }
}
