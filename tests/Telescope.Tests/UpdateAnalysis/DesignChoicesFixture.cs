using Telescope.Models;
using Telescope.Optim;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Tests.UpdateAnalysis;

/// <summary>Small float64 networks, data and one training step (cross-entropy) shared by the design-choice tests.</summary>
internal static class DesignChoicesFixture
{
    public static Mlp Net(int seed, Activation activation, bool bias, int[]? hidden = null, int outputs = 3) => new(new MlpOptions
    {
        InputSize = 4,
        HiddenWidths = hidden ?? [6, 5],
        OutputSize = outputs,
        Activation = activation,
        Bias = bias,
        DType = ScalarType.Float64,
    }, seed);

    public static (Tensor X, Tensor Y) Sample(int n, int seed, int classes = 3)
    {
        using var g = new Generator((ulong)seed);
        return (torch.randn(n, 4, dtype: ScalarType.Float64, generator: g), torch.randint(0, classes, [n], generator: g));
    }

    public static void Backward(Mlp model, IExactOptimizer optimizer, Tensor x, Tensor y)
    {
        optimizer.ZeroGrad();
        using var loss = nn.functional.cross_entropy(model.forward(x), y);
        loss.backward();
    }

    public static Tensor Forward(Mlp model, Tensor x)
    {
        using var noGrad = torch.no_grad();
        return model.forward(x).detach();
    }
}
