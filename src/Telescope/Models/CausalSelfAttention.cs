using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Telescope.Models;

/// <summary>
/// Multi-head causal self-attention written with explicit tensor operations — linear projections, scaled dot
/// products, a causal mask and a softmax — so autograd (and so every generic engine, double backward included)
/// differentiates it like any other layer. No biases, as in Nanda et al.'s grokking transformer.
/// </summary>
internal sealed class CausalSelfAttention : nn.Module<Tensor, Tensor>
{
    private readonly Parameter _query;
    private readonly Parameter _key;
    private readonly Parameter _value;
    private readonly Parameter _output;
    private readonly int _heads;
    private readonly double _scale;

    /// <summary>Weights [d, d] (input rows, output columns), each drawn N(0, std²).</summary>
    public CausalSelfAttention(string name, int modelDim, int heads, double std, ScalarType dtype, Generator generator)
        : base(name)
    {
        _heads = heads;
        _scale = 1.0 / Math.Sqrt(modelDim / heads);
        _query = TransformerInit.Weight([modelDim, modelDim], std, dtype, generator);
        _key = TransformerInit.Weight([modelDim, modelDim], std, dtype, generator);
        _value = TransformerInit.Weight([modelDim, modelDim], std, dtype, generator);
        _output = TransformerInit.Weight([modelDim, modelDim], std, dtype, generator);
        RegisterComponents();
    }

    /// <summary>[N, T, d] → [N, T, d]; position t attends to positions 0 … t only.</summary>
    public override Tensor forward(Tensor h)
    {
        using var scope = torch.NewDisposeScope();
        long n = h.shape[0], t = h.shape[1], d = h.shape[2], dh = d / _heads;
        // [N, T, d] → [N, H, T, d_h]: one slice of the projection per head.
        Tensor Heads(Tensor projection) => h.matmul(projection).view(n, t, _heads, dh).transpose(1, 2);
        var q = Heads(_query);
        var k = Heads(_key);
        var v = Heads(_value);
        using var scale = _scale.ToScalar();
        var scores = q.matmul(k.transpose(-2, -1)).mul(scale);                       // [N, H, T, T]
        // Key positions after the query are masked to −∞ before the softmax: their weights are exactly 0 and,
        // because the diagonal is never masked, every row keeps a finite normalizer (no NaN in any derivative).
        var future = torch.ones(t, t, dtype: ScalarType.Bool, device: h.device).triu(1);
        using var minusInfinity = double.NegativeInfinity.ToScalar();
        var weights = torch.nn.functional.softmax(scores.masked_fill(future, minusInfinity), -1);
        var mixed = weights.matmul(v).transpose(1, 2).reshape(n, t, d);                // heads concatenated
        return mixed.matmul(_output).MoveToOuterDisposeScope();
    }
}

/// <summary>The seeded draws of the transformer's weights (one private generator, fixed order).</summary>
internal static class TransformerInit
{
    public static Parameter Weight(long[] shape, double std, ScalarType dtype, Generator generator)
    {
        using var draw = InitialWeights.Normal(shape, std, dtype, generator);
        return new Parameter(draw.detach().clone(), requires_grad: true);
    }

    public static Parameter Zeros(long size, ScalarType dtype) =>
        new(torch.zeros(size, dtype: dtype), requires_grad: true);
}
