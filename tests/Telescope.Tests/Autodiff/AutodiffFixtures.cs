using Xunit;
using Telescope.Autodiff;
using Telescope.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Tests.Autodiff;

/// <summary>Small float64 CPU networks, tangents and independent reference computations for the engine tests.</summary>
internal static class AutodiffFixtures
{
    public static Mlp Mlp(int input, int[] hidden, int output, Activation activation, bool bias = true,
        double? fixedReadout = null, int seed = 1) =>
        new(new MlpOptions
        {
            InputSize = input,
            HiddenWidths = hidden,
            OutputSize = output,
            Activation = activation,
            Bias = bias,
            FixedReadout = fixedReadout,
            DType = ScalarType.Float64,
        }, seed);

    public static Tensor Randn(long[] shape, int seed, double scale = 1.0)
    {
        using var g = new Generator((ulong)seed, device: torch.CPU);
        using var factor = scale.ToScalar();
        using var unit = torch.randn(shape, dtype: ScalarType.Float64, generator: g);
        return unit.mul(factor);
    }

    public static Tensor[] RandomTangent(TrainableParameters parameters, int seed)
    {
        using var g = new Generator((ulong)seed, device: torch.CPU);
        return parameters.Tensors.Select(p => torch.randn(p.shape, dtype: ScalarType.Float64, generator: g)).ToArray();
    }

    /// <summary>Central difference (f(θ+hv) − f(θ−hv)) / 2h, by loading shifted parameters into the module.</summary>
    public static Tensor FiniteDifferenceJvp(nn.Module<Tensor, Tensor> module, TrainableParameters parameters,
        Tensor inputs, IReadOnlyList<Tensor> tangent, double h = 1e-5)
    {
        using var _ = torch.no_grad();
        var theta = parameters.CloneValues();
        Tensor Eval(double sign)
        {
            using var shift = (sign * h).ToScalar();
            using var loaded = parameters.Load(theta.Select((p, i) => p.add(tangent[i].mul(shift), TorchScalars.One)).ToArray());
            var f = module.forward(inputs);
            return f.dim() == 1 ? f.unsqueeze(1) : f;
        }
        using var twoH = (2 * h).ToScalar();
        return (Eval(+1) - Eval(-1)).div(twoH);
    }

    /// <summary>max |a − b| / max |b|.</summary>
    public static double RelativeError(Tensor actual, Tensor expected)
    {
        Assert.Equal(expected.shape, actual.shape);
        double scale = expected.abs().max().item<double>();
        Assert.True(scale > 0, "Reference is identically zero; the comparison would be vacuous.");
        return (actual - expected).abs().max().item<double>() / scale;
    }

    public static double MaxAbs(Tensor a, Tensor b)
    {
        Assert.Equal(b.shape, a.shape);
        return (a - b).abs().max().item<double>();
    }

    /// <summary>
    /// Keeps the input rows whose hidden pre-activations are all at least <paramref name="margin"/> away from 0,
    /// so ReLU's kink cannot fall inside a finite-difference step. Computed independently of the engines.
    /// </summary>
    public static Tensor AwayFromKinks(Mlp model, Tensor inputs, double margin)
    {
        using var _ = torch.no_grad();
        var keep = torch.ones(inputs.shape[0], dtype: ScalarType.Bool);
        Tensor a = inputs;
        for (int l = 0; l + 1 < model.Layers.Count; l++)
        {
            var z = model.Layers[l].forward(a);
            using var marginScalar = margin.ToScalar();
            keep = keep.logical_and(z.abs().min(1).values.gt(marginScalar));
            a = model.Activation.Apply(z);
        }
        return inputs.index(keep);
    }

    /// <summary>
    /// The Mlp evaluated as an explicit function of one flat parameter vector (trainable tensors in
    /// TrainableParameters order, frozen ones taken from the model), written out with matmuls so the
    /// Jacobian from <c>autograd.functional.jacobian</c> is independent of the engines.
    /// </summary>
    public static Tensor FunctionalMlp(Mlp model, TrainableParameters parameters, Tensor flatTheta, Tensor inputs)
    {
        int offset = 0;
        Tensor Take(Tensor? p)
        {
            int idx = -1;
            for (int i = 0; i < parameters.Tensors.Count; i++) if (ReferenceEquals(parameters.Tensors[i], p)) idx = i;
            if (idx < 0) return p!.detach();
            long n = p!.numel();
            var slice = flatTheta.narrow(0, offset, n).view(p.shape);
            offset += (int)n;
            return slice;
        }
        // Offsets follow TrainableParameters order, which is module order: weight then bias, layer by layer.
        Tensor a = inputs;
        for (int l = 0; l < model.Layers.Count; l++)
        {
            var w = Take(model.Layers[l].weight);
            var z = a.mm(w.t());
            if (model.Layers[l].bias is Tensor b) z = z.add(Take(b), TorchScalars.One);
            a = l + 1 < model.Layers.Count ? model.Activation.Apply(z) : z;
        }
        return a;
    }

    /// <summary>Explicit Jacobian [N, k, P] of an Mlp at its current parameters via autograd.functional.jacobian.</summary>
    public static Tensor ExplicitJacobian(Mlp model, TrainableParameters parameters, Tensor inputs)
    {
        var theta = torch.cat(parameters.Tensors.Select(p => p.detach().flatten()).ToArray());
        return torch.autograd.functional.jacobian(th => FunctionalMlp(model, parameters, th, inputs), theta).detach();
    }

    public static Tensor Flatten(IReadOnlyList<Tensor> perParameter) =>
        torch.cat(perParameter.Select(p => p.flatten()).ToArray());
}
