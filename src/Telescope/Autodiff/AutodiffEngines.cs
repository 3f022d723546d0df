using Telescope.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Autodiff;

/// <summary>
/// Picks the fastest exact engine for a module: the layer-wise ones for an <see cref="Mlp"/>, the generic
/// autograd ones for anything else. Callers that need a specific engine construct it directly.
/// </summary>
public static class AutodiffEngines
{
    /// <summary><see cref="ForwardModeJvp"/> for an <see cref="Mlp"/>, otherwise <see cref="DoubleBackwardJvp"/>.</summary>
    public static IJvpEngine CreateJvp(nn.Module<Tensor, Tensor> module, int? chunkSize = null) =>
        module is Mlp mlp ? new ForwardModeJvp(mlp, chunkSize) : new DoubleBackwardJvp(module, chunkSize);

    /// <summary><see cref="MlpTangentKernel"/> for an <see cref="Mlp"/>, otherwise <see cref="GenericTangentKernel"/>.</summary>
    public static ITangentKernelEngine CreateTangentKernel(nn.Module<Tensor, Tensor> module, int? chunkSize = null) =>
        module is Mlp mlp
            ? new MlpTangentKernel(mlp, chunkSize)
            : new GenericTangentKernel(module, chunkSize ?? GenericTangentKernel.DefaultChunkSize);
}
