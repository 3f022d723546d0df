using static TorchSharp.torch;

namespace Telescope.Autodiff;

/// <summary>How the k×k output block of a tangent kernel is represented.</summary>
public enum KernelOutputMode
{
    /// <summary>The full k×k block K(x, x') = J(x) J(x')ᵀ: result [N, N', k, k].</summary>
    Full,
    /// <summary>(1/k)·tr K(x, x'): result [N, N'] (docs/method.md §4.2 trace mode, one weight per output).</summary>
    Trace,
}

/// <summary>
/// Tangent-kernel blocks K(X, X') = J(X) J(X')ᵀ at the model's current parameters, over its
/// <see cref="TrainableParameters"/>. Implementations never materialize per-example Jacobians when the
/// architecture allows (layer-wise for MLPs, docs/method.md §10).
/// </summary>
public interface ITangentKernelEngine
{
    TrainableParameters Parameters { get; }

    /// <summary>[N, N', k, k] for <see cref="KernelOutputMode.Full"/>, [N, N'] for Trace; detached.</summary>
    Tensor Compute(Tensor inputs, Tensor otherInputs, KernelOutputMode mode);
}
