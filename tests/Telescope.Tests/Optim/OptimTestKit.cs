using Xunit;
using Telescope.Autodiff;
using Telescope.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Tests.Optim;

/// <summary>A small MLP and a fixed sequence of regression batches, shared by the optimizer tests.</summary>
internal static class OptimTestKit
{
    public const int BatchCount = 10;

    public static Mlp NewMlp(ScalarType dtype = ScalarType.Float64, int seed = 7) => new(new MlpOptions
    {
        InputSize = 5,
        HiddenWidths = [16, 12],
        OutputSize = 3,
        Activation = Activation.Tanh,
        DType = dtype,
    }, seed);

    /// <summary>Fixed (x, y) batches of 8; step t uses batch (t − 1) mod <see cref="BatchCount"/>.</summary>
    public static (Tensor X, Tensor Y)[] Batches(ScalarType dtype = ScalarType.Float64, int seed = 11)
    {
        using var generator = new Generator((ulong)seed);
        return Enumerable.Range(0, BatchCount).Select(_ =>
        {
            var x = torch.randn([8, 5], dtype: ScalarType.Float64, generator: generator);
            var y = torch.randn([8, 3], dtype: ScalarType.Float64, generator: generator);
            return (x.to_type(dtype), y.to_type(dtype));
        }).ToArray();
    }

    /// <summary>Zeroes .grad, then backpropagates the mean squared error of the batch for step t.</summary>
    public static void Backward(nn.Module<Tensor, Tensor> model, (Tensor X, Tensor Y)[] batches, int step)
    {
        foreach (var p in model.parameters())
        {
            using var g = p.grad;
            g?.zero_();
        }
        var (x, y) = batches[(step - 1) % batches.Length];
        using var scope = torch.NewDisposeScope();
        var loss = nn.functional.mse_loss(model.forward(x), y);
        loss.backward();
    }

    /// <summary>Copies of the current .grad of every trainable parameter.</summary>
    public static Tensor[] Gradients(TrainableParameters parameters) =>
        parameters.Tensors.Select(p =>
        {
            using var g = p.grad!;
            return g.detach().clone();
        }).ToArray();

    public static double MaxAbsDiff(IReadOnlyList<Tensor> a, IReadOnlyList<Tensor> b)
    {
        Assert.Equal(a.Count, b.Count);
        double max = 0;
        for (int i = 0; i < a.Count; i++)
        {
            using var d = (a[i].to_type(ScalarType.Float64) - b[i].to_type(ScalarType.Float64)).abs().max();
            max = Math.Max(max, d.ToDouble());
        }
        return max;
    }

    public static double MaxAbs(IReadOnlyList<Tensor> a) =>
        a.Select(t =>
        {
            using var m = t.abs().max();
            return m.ToDouble();
        }).Max();

    public static Tensor[] Sum(IEnumerable<IReadOnlyList<Tensor>> parts)
    {
        Tensor[]? sum = null;
        foreach (var part in parts)
        {
            if (sum is null) sum = part.Select(t => t.clone()).ToArray();
            else for (int i = 0; i < sum.Length; i++) sum[i].add_(part[i], TorchScalars.One);
        }
        return sum ?? throw new InvalidOperationException("No parts to sum.");
    }

    public static void DisposeAll(IEnumerable<Tensor> tensors)
    {
        foreach (var t in tensors) t.Dispose();
    }
}
