using Telescope.Autodiff;
using Telescope.Models;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using static Telescope.Tests.Autodiff.AutodiffFixtures;

namespace Telescope.Tests.Models;

/// <summary>
/// The decoder-only Transformer: shape, parameter count and seeding; JVPs of the generic double-backward engine
/// against central finite differences and VJPs against the adjoint identity ⟨Jᵀr, v⟩ = ⟨r, Jv⟩ with Jv by central
/// differences (float64; relative error &lt; 1e-6).
/// </summary>
public class TransformerTests
{
    internal static TransformerOptions SmallOptions(bool layerNorm = false, int layers = 2) => new()
    {
        VocabSize = 7, ContextLength = 3, NumClasses = 5, ModelDim = 8, Heads = 2, MlpWidth = 16,
        Layers = layers, LayerNorm = layerNorm, DType = ScalarType.Float64,
    };

    /// <summary>Token ids [n, 3] as float64 (the engines need inputs in the parameters' dtype).</summary>
    internal static Tensor Tokens(int n, int vocab, int seed)
    {
        using var g = new Generator((ulong)seed, device: torch.CPU);
        return torch.randint(0, vocab, [n, 3], dtype: ScalarType.Int64, generator: g).to_type(ScalarType.Float64);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ShapeAndParameterCount(bool layerNorm)
    {
        using var scope = torch.NewDisposeScope();
        var options = SmallOptions(layerNorm);
        var model = new Transformer(options, seed: 0);
        Assert.Equal(new long[] { 4, 5 }, model.forward(Tokens(4, 7, 1)).shape);
        // 7·8 + 3·8 embeddings; per layer 4·64 attention + (8·16 + 16) + (16·8 + 8) MLP (+ 2·16 norms); 8·5 readout (+ 16 norm).
        long expected = 56 + 24 + 2 * (256 + 144 + 136 + (layerNorm ? 32 : 0)) + 40 + (layerNorm ? 16 : 0);
        Assert.Equal(expected, options.TrainableParameterCount);
        Assert.Equal(expected, new TrainableParameters(model).Count);
    }

    [Fact]
    public void SeedAloneDeterminesTheWeights()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(1);
        var a = new TrainableParameters(new Transformer(SmallOptions(), seed: 3)).CloneValues();
        torch.manual_seed(99);
        var b = new TrainableParameters(new Transformer(SmallOptions(), seed: 3)).CloneValues();
        var c = new TrainableParameters(new Transformer(SmallOptions(), seed: 4)).CloneValues();
        Assert.All(a.Zip(b), p => Assert.True(p.First.equal(p.Second).all().item<bool>()));
        Assert.Contains(a.Zip(c), p => !p.First.equal(p.Second).all().item<bool>());
    }

    [Fact]
    public void IntegerAndFloatTokenIdsGiveTheSameLogits()
    {
        using var scope = torch.NewDisposeScope();
        var model = new Transformer(SmallOptions(), seed: 0);
        var tokens = Tokens(6, 7, 2);
        Assert.Equal(0.0, MaxAbs(model.forward(tokens), model.forward(tokens.to_type(ScalarType.Int64))));
        Assert.Equal(new long[] { 6, 5 }, model.forward(tokens.narrow(1, 0, 2)).shape);   // shorter prefixes are fine
    }

    [Fact]
    public void BadInputsFailWithARemedy()
    {
        using var scope = torch.NewDisposeScope();
        var model = new Transformer(SmallOptions(), seed: 0);
        using var seven = 7.ToScalar();
        using var outOfRange = torch.full([2, 3], seven, dtype: ScalarType.Int64);
        Assert.Contains("vocabulary", Assert.Throws<TelescopeException>(() => model.forward(outOfRange)).Message);
        using var tooLong = torch.zeros([2, 4], dtype: ScalarType.Int64);
        Assert.Contains("ContextLength", Assert.Throws<TelescopeException>(() => model.forward(tooLong)).Message);
        Assert.Throws<TelescopeException>(() => new Transformer(SmallOptions() with { Heads = 3 }, seed: 0));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void DoubleBackwardJvpMatchesFiniteDifferences(bool layerNorm)
    {
        using var scope = torch.NewDisposeScope();
        var model = new Transformer(SmallOptions(layerNorm), seed: 1);
        var engine = new DoubleBackwardJvp(model);
        var tokens = Tokens(6, 7, 4);
        var tangents = new[] { RandomTangent(engine.Parameters, 5), RandomTangent(engine.Parameters, 6) };
        using var result = engine.Compute(tokens, tangents);
        for (int t = 0; t < tangents.Length; t++)
        {
            double error = RelativeError(result.Jvps[t], FiniteDifferenceJvp(model, engine.Parameters, tokens, tangents[t]));
            Assert.True(error < 1e-6, $"tangent {t}: relative error {error:E2}");
        }
    }

    [Fact]
    public void VjpSatisfiesTheAdjointIdentity()
    {
        using var scope = torch.NewDisposeScope();
        var model = new Transformer(SmallOptions(), seed: 2);
        var vjp = new ParameterVjp(model);
        var tokens = Tokens(6, 7, 7);
        var cotangent = Randn([6, 5], seed: 8);
        var v = RandomTangent(vjp.Parameters, 9);
        double left = Flatten(vjp.Compute(tokens, cotangent)).dot(Flatten(v)).item<double>();          // ⟨Jᵀr, v⟩
        double right = cotangent.mul(FiniteDifferenceJvp(model, vjp.Parameters, tokens, v)).sum().item<double>();   // ⟨r, Jv⟩
        Assert.True(Math.Abs(left - right) < 1e-6 * Math.Abs(right), $"⟨Jᵀr, v⟩ = {left}, ⟨r, Jv⟩ = {right}");
    }
}
