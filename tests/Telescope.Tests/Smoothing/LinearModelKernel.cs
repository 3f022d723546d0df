using Telescope.Autodiff;
using Telescope.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Tests.Smoothing;

/// <summary>
/// Test-only closed form for f(x) = W x (an <see cref="Mlp"/> without hidden layers or bias):
/// ∂f_a/∂W_bc = δ_ab x_c, so K(x, x') = (xᵀx')·I_k whatever W is. Written from the formula, not from
/// autograd, so tests over many steps stay fast and independent of the library's engines.
/// </summary>
internal sealed class LinearModelKernel : ITangentKernelEngine
{
    private readonly int _outputs;

    public LinearModelKernel(Mlp model)
    {
        if (model.Layers.Count != 1 || model.Layers[0].bias is not null)
            throw new ArgumentException("LinearModelKernel needs an Mlp with no hidden layers and no bias.");
        Parameters = new TrainableParameters(model);
        _outputs = model.Options.OutputSize;
    }

    public TrainableParameters Parameters { get; }

    public Tensor Compute(Tensor inputs, Tensor otherInputs, KernelOutputMode mode)
    {
        var gram = inputs.mm(otherInputs.T);
        if (mode == KernelOutputMode.Trace) return gram;
        using (gram)
        using (var eye = torch.eye(_outputs, dtype: gram.dtype, device: gram.device))
            return gram.unsqueeze(2).unsqueeze(3) * eye;
    }
}
