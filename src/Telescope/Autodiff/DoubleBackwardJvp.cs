using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Autodiff;

/// <summary>
/// JVPs of any module by the double-backward trick (TorchSharp has no forward-mode AD): with a dummy
/// cotangent u = 0 that requires grad, g(u) = J(x)ᵀu is linear in u, so ∂(g(u)·v)/∂u = J(x)·v.
/// One forward, one differentiable backward shared by all tangents, then one backward per tangent;
/// about 4–5 forward passes for one tangent (docs/method.md §10). The fallback for modules that are not an <c>Mlp</c>.
/// Assumes the module treats examples independently (e.g. no batch statistics in training mode).
/// </summary>
/// <example>
/// <code>
/// // using Telescope.Autodiff; using Telescope.Models; using TorchSharp; using static TorchSharp.torch;
/// var net = new ResNet(new ResNetOptions { Width = 2, BlocksPerStage = 1, InputChannels = 1, NumClasses = 3, DType = ScalarType.Float64 }, seed: 0);
/// net.eval();   // BatchNorm with running statistics: examples independent, as the engine assumes
/// var engine = new DoubleBackwardJvp(net);
/// using var gen = new Generator(0);
/// var v = engine.Parameters.Tensors.Select(p => torch.randn(p.shape, dtype: p.dtype, generator: gen)).ToArray();
/// using var images = torch.randn([4, 1, 8, 8], dtype: ScalarType.Float64, generator: gen);
/// using var result = engine.Compute(images, [v]);
/// Console.WriteLine($"J·v: [{string.Join(", ", result.Jvps.shape)}]");   // [1, 4, 3]: tangents × images × classes
/// </code>
/// </example>
public sealed class DoubleBackwardJvp : IJvpEngine
{
    private readonly nn.Module<Tensor, Tensor> _module;
    private readonly int? _chunkSize;

    /// <param name="module">Any module mapping a batch [N, …] to outputs [N, k] (or [N]).</param>
    /// <param name="chunkSize">Rows processed per block (bounds the graph's memory); null = all at once.</param>
    public DoubleBackwardJvp(nn.Module<Tensor, Tensor> module, int? chunkSize = null)
    {
        _module = module ?? throw new ArgumentNullException(nameof(module));
        Parameters = new TrainableParameters(module);
        _chunkSize = InputChunks.Validate(chunkSize, nameof(chunkSize));
    }

    /// <inheritdoc />
    public TrainableParameters Parameters { get; }

    /// <inheritdoc />
    public JvpResult Compute(Tensor inputs, IReadOnlyList<IReadOnlyList<Tensor>> tangents)
    {
        TangentChecks.ValidateInputs(Parameters, inputs);
        TangentChecks.Validate(Parameters, tangents);
        using var scope = torch.NewDisposeScope();
        var converted = tangents
            .Select(t => t.Select((v, p) => v.to(Parameters.Tensors[p].dtype, Parameters.Tensors[p].device)).ToArray())
            .ToArray();
        var outputs = new List<Tensor>();
        var jvps = new List<Tensor>();
        foreach (var range in InputChunks.Ranges(inputs.shape[0], _chunkSize))
        {
            var (f, j) = ComputeChunk(InputChunks.Rows(inputs, range), converted);
            outputs.Add(f);
            jvps.Add(j);
        }
        var output = outputs.Count == 1 ? outputs[0] : torch.cat(outputs, 0);
        var jvp = jvps.Count == 1 ? jvps[0] : torch.cat(jvps, 1);
        return new JvpResult(output.MoveToOuterDisposeScope(), jvp.MoveToOuterDisposeScope());
    }

    private (Tensor Output, Tensor Jvps) ComputeChunk(Tensor x, Tensor[][] tangents)
    {
        using var grad = torch.enable_grad();
        var f = TangentChecks.AsMatrix(_module.forward(x), x.shape[0]);
        var u = torch.zeros_like(f).requires_grad_(true);
        var parameters = Parameters.Tensors.ToArray();
        // create_graph does not imply retain_graph in TorchSharp (STACK.md): pass both.
        var g = torch.autograd.grad(new[] { f }, parameters, new[] { u },
            retain_graph: true, create_graph: true, allow_unused: true);
        var jvps = new Tensor[tangents.Length];
        for (int t = 0; t < tangents.Length; t++)
        {
            Tensor? s = null;
            for (int p = 0; p < parameters.Length; p++)
            {
                // A parameter the output does not use has no gradient and contributes nothing.
                if (g[p] is null || g[p].IsInvalid || !g[p].requires_grad) continue;
                var term = (g[p] * tangents[t][p]).sum();
                s = s is null ? term : s.add_(term, TorchScalars.One);
            }
            jvps[t] = s is null
                ? torch.zeros_like(f)
                : torch.autograd.grad(new[] { s }, new[] { u }, retain_graph: true, allow_unused: true)[0].detach();
        }
        var stacked = jvps.Length == 0
            ? torch.zeros(0, f.shape[0], f.shape[1], dtype: f.dtype, device: f.device)
            : torch.stack(jvps);
        return (f.detach(), stacked);
    }
}
