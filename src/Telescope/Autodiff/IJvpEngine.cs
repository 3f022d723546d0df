using static TorchSharp.torch;

namespace Telescope.Autodiff;

/// <summary>
/// Computes Jacobian-vector products J(x)·v of a model at its current parameters, where J = ∂f/∂θ over
/// the <see cref="TrainableParameters"/> and v is a tangent given per parameter (same order and shapes).
/// Engines know nothing of what the products are used for (telescoping, kernels, smoothers).
/// </summary>
public interface IJvpEngine
{
    TrainableParameters Parameters { get; }

    /// <summary>
    /// Evaluates f(x) [N, k] and, for each tangent t, J(x)·t, stacked as [T, N, k]. Both are detached.
    /// Several tangents share one primal pass (the design-choice decomposition uses this).
    /// </summary>
    JvpResult Compute(Tensor inputs, IReadOnlyList<IReadOnlyList<Tensor>> tangents);
}

/// <summary>f(x) and the stacked JVPs of one <see cref="IJvpEngine.Compute"/> call.</summary>
public sealed record JvpResult(Tensor Output, Tensor Jvps) : IDisposable
{
    public void Dispose() { Output.Dispose(); Jvps.Dispose(); }
}
