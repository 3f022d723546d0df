using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Telescope.Models;

/// <summary>
/// One residual block of the <see cref="Transformer"/>: h ← h + Attn(LN(h)), then h ← h + W_out·ReLU(W_in·LN(h) + b_in) + b_out,
/// with LN the identity unless <see cref="TransformerOptions.LayerNorm"/> is set.
/// </summary>
internal sealed class TransformerBlock : nn.Module<Tensor, Tensor>
{
    private readonly CausalSelfAttention _attention;
    private readonly Parameter _mlpIn;
    private readonly Parameter _mlpInBias;
    private readonly Parameter _mlpOut;
    private readonly Parameter _mlpOutBias;
    private readonly LayerNorm? _attentionNorm;
    private readonly LayerNorm? _mlpNorm;

    public TransformerBlock(string name, TransformerOptions options, double std, Generator generator) : base(name)
    {
        int d = options.ModelDim, m = options.MlpWidth;
        _attention = new CausalSelfAttention("attention", d, options.Heads, std, options.DType, generator);
        _mlpIn = TransformerInit.Weight([d, m], std, options.DType, generator);
        _mlpInBias = TransformerInit.Zeros(m, options.DType);
        _mlpOut = TransformerInit.Weight([m, d], std, options.DType, generator);
        _mlpOutBias = TransformerInit.Zeros(d, options.DType);
        if (options.LayerNorm)
        {
            _attentionNorm = nn.LayerNorm(d, dtype: options.DType);
            _mlpNorm = nn.LayerNorm(d, dtype: options.DType);
        }
        RegisterComponents();
    }

    public override Tensor forward(Tensor h)
    {
        using var scope = torch.NewDisposeScope();
        var attended = h.add(_attention.forward(_attentionNorm?.forward(h) ?? h), TorchScalars.One);
        var input = _mlpNorm?.forward(attended) ?? attended;
        var hidden = torch.nn.functional.relu(input.matmul(_mlpIn).add(_mlpInBias, TorchScalars.One));
        var mlp = hidden.matmul(_mlpOut).add(_mlpOutBias, TorchScalars.One);
        return attended.add(mlp, TorchScalars.One).MoveToOuterDisposeScope();
    }
}
