using Telescope.Autodiff;
using Telescope.LinearAlgebra;
using Telescope.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.UpdateAnalysis;

/// <summary>
/// The preconditioned tangent kernel K^T(x, x′) = (1/k)·tr J(x) T J(x′)ᵀ of an <see cref="Mlp"/>, exactly, for an
/// elementwise preconditioner T (one non-negative value per parameter entry, e.g. Adam's
/// <see cref="Optim.AdamOptimizer.Preconditioners"/>), without per-example Jacobians of the whole network.
/// Per dense layer with input a(x), output sensitivity Δ(x) = ∂f/∂z ∈ R^{k×h} and weight preconditioner τ ∈ R^{h×d}:
/// <c>K_l(x, x′) = (1/k) Σ_i P_i(x, x′)·(Σ_j τ_ij a_j(x) a_j(x′) + τ^b_i)</c>, P_i(x, x′) = Σ_a Δ_ai(x) Δ_ai(x′),
/// evaluated in blocks of hidden units (cost N·N′·h·d per layer, memory bounded by <see cref="ElementBudget"/>).
/// With T = null (the identity) it equals <see cref="MlpTangentKernel"/>'s trace kernel.
/// </summary>
/// <example>
/// <code>
/// var kernel = new PreconditionedMlpKernel(mlp);
/// using var kt = kernel.Compute(xTest, xTrain, adam.Preconditioners);   // [N, N′]
/// using var k = kernel.Compute(xTest, xTrain, null);                     // the plain trace kernel
/// double alignment = KernelAlignment.Compute(kt, k);
/// </code>
/// </example>
public sealed class PreconditionedMlpKernel
{
    private readonly Mlp _model;
    private readonly MlpLayerMap _map;

    public PreconditionedMlpKernel(Mlp model)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        Parameters = new TrainableParameters(model);
        _map = new MlpLayerMap(model, Parameters);
    }

    /// <summary>The parameters θ the kernel is taken over (the order of the preconditioner's tensors).</summary>
    public TrainableParameters Parameters { get; }

    /// <summary>Largest number of elements of one temporary block (units × N × max(N′, d)).</summary>
    public long ElementBudget { get; init; } = 8_000_000;

    /// <summary>[N, N′] trace kernel at the current parameters; <paramref name="preconditioner"/> null means T = I.</summary>
    public Tensor Compute(Tensor inputs, Tensor otherInputs, IReadOnlyList<Tensor>? preconditioner)
    {
        Validate(inputs, nameof(inputs));
        Validate(otherInputs, nameof(otherInputs));
        if (preconditioner is not null)
        {
            if (preconditioner.Count != Parameters.Tensors.Count)
                throw new ArgumentException($"The preconditioner has {preconditioner.Count} tensors; the model has {Parameters.Tensors.Count} trainable parameters.", nameof(preconditioner));
            for (int p = 0; p < preconditioner.Count; p++)
                if (!preconditioner[p].shape.SequenceEqual(Parameters.Tensors[p].shape))
                    throw new ArgumentException($"Preconditioner tensor {p} has shape [{TangentChecks.Shape(preconditioner[p])}], its parameter [{TangentChecks.Shape(Parameters.Tensors[p])}].", nameof(preconditioner));
        }
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var (ax, dx) = Features(inputs);
        var (ay, dy) = Features(otherInputs);
        long n = inputs.shape[0], m = otherInputs.shape[0], k = _model.Options.OutputSize;
        var w0 = Parameters.Tensors[0];
        var kernel = torch.zeros(n, m, dtype: w0.dtype, device: w0.device);
        for (int l = _map.LowestTrainableLayer; l < _map.LayerCount; l++)
        {
            int wi = _map.WeightIndex[l], bi = _map.BiasIndex[l];
            if (wi < 0 && bi < 0) continue;
            long h = dx[l].shape[2], d = ax[l].shape[1];
            var tauW = wi < 0 ? null : preconditioner?[wi].to(w0.dtype, w0.device);
            var tauB = bi < 0 ? null : preconditioner?[bi].to(w0.dtype, w0.device);
            long block = Math.Max(1, ElementBudget / Math.Max(1, n * Math.Max(m, d)));
            for (long start = 0; start < h; start += block)
            {
                using var blockScope = torch.NewDisposeScope();
                long c = Math.Min(block, h - start);
                // P_i(x, x′) = Σ_a Δ_ai(x) Δ_ai(x′) for the block's units: [c, N, k] × [c, k, N′].
                var px = dx[l].narrow(2, start, c).permute(2, 0, 1).contiguous();
                var py = dy[l].narrow(2, start, c).permute(2, 1, 0).contiguous();
                var p = px.bmm(py);                                                 // [c, N, N′]
                Tensor? factor = null;
                if (wi >= 0)
                {
                    if (tauW is null) factor = Gemm.MatMul(ax[l], ay[l].t()).unsqueeze(0);   // τ = 1: one product for every unit
                    else
                    {
                        var scaled = ax[l].unsqueeze(0) * tauW.narrow(0, start, c).unsqueeze(1); // [c, N, d]
                        factor = Gemm.MatMul(scaled.reshape(c * n, d), ay[l].t()).view(c, n, m);
                    }
                }
                if (bi >= 0)
                {
                    var b = tauB is null ? torch.ones(c, 1, 1, dtype: w0.dtype, device: w0.device) : tauB.narrow(0, start, c).view(c, 1, 1);
                    factor = factor is null ? b : factor.add(b, TorchScalars.One);
                }
                kernel.add_((p * factor!).sum(0L), TorchScalars.One);
            }
        }
        using var outputs = k.ToScalar();
        return kernel.div_(outputs).MoveToOuterDisposeScope();
    }

    private void Validate(Tensor x, string name)
    {
        TangentChecks.ValidateInputs(Parameters, x);
        if (x.dim() != 2 || x.shape[1] != _model.Options.InputSize)
            throw new ArgumentException($"Inputs have shape [{TangentChecks.Shape(x)}]; this Mlp takes [N, {_model.Options.InputSize}].", name);
    }

    /// <summary>Per layer: its input a_{l−1} [N, d] and its output sensitivity Δ_l [N, k, h] (Δ = I_k at the readout).</summary>
    private (Tensor[] Inputs, Tensor[] Sensitivities) Features(Tensor x)
    {
        int L = _map.LayerCount;
        var inputs = new Tensor[L];
        var derivatives = new Tensor[L];
        Tensor a = x;
        for (int l = 0; l < L; l++)
        {
            inputs[l] = a;
            if (l + 1 == L) break;
            var z = Gemm.Linear(a, _model.Layers[l].weight!, _model.Layers[l].bias);
            derivatives[l] = _model.Activation.Derivative(z);
            a = _model.Activation.Apply(z);
        }
        long n = x.shape[0], k = _model.Options.OutputSize;
        var sensitivities = new Tensor[L];
        sensitivities[L - 1] = torch.eye(k, dtype: x.dtype, device: x.device).unsqueeze(0).expand(n, k, k);
        for (int l = L - 2; l >= _map.LowestTrainableLayer; l--)
        {
            var wNext = _model.Layers[l + 1].weight!;                                // [h_{l+1}, h_l]
            var next = Gemm.MatMul(sensitivities[l + 1].reshape(n * k, -1), wNext).view(n, k, -1);
            sensitivities[l] = next.mul_(derivatives[l].unsqueeze(1));
        }
        return (inputs, sensitivities);
    }
}
