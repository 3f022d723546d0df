using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Autodiff;

/// <summary>
/// Explicit per-example Jacobians J(x_i) = ∂f(x_i)/∂θ, flattened over the <see cref="TrainableParameters"/>
/// (in their order), by one reverse pass per example and output. Costs N·k backward passes and N·k·P
/// floats: for small models, tests and the generic kernel fallback only.
/// </summary>
public static class PerExampleJacobian
{
    /// <summary>[N, k, P] Jacobians of <paramref name="module"/> at its current parameters; detached.</summary>
    /// <remarks>Assumes the module treats examples independently (row i of the output depends on input i only).</remarks>
    public static Tensor Compute(nn.Module<Tensor, Tensor> module, TrainableParameters parameters, Tensor inputs)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(parameters);
        TangentChecks.ValidateInputs(parameters, inputs);
        var tensors = parameters.Tensors.ToArray();
        long n = inputs.shape[0];

        using var scope = torch.NewDisposeScope();
        using var grad = torch.enable_grad();
        var f = TangentChecks.AsMatrix(module.forward(inputs), n);
        long k = f.shape[1];
        // Preallocated once; each backward pass writes one row per parameter slice.
        var jacobian = torch.zeros(n, k, parameters.Count, dtype: tensors[0].dtype, device: tensors[0].device);
        for (long i = 0; i < n; i++)
            for (long a = 0; a < k; a++)
            {
                using var rowScope = torch.NewDisposeScope();
                bool last = i + 1 == n && a + 1 == k;
                var g = torch.autograd.grad(new[] { f[i, a] }, tensors, retain_graph: !last, allow_unused: true);
                long offset = 0;
                for (int p = 0; p < tensors.Length; p++)
                {
                    long size = tensors[p].numel();
                    if (g[p] is not null && !g[p].IsInvalid)
                        jacobian[i, a].narrow(0, offset, size).copy_(g[p].flatten());
                    offset += size;
                }
            }
        return jacobian.MoveToOuterDisposeScope();
    }
}
