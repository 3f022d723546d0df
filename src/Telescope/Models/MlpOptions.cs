using static TorchSharp.torch;

namespace Telescope.Models;

/// <summary>Shape and initialization of a multilayer perceptron.</summary>
public sealed record MlpOptions
{
    public required int InputSize { get; init; }
    /// <summary>Widths of the hidden layers, input side first; empty for a linear model.</summary>
    public required IReadOnlyList<int> HiddenWidths { get; init; }
    public required int OutputSize { get; init; }
    public Activation Activation { get; init; } = Activation.ReLU;
    public bool Bias { get; init; } = true;
    /// <summary>α: every initial parameter is multiplied by this (Omnigrok's initialization scale).</summary>
    public double InitScale { get; init; } = 1.0;
    /// <summary>
    /// When set, the readout layer is initialized to this constant and frozen (requires_grad = false),
    /// as in the grokking-poly model f(x) = (α/N) Σ φ(w_jᵀx) whose readout is α/N.
    /// </summary>
    public double? FixedReadout { get; init; }
    /// <summary>Standard deviation of hidden weights; null = PyTorch's default uniform(±1/sqrt(fan_in)).</summary>
    public double? HiddenWeightStd { get; init; }
    public ScalarType DType { get; init; } = ScalarType.Float32;
    /// <summary>"cpu", "cuda", "cuda:1", …: a setting, never an assumption.</summary>
    public string Device { get; init; } = "cpu";

    public IEnumerable<int> LayerSizes => new[] { InputSize }.Concat(HiddenWidths).Append(OutputSize);

    /// <summary>Number of trainable scalars.</summary>
    public long TrainableParameterCount
    {
        get
        {
            var sizes = LayerSizes.ToArray();
            long p = 0;
            for (int l = 0; l + 1 < sizes.Length; l++)
            {
                bool readout = l + 2 == sizes.Length;
                if (readout && FixedReadout is not null) continue;
                p += (long)sizes[l] * sizes[l + 1] + (Bias ? sizes[l + 1] : 0);
            }
            return p;
        }
    }
}
