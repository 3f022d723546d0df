using Telescope.Autodiff;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Tests.Smoothing;

/// <summary>
/// Test-only reference: the explicit Jacobian J(X) [N, k, P] of a module at its current parameters, one
/// reverse pass per (input, output) via autograd, and the JVPs, VJPs and tangent kernels it implies by
/// plain matrix products. Independent of the library's engines by construction; for small models only.
/// </summary>
internal sealed class ExplicitJacobian(nn.Module<Tensor, Tensor> model) : IJvpEngine, ITangentKernelEngine
{
    public TrainableParameters Parameters { get; } = new(model);

    /// <summary>J(X) [N, k, P], parameters flattened in <see cref="TrainableParameters"/> order.</summary>
    public Tensor Of(Tensor inputs)
    {
        var rows = new List<Tensor>();
        using var output = model.forward(inputs);
        long n = output.shape[0], k = output.shape[1];
        for (long i = 0; i < n; i++)
            for (long a = 0; a < k; a++)
            {
                var grads = torch.autograd.grad([output[i, a]], Parameters.Tensors.ToArray(), retain_graph: true, allow_unused: true);
                rows.Add(torch.cat(grads.Select((g, j) => (g.IsInvalid ? torch.zeros_like(Parameters.Tensors[j]) : g).reshape(-1)).ToArray()));
            }
        return torch.stack(rows).reshape(n, k, -1).detach();
    }

    /// <summary>A per-parameter list as one flat vector.</summary>
    public static Tensor Flatten(IReadOnlyList<Tensor> perParameter) => torch.cat(perParameter.Select(t => t.reshape(-1)).ToArray());

    public JvpResult Compute(Tensor inputs, IReadOnlyList<IReadOnlyList<Tensor>> tangents)
    {
        using var j = Of(inputs);
        Tensor output;
        using (torch.no_grad()) output = model.forward(inputs).detach();
        var stacked = torch.stack(tangents.Select(Flatten).ToArray());                 // [T, P]
        var jvps = torch.einsum("nkp,tp->tnk", j, stacked);
        return new JvpResult(output, jvps);
    }

    public Tensor Compute(Tensor inputs, Tensor otherInputs, KernelOutputMode mode)
    {
        using var j1 = Of(inputs);
        using var j2 = Of(otherInputs);
        var full = torch.einsum("nap,mbp->nmab", j1, j2);
        if (mode == KernelOutputMode.Full) return full;
        using (full) return full.diagonal(0, 2, 3).mean([2]);
    }
}
