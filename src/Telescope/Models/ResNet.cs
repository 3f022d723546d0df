using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Telescope.Models;

/// <summary>
/// ResNet for 32×32 images (He et al. 2016, §4.2; ResNet-20 with 3 blocks per stage): a 3×3 stem convolution,
/// three stages of basic blocks with w, 2w, 4w channels (stride 2 at the first block of stages 2 and 3, a 1×1
/// projection shortcut wherever the shape changes), global average pooling and a linear classifier.
/// Convolutions get Kaiming-normal weights (fan_out, ReLU gain), normalization layers weight 1 and bias 0, the
/// classifier PyTorch's default uniform(±1/√fan_in) — torchvision's ResNet initialization — all drawn from a
/// private generator so the weights depend on the seed alone.
/// <para>
/// <b>BatchNorm and the engines.</b> With <see cref="NormKind.BatchNorm"/> the function of one example depends
/// on the rest of its batch in training mode. The JVP, VJP and Jacobian engines assume examples are independent,
/// so call <c>eval()</c> before using them: they then differentiate the network with its running statistics
/// (the function used for testing), which is how this project defines Jacobians of BatchNorm networks
/// (docs/method.md §7). GroupNorm and no-norm networks compute the same function in both modes.
/// </para>
/// </summary>
/// <example>
/// <code>
/// var net = new ResNet(new ResNetOptions { Width = 16 }, seed: 0);   // ResNet-20, 0.27 M parameters
/// net.eval();
/// var jvp = new DoubleBackwardJvp(net).Compute(images, [tangent]);    // images [N, 3, 32, 32]
/// </code>
/// </example>
public sealed class ResNet : nn.Module<Tensor, Tensor>
{
    private readonly Stem _stem;
    private readonly ModuleList<BasicBlock> _blocks;
    private readonly Linear _classifier;
    private readonly (string Name, nn.Module Module)[] _groups;

    public ResNet(ResNetOptions options, int seed) : base("ResNet")
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _ = TorchRuntime.Convolutions;   // the correct convolution backend for this CPU, also without Configure (docs/numerics.md §1)
        Options = options;
        int w = options.Width;

        _stem = new Stem(options);
        var blocks = new List<BasicBlock>();
        var groups = new List<(string, nn.Module)> { ("stem", _stem) };
        int channels = w;
        for (int stage = 0; stage < 3; stage++)
        {
            int outChannels = w << stage;
            for (int b = 0; b < options.BlocksPerStage; b++)
            {
                int stride = stage > 0 && b == 0 ? 2 : 1;
                var block = new BasicBlock($"stage{stage + 1}.block{b + 1}", channels, outChannels, stride, options);
                blocks.Add(block);
                groups.Add((block.GetName(), block));
                channels = outChannels;
            }
        }
        _blocks = new ModuleList<BasicBlock>(blocks.ToArray());
        _classifier = nn.Linear(channels, options.NumClasses, dtype: options.DType);
        groups.Add(("classifier", _classifier));
        _groups = groups.ToArray();
        RegisterComponents();
        Initialize(seed);
        this.to(torch.device(options.Device));
    }

    public ResNetOptions Options { get; }

    /// <summary>
    /// The parameterized layer groups in forward order — "stem", "stage1.block1" … "stage3.blockB" (each block with
    /// its shortcut), "classifier" — the unit of the gradient-change measurement (docs/method.md §7).
    /// </summary>
    public IReadOnlyList<(string Name, nn.Module Module)> LayerGroups => _groups;

    /// <summary>The final linear layer (the pretrained arm re-initializes it).</summary>
    public Linear Classifier => _classifier;

    /// <summary>Re-draws the classifier's weights and bias with PyTorch's default init from <paramref name="seed"/>.</summary>
    public void ResetClassifier(int seed)
    {
        using var generator = new Generator((ulong)seed, device: torch.CPU);
        InitLinear(_classifier, generator);
    }

    /// <summary>Logits [N, k] for images [N, C, H, W] (or flattened [N, C·32·32]).</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var x = input.dim() == 2 ? input.view(input.shape[0], Options.InputChannels, 32, 32) : input;
        x = _stem.forward(x);
        foreach (var block in _blocks) x = block.forward(x);
        x = x.mean([2L, 3L]);
        return _classifier.forward(x).MoveToOuterDisposeScope();
    }

    private void Initialize(int seed)
    {
        using var generator = new Generator((ulong)seed, device: torch.CPU);
        using var _ = torch.no_grad();
        foreach (var (_, module) in named_modules())
        {
            switch (module)
            {
                case Conv2d conv:
                    // Kaiming normal, mode fan_out, ReLU gain: std = sqrt(2 / (out_channels · kh · kw)).
                    var shape = conv.weight!.shape;
                    double std = Math.Sqrt(2.0 / (shape[0] * shape[2] * shape[3]));
                    using (var weight = InitialWeights.Normal(shape, std, conv.weight.dtype, generator)) conv.weight.copy_(weight);
                    conv.bias?.zero_();
                    break;
                case BatchNorm2d bn:
                    bn.weight?.fill_(TorchScalars.One);
                    bn.bias?.zero_();
                    break;
                case GroupNorm gn:
                    gn.weight?.fill_(TorchScalars.One);
                    gn.bias?.zero_();
                    break;
            }
        }
        InitLinear(_classifier, generator);
    }

    private static void InitLinear(Linear layer, Generator generator)
    {
        using var _ = torch.no_grad();
        double bound = 1.0 / Math.Sqrt(layer.weight!.shape[1]);
        using (var weight = InitialWeights.Uniform(layer.weight.shape, bound, layer.weight.dtype, generator)) layer.weight.copy_(weight);
        if (layer.bias is not null)
        {
            using var bias = InitialWeights.Uniform(layer.bias.shape, bound, layer.bias.dtype, generator);
            layer.bias.copy_(bias);
        }
    }

    internal static nn.Module<Tensor, Tensor> Norm(ResNetOptions options, int channels) => options.Norm switch
    {
        NormKind.BatchNorm => nn.BatchNorm2d(channels, dtype: options.DType),
        NormKind.GroupNorm => nn.GroupNorm(options.Groups, channels, dtype: options.DType),
        _ => nn.Identity(),
    };

    /// <summary>conv3×3 (input channels → w) → norm → ReLU.</summary>
    private sealed class Stem : nn.Module<Tensor, Tensor>
    {
        private readonly Conv2d conv;
        private readonly nn.Module<Tensor, Tensor> norm;

        public Stem(ResNetOptions options) : base("stem")
        {
            conv = nn.Conv2d(options.InputChannels, options.Width, 3, padding: 1, bias: options.Norm == NormKind.None, dtype: options.DType);
            norm = Norm(options, options.Width);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => nn.functional.relu(norm.forward(conv.forward(x)));
    }

    /// <summary>conv3×3 → norm → ReLU → conv3×3 → norm, plus the (projected) input, then ReLU.</summary>
    private sealed class BasicBlock : nn.Module<Tensor, Tensor>
    {
        private readonly Conv2d conv1, conv2;
        private readonly nn.Module<Tensor, Tensor> norm1, norm2;
        private readonly Conv2d? shortcut_conv;
        private readonly nn.Module<Tensor, Tensor>? shortcut_norm;

        public BasicBlock(string name, int inChannels, int outChannels, int stride, ResNetOptions options) : base(name)
        {
            bool bias = options.Norm == NormKind.None;
            conv1 = nn.Conv2d(inChannels, outChannels, 3, stride: stride, padding: 1, bias: bias, dtype: options.DType);
            norm1 = Norm(options, outChannels);
            conv2 = nn.Conv2d(outChannels, outChannels, 3, padding: 1, bias: bias, dtype: options.DType);
            norm2 = Norm(options, outChannels);
            if (stride != 1 || inChannels != outChannels)
            {
                shortcut_conv = nn.Conv2d(inChannels, outChannels, 1, stride: stride, bias: bias, dtype: options.DType);
                shortcut_norm = Norm(options, outChannels);
            }
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            var h = nn.functional.relu(norm1.forward(conv1.forward(x)));
            h = norm2.forward(conv2.forward(h));
            var skip = shortcut_conv is null ? x : shortcut_norm!.forward(shortcut_conv.forward(x));
            using var sum = h.add(skip, TorchScalars.One);
            return nn.functional.relu(sum);
        }
    }
}
