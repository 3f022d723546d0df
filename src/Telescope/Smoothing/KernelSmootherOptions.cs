using Telescope.Autodiff;

namespace Telescope.Smoothing;

/// <summary>Settings of a <see cref="KernelSmoother"/>.</summary>
public sealed record KernelSmootherOptions
{
    /// <summary>c in ℓ(f, y) = (c/2)·||f − y||² (docs/method.md §1); c = 2/k reproduces PyTorch's MSELoss (docs/method.md §1's "1/k" gives MSELoss/2).</summary>
    public double LossScale { get; init; } = 1.0;

    /// <summary>
    /// How the k×k kernel blocks are used (docs/method.md §4.2). Null picks <see cref="KernelOutputMode.Trace"/>, the
    /// default for k &gt; 1 and the only mode for k = 1 (where both coincide); <see cref="KernelOutputMode.Full"/>
    /// is exact for plain SGD but stores S(x) ∈ R^{k×nk} per input.
    /// </summary>
    public KernelOutputMode? Mode { get; init; }
}
