using static TorchSharp.torch;

namespace Telescope.Telescoping;

/// <summary>Settings of a <see cref="TelescopingTracker"/>.</summary>
public sealed record TelescopingOptions
{
    /// <summary>
    /// s ≥ 1: linearize once per s steps (J at the start of the window, Δθ = the window's total update).
    /// s = 1 is the telescoping model of docs/method.md §2; larger s trades accuracy for speed.
    /// </summary>
    public int Stride { get; init; } = 1;

    /// <summary>Also track f_lin, the model linearized at initialization (one JVP at θ_0 per measurement).</summary>
    public bool TrackLinearized { get; init; } = true;

    /// <summary>
    /// Track the cumulative functional contribution Σ_t J_{t-1}(x)·Δθ_t^(c) of each named update component
    /// (docs/method.md §2 design-choice decomposition). Costs one extra tangent per component in the JVP pass.
    /// </summary>
    public bool TrackComponents { get; init; }

    /// <summary>Inputs per JVP call; bounds memory on large tracked sets.</summary>
    public int ChunkSize { get; init; } = 4096;

    /// <summary>
    /// dtype of the running sums f̃, Σ Δθ and component contributions. Float64 by default so that summing
    /// thousands of tiny per-step increments does not itself become the approximation error being measured.
    /// </summary>
    public ScalarType AccumulatorType { get; init; } = ScalarType.Float64;
}
