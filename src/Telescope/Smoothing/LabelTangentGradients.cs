using Telescope.Autodiff;
using Telescope.LinearAlgebra;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Smoothing;

/// <summary>
/// The label tangents of the batch gradient for <see cref="LabelTangentSmoother"/>: one VJP per direction, or the
/// batch's per-example Jacobians once when that is cheaper (<see cref="TangentGradientMethod"/>).
/// </summary>
internal static class LabelTangentGradients
{
    /// <summary>Ġ = (1/|B|) Σ_i J(x_i)ᵀ ṙ_i for all directions, per parameter [D_total, ...] (inside the caller's scope).</summary>
    public static Tensor[] Compute(ParameterVjp vjp, TrainableParameters parameters, TangentGradientMethod method, int totalDirections,
        int outputCount, ScalarType dtype, Tensor batchInputs, Tensor residual)
    {
        long b = residual.shape[1];
        bool useJacobian = method switch
        {
            TangentGradientMethod.BatchJacobian => true,
            TangentGradientMethod.Vjp => false,
            _ => totalDirections > b * outputCount,
        };
        if (!useJacobian)
        {
            var perDirection = vjp.ComputeMany(batchInputs, residual, VjpReduction.Mean);   // [D_total][P]
            return Enumerable.Range(0, parameters.Tensors.Count)
                .Select(p => torch.stack(perDirection.Select(g => g[p]).ToArray()).to(dtype))
                .ToArray();
        }
        if (parameters.Module is not nn.Module<Tensor, Tensor> module)
            throw new InvalidOperationException(
                "TangentGradientMethod.BatchJacobian needs a module mapping one tensor to one tensor; use TangentGradientMethod.Vjp.");
        var jacobian = PerExampleJacobian.Compute(module, parameters, batchInputs).to(dtype);          // [b, k, P]
        // [D, b·k] × [b·k, P] → [D, P], then the batch mean.
        using var batchSize = b.ToScalar();
        var flat = Gemm.MatMul(residual.reshape(totalDirections, b * outputCount), jacobian.reshape(b * outputCount, -1)).div_(batchSize);
        var result = new Tensor[parameters.Tensors.Count];
        long offset = 0;
        for (int p = 0; p < result.Length; p++)
        {
            var shape = parameters.Tensors[p].shape;
            long size = parameters.Tensors[p].numel();
            result[p] = flat.narrow(1, offset, size).reshape([totalDirections, .. shape]);
            offset += size;
        }
        return result;
    }
}
