using static TorchSharp.torch;

namespace Telescope.Models;

/// <summary>
/// Shape and initialization of a decoder-only <see cref="Transformer"/> over token sequences (e.g. "a b =" for
/// modular arithmetic). The defaults follow Nanda et al.'s grokking model: one layer, four heads, d_model 128,
/// d_mlp 512, ReLU, no LayerNorm.
/// </summary>
public sealed record TransformerOptions
{
    /// <summary>Number of distinct tokens (ids 0 … VocabSize − 1).</summary>
    public required int VocabSize { get; init; }
    /// <summary>Longest sequence the position embedding covers (3 for "a b =").</summary>
    public required int ContextLength { get; init; }
    /// <summary>Classes read out at the last position (p for addition mod p).</summary>
    public required int NumClasses { get; init; }
    public int ModelDim { get; init; } = 128;
    /// <summary>Attention heads; must divide <see cref="ModelDim"/> (each head has ModelDim / Heads dimensions).</summary>
    public int Heads { get; init; } = 4;
    public int Layers { get; init; } = 1;
    /// <summary>Hidden width of each block's ReLU MLP.</summary>
    public int MlpWidth { get; init; } = 512;
    /// <summary>Pre-LayerNorm before attention, MLP and readout; off by default, as in Nanda et al.</summary>
    public bool LayerNorm { get; init; }
    /// <summary>α: every initial weight is multiplied by this (Omnigrok's initialization scale).</summary>
    public double InitScale { get; init; } = 1.0;
    public ScalarType DType { get; init; } = ScalarType.Float32;
    /// <summary>"cpu", "cuda", "cuda:1", …: a setting, never an assumption.</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Dimensions per head, ModelDim / Heads.</summary>
    public int HeadDim => ModelDim / Heads;

    /// <summary>Number of trainable scalars.</summary>
    public long TrainableParameterCount
    {
        get
        {
            long d = ModelDim, m = MlpWidth;
            long embeddings = (long)VocabSize * d + (long)ContextLength * d;
            long norms = LayerNorm ? 2 * d : 0;
            long block = 4 * d * d + (d * m + m) + (m * d + d) + 2 * norms;
            return embeddings + Layers * block + norms + d * NumClasses;
        }
    }

    /// <summary>Throws <see cref="TelescopeException"/> naming the first invalid option and the fix.</summary>
    public void Validate()
    {
        if (VocabSize < 1 || ContextLength < 1 || NumClasses < 1)
            throw new TelescopeException(
                $"Transformer needs a positive vocabulary ({VocabSize}), context length ({ContextLength}) and class count ({NumClasses}).");
        if (ModelDim < 1 || Heads < 1 || ModelDim % Heads != 0)
            throw new TelescopeException(
                $"Transformer heads ({Heads}) must divide the model dimension ({ModelDim}); choose e.g. ModelDim = {Math.Max(1, Heads) * 32}.");
        if (Layers < 1 || MlpWidth < 1)
            throw new TelescopeException($"Transformer needs at least 1 layer ({Layers}) and a positive MLP width ({MlpWidth}).");
        if (!(InitScale > 0) || double.IsInfinity(InitScale))
            throw new TelescopeException($"Transformer InitScale must be a positive finite number, got {InitScale}.");
    }
}
