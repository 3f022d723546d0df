using Telescope.Models;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Telescope.Autodiff;

/// <summary>
/// Forward-mode JVPs of an <see cref="Mlp"/>, propagated layer by layer without autograd (SPEC §7):
/// z = W a + b, ż = W ȧ + Ẇ a + ḃ, a = φ(z), ȧ = φ'(z) ⊙ ż. All tangents ride along one primal pass,
/// carried as ż of shape [N, T, h] so every product is a single matrix multiply. One tangent costs
/// about 2.5 forward passes.
/// </summary>
public sealed class ForwardModeJvp : IJvpEngine
{
    private readonly Mlp _model;
    private readonly MlpLayerMap _map;
    private readonly int? _chunkSize;

    /// <param name="model">The network; its current parameters are used at every call.</param>
    /// <param name="chunkSize">Rows processed per block (bounds memory for large input sets); null = all at once.</param>
    public ForwardModeJvp(Mlp model, int? chunkSize = null)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        Parameters = new TrainableParameters(model);
        _map = new MlpLayerMap(model, Parameters);
        _chunkSize = InputChunks.Validate(chunkSize, nameof(chunkSize));
    }

    /// <inheritdoc />
    public TrainableParameters Parameters { get; }

    /// <inheritdoc />
    public JvpResult Compute(Tensor inputs, IReadOnlyList<IReadOnlyList<Tensor>> tangents)
    {
        TangentChecks.ValidateInputs(Parameters, inputs);
        TangentChecks.Validate(Parameters, tangents);
        if (inputs.dim() != 2 || inputs.shape[1] != _model.Options.InputSize)
            throw new ArgumentException(
                $"Inputs have shape [{TangentChecks.Shape(inputs)}]; this Mlp takes [N, {_model.Options.InputSize}].", nameof(inputs));

        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        int T = tangents.Count;
        // Stacking is hoisted out of the chunk loop: per layer Ẇ as [T·h, d] (one F.linear gives all
        // T products) and ḃ as [T, h].
        var weightDots = new Tensor?[_map.LayerCount];
        var biasDots = new Tensor?[_map.LayerCount];
        if (T > 0)
            for (int l = 0; l < _map.LayerCount; l++)
            {
                var w = _model.Layers[l].weight!;
                int wi = _map.WeightIndex[l], bi = _map.BiasIndex[l];
                if (wi >= 0)
                    weightDots[l] = torch.stack(tangents.Select(t => t[wi].to(w.dtype, w.device)).ToArray())
                        .reshape(T * w.shape[0], w.shape[1]);
                if (bi >= 0)
                    biasDots[l] = torch.stack(tangents.Select(t => t[bi].to(w.dtype, w.device)).ToArray());
            }

        var outputs = new List<Tensor>();
        var jvps = new List<Tensor>();
        foreach (var range in InputChunks.Ranges(inputs.shape[0], _chunkSize))
        {
            var (f, j) = ComputeChunk(InputChunks.Rows(inputs, range), T, weightDots, biasDots);
            outputs.Add(f);
            jvps.Add(j);
        }
        var output = outputs.Count == 1 ? outputs[0] : torch.cat(outputs, 0);
        // [N, T, k] → [T, N, k] once at the end, the only layout copy.
        var jvp = (jvps.Count == 1 ? jvps[0] : torch.cat(jvps, 0)).permute(1, 0, 2).contiguous();
        return new JvpResult(output.MoveToOuterDisposeScope(), jvp.MoveToOuterDisposeScope());
    }

    private (Tensor Output, Tensor Jvps) ComputeChunk(Tensor x, int T, Tensor?[] weightDots, Tensor?[] biasDots)
    {
        long n = x.shape[0];
        var phi = _model.Activation;
        Tensor a = x;
        Tensor? aDot = null; // [N, T, d]; null while every tangent is still zero (below the first trainable layer)
        for (int l = 0; l < _map.LayerCount; l++)
        {
            var layer = _model.Layers[l];
            var w = layer.weight!;
            long h = w.shape[0];
            var z = F.linear(a, w, layer.bias);
            Tensor? zDot = aDot is null ? null : F.linear(aDot, w);
            if (weightDots[l] is Tensor wDot)
            {
                var term = F.linear(a, wDot).view(n, T, h);
                zDot = zDot is null ? term : zDot.add_(term);
            }
            if (biasDots[l] is Tensor bDot)
                zDot = zDot is null ? bDot.unsqueeze(0).expand(n, T, h).clone() : zDot.add_(bDot);

            if (l + 1 == _map.LayerCount)
                return (z, zDot ?? torch.zeros(n, T, h, dtype: z.dtype, device: z.device));

            a = phi.Apply(z);
            if (zDot is null) aDot = null;
            else if (phi.Kind == ActivationKind.Identity) aDot = zDot;
            else aDot = zDot.mul_(phi.Derivative(z).unsqueeze(1));
        }
        throw new InvalidOperationException("An Mlp has at least one layer.");
    }
}
