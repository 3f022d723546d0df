using Xunit;
using Telescope.Autodiff;
using Telescope.Models;
using TorchSharp;
using static TorchSharp.torch;
using static Telescope.Tests.Autodiff.AutodiffFixtures;

namespace Telescope.Tests.Autodiff;

/// <summary>
/// ForwardModeJvp and DoubleBackwardJvp against central finite differences (relative error &lt; 1e-6,
/// step 1e-5 in float64: truncation ~1e-10, rounding ~1e-11) and against each other (&lt; 1e-10).
/// </summary>
public class JvpEngineTests
{
    public static TheoryData<string, int[], bool, double?> Architectures() => new()
    {
        // activation, hidden widths, bias, fixed readout
        { "relu", new[] { 7 }, true, null },
        { "relu", new[] { 6, 5, 4 }, false, null },
        { "sigmoid", new[] { 8, 6 }, true, null },
        { "sigmoid", Array.Empty<int>(), true, null },
        { "tanh", new[] { 5, 5, 5 }, true, null },
        { "tanh", new[] { 9 }, false, 0.25 },
        { "identity", new[] { 4, 6 }, true, null },
        { "poly:0.3", new[] { 10 }, false, 0.1 },
        { "poly:0.3", new[] { 6, 7 }, true, null },
        { "relu", new[] { 12, 8 }, true, 0.5 },
    };

    [Theory]
    [MemberData(nameof(Architectures))]
    public void BothEnginesMatchFiniteDifferencesAndEachOther(string activation, int[] hidden, bool bias, double? readout)
    {
        using var scope = torch.NewDisposeScope();
        var model = Mlp(5, hidden, 3, Activation.Parse(activation), bias, readout, seed: 11);
        var inputs = Randn([40, 5], seed: 2);
        // ReLU: drop inputs with any pre-activation within 1e-3 of the kink; the FD step moves z by ~1e-5·|ż|.
        if (model.Activation.Kind == ActivationKind.ReLU) inputs = AwayFromKinks(model, inputs, 1e-3);
        Assert.True(inputs.shape[0] >= 10, "Too few kink-free inputs left to test with.");

        var forward = new ForwardModeJvp(model);
        var generic = new DoubleBackwardJvp(model);
        Assert.Equal(model.Options.TrainableParameterCount, forward.Parameters.Count);
        var tangents = new[] { RandomTangent(forward.Parameters, 3), RandomTangent(forward.Parameters, 4) };

        using var fm = forward.Compute(inputs, tangents);
        using var db = generic.Compute(inputs, tangents);
        Assert.Equal(new long[] { 2, inputs.shape[0], 3 }, fm.Jvps.shape);
        Assert.Equal(fm.Jvps.shape, db.Jvps.shape);

        using (torch.no_grad())
            Assert.True(MaxAbs(fm.Output, model.forward(inputs)) < 1e-14, "ForwardModeJvp's primal output differs from forward().");
        Assert.True(MaxAbs(db.Output, fm.Output) < 1e-14);
        for (int t = 0; t < tangents.Length; t++)
        {
            var fd = FiniteDifferenceJvp(model, forward.Parameters, inputs, tangents[t]);
            double errFm = RelativeError(fm.Jvps[t], fd), errDb = RelativeError(db.Jvps[t], fd);
            Assert.True(errFm < 1e-6, $"forward mode vs FD: {errFm:E2}");
            Assert.True(errDb < 1e-6, $"double backward vs FD: {errDb:E2}");
        }
        double agree = RelativeError(fm.Jvps, db.Jvps);
        Assert.True(agree < 1e-10, $"forward mode vs double backward: {agree:E2}");
    }

    [Fact]
    public void FrozenFirstLayerWeightAndHiddenBiasAreLeftOut()
    {
        // Freezing tensors by hand (not only via FixedReadout): the engines see fewer trainable tensors
        // and must still pair the remaining tangents with the right layers.
        using var scope = torch.NewDisposeScope();
        var model = Mlp(4, [6, 5], 2, Activation.Tanh, seed: 12);
        model.Layers[0].weight!.requires_grad = false;
        model.Layers[1].bias!.requires_grad = false;
        var inputs = Randn([10, 4], seed: 3);
        var forward = new ForwardModeJvp(model);
        var generic = new DoubleBackwardJvp(model);
        Assert.Equal(4, forward.Parameters.Tensors.Count);
        var tangent = RandomTangent(forward.Parameters, 7);
        using var fm = forward.Compute(inputs, [tangent]);
        using var db = generic.Compute(inputs, [tangent]);
        var fd = FiniteDifferenceJvp(model, forward.Parameters, inputs, tangent);
        Assert.True(RelativeError(fm.Jvps[0], fd) < 1e-6);
        Assert.True(RelativeError(fm.Jvps, db.Jvps) < 1e-10);

        var x2 = Randn([3, 4], seed: 4);
        var expected = torch.einsum("nap,mbp->nmab", ExplicitJacobian(model, forward.Parameters, inputs),
            ExplicitJacobian(model, forward.Parameters, x2));
        Assert.True(RelativeError(new MlpTangentKernel(model).Compute(inputs, x2, KernelOutputMode.Full), expected) < 1e-10);
    }

    [Fact]
    public void SeveralTangentsInOneCallEqualSingleCalls()
    {
        using var scope = torch.NewDisposeScope();
        var model = Mlp(4, [6, 5], 2, Activation.Tanh, seed: 5);
        var inputs = Randn([9, 4], seed: 6);
        IJvpEngine[] engines = [new ForwardModeJvp(model), new DoubleBackwardJvp(model)];
        foreach (var engine in engines)
        {
            var tangents = Enumerable.Range(0, 3).Select(s => RandomTangent(engine.Parameters, 20 + s)).ToArray();
            using var all = engine.Compute(inputs, tangents);
            for (int t = 0; t < tangents.Length; t++)
            {
                using var single = engine.Compute(inputs, [tangents[t]]);
                Assert.True(MaxAbs(all.Jvps[t], single.Jvps[0]) < 1e-13, engine.GetType().Name);
            }
        }
    }

    [Fact]
    public void ChunkedComputationEqualsUnchunked()
    {
        using var scope = torch.NewDisposeScope();
        var model = Mlp(4, [6], 3, Activation.Sigmoid, seed: 8);
        var inputs = Randn([23, 4], seed: 9);
        var tangents = new[] { RandomTangent(new TrainableParameters(model), 1), RandomTangent(new TrainableParameters(model), 2) };
        foreach (var (whole, chunked) in new (IJvpEngine, IJvpEngine)[]
                 {
                     (new ForwardModeJvp(model), new ForwardModeJvp(model, chunkSize: 5)),
                     (new DoubleBackwardJvp(model), new DoubleBackwardJvp(model, chunkSize: 5)),
                 })
        {
            using var a = whole.Compute(inputs, tangents);
            using var b = chunked.Compute(inputs, tangents);
            Assert.True(MaxAbs(a.Output, b.Output) < 1e-14);
            Assert.True(MaxAbs(a.Jvps, b.Jvps) < 1e-13);
        }
    }

    [Fact]
    public void LinearityInTheTangent()
    {
        // J(2u − 3w) = 2 Ju − 3 Jw: a check that holds exactly up to rounding, independent of FD.
        using var scope = torch.NewDisposeScope();
        var model = Mlp(3, [5, 4], 2, Activation.Polynomial(0.3), seed: 3);
        var engine = new ForwardModeJvp(model);
        var u = RandomTangent(engine.Parameters, 1);
        var w = RandomTangent(engine.Parameters, 2);
        using var three = 3.ToScalar();
        var combo = u.Select((x, i) => x.mul(TorchScalars.Two) - w[i].mul(three)).ToArray();
        using var r = engine.Compute(Randn([7, 3], seed: 4), [u, w, combo]);
        Assert.True(MaxAbs(r.Jvps[2], r.Jvps[0].mul(TorchScalars.Two) - r.Jvps[1].mul(three)) < 1e-12);
    }

    [Fact]
    public void ZeroTangentsGiveAnEmptyStack()
    {
        using var scope = torch.NewDisposeScope();
        var model = Mlp(3, [4], 2, Activation.ReLU);
        var inputs = Randn([5, 3], seed: 1);
        foreach (IJvpEngine engine in new IJvpEngine[] { new ForwardModeJvp(model), new DoubleBackwardJvp(model) })
        {
            using var r = engine.Compute(inputs, Array.Empty<IReadOnlyList<Tensor>>());
            Assert.Equal(new long[] { 0, 5, 2 }, r.Jvps.shape);
            Assert.Equal(new long[] { 5, 2 }, r.Output.shape);
        }
    }

    [Fact]
    public void EmptyInputSetsGiveEmptyResults()
    {
        using var scope = torch.NewDisposeScope();
        var model = Mlp(3, [4], 2, Activation.Tanh);
        var none = torch.zeros(0, 3, dtype: ScalarType.Float64);
        foreach (IJvpEngine engine in new IJvpEngine[] { new ForwardModeJvp(model), new DoubleBackwardJvp(model, chunkSize: 2) })
        {
            using var r = engine.Compute(none, [RandomTangent(engine.Parameters, 1)]);
            Assert.Equal(new long[] { 0, 2 }, r.Output.shape);
            Assert.Equal(new long[] { 1, 0, 2 }, r.Jvps.shape);
        }
        var vjp = new ParameterVjp(model).Compute(none, torch.zeros(0, 2, dtype: ScalarType.Float64), VjpReduction.Mean);
        Assert.All(vjp, g => Assert.Equal(0.0, g.abs().sum().item<double>()));
    }

    [Fact]
    public void BadTangentsAndInputsAreRejectedWithMessages()
    {
        using var scope = torch.NewDisposeScope();
        var model = Mlp(3, [4], 2, Activation.ReLU);
        var engine = new ForwardModeJvp(model);
        var good = RandomTangent(engine.Parameters, 1);
        var inputs = Randn([5, 3], seed: 1);
        var tooFew = good.Take(1).ToArray();
        Assert.Contains("trainable parameters", Assert.Throws<ArgumentException>(() => engine.Compute(inputs, [tooFew])).Message);
        var wrongShape = good.Select((t, i) => i == 0 ? torch.zeros(2, 2, dtype: ScalarType.Float64) : t).ToArray();
        Assert.Contains("shape", Assert.Throws<ArgumentException>(() => engine.Compute(inputs, [wrongShape])).Message);
        Assert.Contains("[N, 3]", Assert.Throws<ArgumentException>(() => engine.Compute(Randn([5, 4], seed: 1), [good])).Message);
        Assert.Contains("Float32", Assert.Throws<ArgumentException>(() => engine.Compute(inputs.to_type(ScalarType.Float32), [good])).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ForwardModeJvp(model, chunkSize: 0));
    }
}
