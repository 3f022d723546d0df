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
                    layer.weight!.fill_(c);
                    layer.bias?.zero_();
                }
                else
                {
                    if (options.HiddenWeightStd is double std)
                        layer.weight!.copy_(torch.randn(layer.weight.shape, dtype: options.DType, generator: generator) * std);
                    else
                        layer.weight!.copy_(torch.rand(layer.weight.shape, dtype: options.DType, generator: generator) * (2 * bound) - bound);
                    layer.bias?.copy_(torch.rand(layer.bias.shape, dtype: options.DType, generator: generator) * (2 * bound) - bound);
                    layer.weight.mul_(options.InitScale);
                    layer.bias?.mul_(options.InitScale);
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
