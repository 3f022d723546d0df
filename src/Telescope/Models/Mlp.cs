using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Telescope.Models;

/// <summary>
/// A multilayer perceptron: Linear layers with one elementwise activation between them (none after the last).
/// Its structure is public so the layer-wise engines (forward-mode JVP, tangent kernels) can run
/// through it with explicit activations instead of autograd.
/// </summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<Linear> _layers;
    private readonly Linear[] _layerArray;

    public Mlp(MlpOptions options, int seed) : base("Mlp")
    {
        Options = options;
        var sizes = options.LayerSizes.ToArray();
        if (sizes.Any(s => s <= 0)) throw new ArgumentException($"Layer sizes must be positive: [{string.Join(", ", sizes)}].");
        var device = torch.device(options.Device);

        // A private generator makes initialization depend on the seed alone, not on global RNG history.
        using var generator = new Generator((ulong)seed, device: torch.CPU);
        var layers = new List<Linear>();
        for (int l = 0; l + 1 < sizes.Length; l++)
        {
            var layer = nn.Linear(sizes[l], sizes[l + 1], hasBias: options.Bias, dtype: options.DType);
            bool readout = l + 2 == sizes.Length;
            using (torch.no_grad())
            {
                double bound = 1.0 / Math.Sqrt(sizes[l]);
                if (readout && options.FixedReadout is double c)
                {
                    using var value = c.ToScalar();
                    layer.weight!.fill_(value);
                    layer.bias?.zero_();
                }
                else
                {
                    using (var weight = options.HiddenWeightStd is double std
                        ? InitialWeights.Normal(layer.weight!.shape, std, options.DType, generator)
                        : InitialWeights.Uniform(layer.weight!.shape, bound, options.DType, generator))
                        layer.weight.copy_(weight);
                    if (layer.bias is not null)
                    {
                        using var bias = InitialWeights.Uniform(layer.bias.shape, bound, options.DType, generator);
                        layer.bias.copy_(bias);
                    }
                    using var initScale = options.InitScale.ToScalar();
                    layer.weight.mul_(initScale);
                    layer.bias?.mul_(initScale);
                }
            }
            if (readout && options.FixedReadout is not null)
            {
                layer.weight!.requires_grad = false;
                if (layer.bias is not null) layer.bias.requires_grad = false;
            }
            layers.Add(layer);
        }
        _layerArray = layers.ToArray();
        _layers = new ModuleList<Linear>(_layerArray);
        RegisterComponents();
        this.to(device);
    }

    public MlpOptions Options { get; }
    public IReadOnlyList<Linear> Layers => _layerArray;
    public Activation Activation => Options.Activation;

    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        Tensor a = input;
        for (int l = 0; l < _layerArray.Length; l++)
        {
            var z = _layerArray[l].forward(a);
            a = l + 1 < _layerArray.Length ? Activation.Apply(z) : z;
        }
        return a.MoveToOuterDisposeScope();
    }
}
