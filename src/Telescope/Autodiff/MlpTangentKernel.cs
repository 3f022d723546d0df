using Telescope.LinearAlgebra;
using Telescope.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Autodiff;

/// <summary>
/// Tangent-kernel blocks of an <see cref="Mlp"/> from layer-wise features, never per-example Jacobians (docs/method.md §10):
/// for layer l with input a_{l−1} and output sensitivity Δ_l(x) = ∂f/∂z_l ∈ R^{k×h_l},
/// <c>K(x, x') = Σ_l (Δ_l(x) Δ_l(x')ᵀ) ⊙ (a_{l−1}(x)·a_{l−1}(x') [weight trainable] + 1 [bias trainable])</c>.
/// Trace mode contracts the outputs inside one matrix product, about k times cheaper than Full.
/// </summary>
public sealed class MlpTangentKernel : ITangentKernelEngine
{
    private readonly Mlp _model;
    private readonly MlpLayerMap _map;
    private readonly int? _chunkSize;

    /// <param name="model">The network; its current parameters are used at every call.</param>
    /// <param name="chunkSize">Rows of the first input set processed per block (the second set is held whole); null = all.</param>
    public MlpTangentKernel(Mlp model, int? chunkSize = null)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        Parameters = new TrainableParameters(model);
        _map = new MlpLayerMap(model, Parameters);
        _chunkSize = InputChunks.Validate(chunkSize, nameof(chunkSize));
    }

    /// <inheritdoc />
    public TrainableParameters Parameters { get; }

    /// <inheritdoc />
    public Tensor Compute(Tensor inputs, Tensor otherInputs, KernelOutputMode mode)
    {
        Validate(inputs, nameof(inputs));
        Validate(otherInputs, nameof(otherInputs));
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var dtype = Parameters.Tensors[0].dtype;
        var device = Parameters.Tensors[0].device;
        if (inputs.shape[0] == 0 || otherInputs.shape[0] == 0)
            return mode == KernelOutputMode.Full
                ? torch.zeros(inputs.shape[0], otherInputs.shape[0], OutputSize, OutputSize, dtype: dtype, device: device).MoveToOuterDisposeScope()
                : torch.zeros(inputs.shape[0], otherInputs.shape[0], dtype: dtype, device: device).MoveToOuterDisposeScope();
        var other = Features(otherInputs, mode);
        var blocks = new List<Tensor>();
        foreach (var range in InputChunks.Ranges(inputs.shape[0], _chunkSize))
        {
            // The same tensor on both sides (K(X, X)) needs its features only once.
            var mine = ReferenceEquals(inputs, otherInputs) && _chunkSize is null
                ? other
                : Features(InputChunks.Rows(inputs, range), mode);
            blocks.Add(mode == KernelOutputMode.Full ? FullBlock(mine, other) : TraceBlock(mine, other));
        }
        var result = blocks.Count == 1 ? blocks[0] : torch.cat(blocks, 0);
        return result.MoveToOuterDisposeScope();
    }

    private long OutputSize => _model.Options.OutputSize;

    private void Validate(Tensor x, string name)
    {
        TangentChecks.ValidateInputs(Parameters, x);
        if (x.dim() != 2 || x.shape[1] != _model.Options.InputSize)
            throw new ArgumentException($"Inputs have shape [{TangentChecks.Shape(x)}]; this Mlp takes [N, {_model.Options.InputSize}].", name);
    }

    /// <summary>
    /// Per layer: its input a_{l−1} [N, d]; its sensitivity Δ_l [N, k, h] (null for the readout, where Δ = I_k,
    /// and for the penultimate layer in trace mode); φ'(z_l) [N, h]; and, in trace mode, the penultimate
    /// layer's factor φ'(z)·Σ_a W_L[a,·]² [N, h].
    /// </summary>
    private sealed record LayerFeatures(Tensor[] Inputs, Tensor?[] Sensitivities, Tensor?[] Derivatives,
        Tensor? PenultimateTraceFactor, long Rows);

    private LayerFeatures Features(Tensor x, KernelOutputMode mode)
    {
        int L = _map.LayerCount;
        var layerInputs = new Tensor[L];
        var derivatives = new Tensor?[L];
        Tensor a = x;
        for (int l = 0; l < L; l++)
        {
            layerInputs[l] = a;
            if (l + 1 == L) break;
            var z = Gemm.Linear(a, _model.Layers[l].weight!, _model.Layers[l].bias);
            derivatives[l] = _model.Activation.Derivative(z);
            a = _model.Activation.Apply(z);
        }

        var sensitivities = new Tensor?[L];
        Tensor? traceFactor = null;
        long n = x.shape[0], k = OutputSize;
        Tensor? delta = null; // Δ_{l+1}
        for (int l = L - 2; l >= _map.LowestTrainableLayer; l--)
        {
            var wNext = _model.Layers[l + 1].weight!; // [h_{l+1}, h_l]
            var phiPrime = derivatives[l]!;
            if (l == L - 2)
            {
                // Penultimate layer: Δ[a, j] = W_L[a, j] φ'_j. Its trace term factorizes,
                // Σ_{a,j} W_L[a,j]² φ'_j(x) φ'_j(x'), a product over h instead of k·h.
                // sum(0L), not sum(0): a literal int 0 converts to the ScalarType enum and picks sum(dtype).
                if (mode == KernelOutputMode.Trace)
                    traceFactor = phiPrime * wNext.pow(TorchScalars.Two).sum(0L).unsqueeze(0);
                bool needed = mode == KernelOutputMode.Full || l > _map.LowestTrainableLayer;
                delta = needed ? wNext.unsqueeze(0) * phiPrime.unsqueeze(1) : null; // [N, k, h]
                if (mode == KernelOutputMode.Full) sensitivities[l] = delta;
            }
            else
            {
                delta = Gemm.MatMul(delta!.view(n * k, -1), wNext).view(n, k, -1).mul_(phiPrime.unsqueeze(1));
                sensitivities[l] = delta;
            }
        }
        return new LayerFeatures(layerInputs, sensitivities, derivatives, traceFactor, n);
    }

    /// <summary>The factor (a·a' + 1) of layer l's kernel term [N, N'], or null when the layer is frozen.</summary>
    private Tensor? InputFactor(int l, LayerFeatures x, LayerFeatures y)
    {
        bool w = _map.WeightIndex[l] >= 0, b = _map.BiasIndex[l] >= 0;
        if (!w && !b) return null;
        if (!w) return torch.ones(x.Rows, y.Rows, dtype: x.Inputs[0]!.dtype, device: x.Inputs[0]!.device);
        var dot = Gemm.MatMul(x.Inputs[l]!, y.Inputs[l]!.t());
        return b ? dot.add_(TorchScalars.One, TorchScalars.One) : dot;
    }

    private Tensor TraceBlock(LayerFeatures x, LayerFeatures y)
    {
        int L = _map.LayerCount;
        long k = OutputSize;
        using var outputCount = k.ToScalar();
        Tensor? kernel = null;
        for (int l = L - 1; l >= _map.LowestTrainableLayer; l--)
        {
            var input = InputFactor(l, x, y);
            if (input is null) continue;
            Tensor term;
            if (l == L - 1) term = input; // Δ = I_k: (1/k) tr I_k = 1
            else
            {
                var outputs = l == L - 2
                    ? Gemm.MatMul(x.PenultimateTraceFactor!, y.Derivatives[l]!.t())
                    : Gemm.MatMul(x.Sensitivities[l]!.view(x.Rows, -1), y.Sensitivities[l]!.view(y.Rows, -1).t());
                term = outputs.mul_(input).div_(outputCount);
            }
            kernel = kernel is null ? term : kernel.add_(term, TorchScalars.One);
        }
        return kernel!;
    }

    private Tensor FullBlock(LayerFeatures x, LayerFeatures y)
    {
        int L = _map.LayerCount;
        long k = OutputSize, n = x.Rows, m = y.Rows;
        Tensor? kernel = null; // [N, k, N', k] while accumulating
        for (int l = L - 2; l >= _map.LowestTrainableLayer; l--)
        {
            var input = InputFactor(l, x, y);
            if (input is null) continue;
            var term = Gemm.MatMul(x.Sensitivities[l]!.view(n * k, -1), y.Sensitivities[l]!.view(m * k, -1).t())
                .view(n, k, m, k).mul_(input.view(n, 1, m, 1));
            kernel = kernel is null ? term : kernel.add_(term, TorchScalars.One);
        }
        // Readout: Δ = I_k, so its term (a·a' + 1)·I_k lives on the output diagonal a = b only;
        // adding it there in place avoids an N·N'·k² temporary.
        if (InputFactor(L - 1, x, y) is Tensor readout)
        {
            kernel ??= torch.zeros(new[] { n, k, m, k }, dtype: readout.dtype, device: readout.device);
            kernel.diagonal(0, 1, 3).add_(readout.unsqueeze(-1), TorchScalars.One);
        }
        return KernelLayout.ToPairMajor(kernel!);
    }
}
