using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Telescope.Models;

/// <summary>
/// A decoder-only transformer for token sequences, the model of grokking on modular arithmetic (Nanda et al. 2023):
/// token and learned position embeddings, <see cref="TransformerOptions.Layers"/> residual blocks of multi-head causal
/// self-attention and a ReLU MLP (optional pre-LayerNorm, off by default), and a linear readout (unembedding) of the
/// last position giving class logits [N, NumClasses].
/// <para>
/// <b>Inputs.</b> Token ids [N, T] with T ≤ ContextLength, either an integer tensor or — for the JVP, VJP and kernel
/// engines, which require inputs of the parameters' dtype — integral values in the model's floating dtype
/// (<c>tokens.to_type(ScalarType.Float64)</c>). The ids select embedding rows, so no derivative flows to them.
/// Each sequence is processed on its own (attention mixes positions, never examples), as the engines assume.
/// </para>
/// <para>
/// <b>Initialization</b> (one private generator, so the weights depend on the seed alone): every weight matrix and
/// both embeddings N(0, α²/d_model) and the unembedding N(0, α²/NumClasses), as in Nanda et al.; MLP biases 0;
/// LayerNorm weight 1 and bias 0. α is <see cref="TransformerOptions.InitScale"/>.
/// </para>
/// </summary>
/// <example>
/// <code>
/// var model = new Transformer(new TransformerOptions { VocabSize = 114, ContextLength = 3, NumClasses = 113 }, seed: 0);
/// var logits = model.forward(tokens);   // tokens [N, 3]: a, b, and the "=" token 113
/// </code>
/// </example>
public sealed class Transformer : nn.Module<Tensor, Tensor>
{
    private readonly Parameter _tokenEmbedding;
    private readonly Parameter _positionEmbedding;
    private readonly ModuleList<TransformerBlock> _blocks;
    private readonly LayerNorm? _finalNorm;
    private readonly Parameter _unembedding;

    public Transformer(TransformerOptions options, int seed) : base("Transformer")
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        using var generator = new Generator((ulong)seed, device: torch.CPU);
        double std = options.InitScale / Math.Sqrt(options.ModelDim);
        _tokenEmbedding = TransformerInit.Weight([options.VocabSize, options.ModelDim], std, options.DType, generator);
        _positionEmbedding = TransformerInit.Weight([options.ContextLength, options.ModelDim], std, options.DType, generator);
        var blocks = new TransformerBlock[options.Layers];
        for (int l = 0; l < blocks.Length; l++) blocks[l] = new TransformerBlock($"block{l + 1}", options, std, generator);
        _blocks = new ModuleList<TransformerBlock>(blocks);
        if (options.LayerNorm) _finalNorm = nn.LayerNorm(options.ModelDim, dtype: options.DType);
        double readoutStd = options.InitScale / Math.Sqrt(options.NumClasses);
        _unembedding = TransformerInit.Weight([options.ModelDim, options.NumClasses], readoutStd, options.DType, generator);
        RegisterComponents();
        this.to(torch.device(options.Device));
    }

    public TransformerOptions Options { get; }

    /// <summary>Token ids [N, T] → logits [N, NumClasses] read out at position T − 1.</summary>
    public override Tensor forward(Tensor tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        using var scope = torch.NewDisposeScope();
        var ids = TokenIds(tokens);
        long n = ids.shape[0], t = ids.shape[1];
        var embedded = _tokenEmbedding.index_select(0, ids.flatten()).view(n, t, Options.ModelDim);
        var h = embedded.add(_positionEmbedding.narrow(0, 0, t), TorchScalars.One);   // positions broadcast over N
        foreach (var block in _blocks) h = block.forward(h);
        var last = h.select(1, t - 1);
        var logits = (_finalNorm?.forward(last) ?? last).matmul(_unembedding);
        return logits.MoveToOuterDisposeScope();
    }

    /// <summary>Checks shape and range and returns the ids as int64 (floating inputs must hold integers).</summary>
    private Tensor TokenIds(Tensor tokens)
    {
        if (tokens.dim() != 2 || tokens.shape[1] < 1 || tokens.shape[1] > Options.ContextLength)
            throw new TelescopeException(
                $"Transformer input has shape [{string.Join(", ", tokens.shape)}]; give token ids [N, T] with 1 ≤ T ≤ {Options.ContextLength} (ContextLength).");
        if (tokens.numel() == 0) return tokens.to_type(ScalarType.Int64);
        using var noGrad = torch.no_grad();
        var ids = tokens.to_type(ScalarType.Int64);
        if (tokens.is_floating_point() && !ids.to_type(tokens.dtype).eq(tokens).all().item<bool>())
            throw new TelescopeException("Transformer input holds non-integer values; pass token ids (integers, or integral floats).");
        long min = ids.min().item<long>(), max = ids.max().item<long>();
        if (min < 0 || max >= Options.VocabSize)
            throw new TelescopeException($"Token ids range over [{min}, {max}] but the vocabulary has {Options.VocabSize} tokens (ids 0 … {Options.VocabSize - 1}).");
        return ids;
    }
}
