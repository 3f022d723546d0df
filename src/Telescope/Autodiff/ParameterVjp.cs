using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Autodiff;

/// <summary>
/// Vector-Jacobian products over a batch, Σ_i J(x_i)ᵀ r_i (or the mean), returned per trainable parameter:
/// one forward and one backward pass per cotangent, never a per-example Jacobian. Label-tangent propagation
/// (docs/method.md §4.3) calls it with r_i = c·(ḟ̂(x_i) − V_i). Works for any module that treats examples independently.
/// </summary>
public sealed class ParameterVjp
{
    private readonly nn.Module<Tensor, Tensor> _module;
    private readonly int? _chunkSize;

    /// <param name="module">Any module mapping a batch [N, …] to outputs [N, k] (or [N]).</param>
    /// <param name="chunkSize">Rows per block (bounds the graph's memory); null = all at once.</param>
    public ParameterVjp(nn.Module<Tensor, Tensor> module, int? chunkSize = null)
    {
        _module = module ?? throw new ArgumentNullException(nameof(module));
        Parameters = new TrainableParameters(module);
        _chunkSize = InputChunks.Validate(chunkSize, nameof(chunkSize));
    }

    /// <summary>The parameters θ the products are taken over.</summary>
    public TrainableParameters Parameters { get; }

    /// <summary>Σ_i J(x_i)ᵀ r_i (or its mean) for one cotangent <paramref name="cotangents"/> [N, k]; detached, per parameter.</summary>
    public Tensor[] Compute(Tensor inputs, Tensor cotangents, VjpReduction reduction = VjpReduction.Sum)
    {
        ArgumentNullException.ThrowIfNull(cotangents);
        using var scope = torch.NewDisposeScope();
        var result = ComputeMany(inputs, cotangents.unsqueeze(0), reduction)[0];
        foreach (var t in result) t.MoveToOuterDisposeScope();
        return result;
    }

    /// <summary>
    /// D products at once from stacked cotangents [D, N, k] sharing one forward pass (D backward passes):
    /// element [d][p] is Σ_i J(x_i)ᵀ r^{(d)}_i for parameter p (or the mean over i).
    /// </summary>
    public Tensor[][] ComputeMany(Tensor inputs, Tensor cotangents, VjpReduction reduction = VjpReduction.Sum)
    {
        TangentChecks.ValidateInputs(Parameters, inputs);
        ArgumentNullException.ThrowIfNull(cotangents);
        long n = inputs.shape[0];
        if (cotangents.dim() != 3 || cotangents.shape[1] != n)
            throw new ArgumentException(
                $"Cotangents have shape [{TangentChecks.Shape(cotangents)}]; expected [D, {n}, k], one row per input.", nameof(cotangents));
        int d = (int)cotangents.shape[0];
        var parameters = Parameters.Tensors.ToArray();

        using var scope = torch.NewDisposeScope();
        var sums = Enumerable.Range(0, d).Select(_ => parameters.Select(p => torch.zeros_like(p)).ToArray()).ToArray();
        foreach (var range in InputChunks.Ranges(n, _chunkSize))
        {
            using var chunkScope = torch.NewDisposeScope();
            using var grad = torch.enable_grad();
            var x = InputChunks.Rows(inputs, range);
            var f = TangentChecks.AsMatrix(_module.forward(x), range.Length);
            var r = cotangents.narrow(1, range.Start, range.Length).to(f.dtype, f.device);
            if (r.shape[2] != f.shape[1])
                throw new ArgumentException(
                    $"Cotangents have {r.shape[2]} outputs per input but the module returns {f.shape[1]}.", nameof(cotangents));
            for (int k = 0; k < d; k++)
            {
                var g = torch.autograd.grad(new[] { f }, parameters, new[] { r[k] },
                    retain_graph: k + 1 < d, allow_unused: true);
                for (int p = 0; p < parameters.Length; p++)
                    // A parameter the output does not use has a zero gradient.
                    if (g[p] is not null && !g[p].IsInvalid) sums[k][p].add_(g[p], TorchScalars.One);
            }
        }
        if (reduction == VjpReduction.Mean && n > 0)
        {
            using var count = n.ToScalar();
            foreach (var perParameter in sums) foreach (var t in perParameter) t.div_(count);
        }
        foreach (var perParameter in sums) foreach (var t in perParameter) t.MoveToOuterDisposeScope();
        return sums;
    }
}
