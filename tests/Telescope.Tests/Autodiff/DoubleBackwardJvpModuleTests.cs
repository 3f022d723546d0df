using Xunit;
using Telescope.Autodiff;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static Telescope.Tests.Autodiff.AutodiffFixtures;

namespace Telescope.Tests.Autodiff;

/// <summary>DoubleBackwardJvp on modules that are not MLPs, against central finite differences (relative error &lt; 1e-6).</summary>
public class DoubleBackwardJvpModuleTests
{
    /// <summary>Uses a LayerNorm and leaves one registered Linear unused (its tangent must contribute nothing).</summary>
    private sealed class NormNet : nn.Module<Tensor, Tensor>
    {
        private readonly Linear _in = nn.Linear(5, 8, dtype: ScalarType.Float64);
        private readonly LayerNorm _norm = nn.LayerNorm(8, dtype: ScalarType.Float64);
        private readonly Linear _out = nn.Linear(8, 2, dtype: ScalarType.Float64);
        private readonly Linear _unused = nn.Linear(3, 3, dtype: ScalarType.Float64);

        public NormNet() : base("NormNet") => RegisterComponents();

        public override Tensor forward(Tensor x) => _out.forward(torch.tanh(_norm.forward(_in.forward(x))));
    }

    public static IEnumerable<object[]> Modules()
    {
        yield return ["conv", new long[] { 6, 1, 6, 6 }];
        yield return ["layernorm", new long[] { 7, 5 }];
    }

    private static nn.Module<Tensor, Tensor> Build(string name)
    {
        torch.manual_seed(17);
        return name switch
        {
            "conv" => nn.Sequential(
                ("conv", nn.Conv2d(1, 2, 3, dtype: ScalarType.Float64)),
                ("tanh", nn.Tanh()),
                ("flat", nn.Flatten()),
                ("fc", nn.Linear(2 * 4 * 4, 3, dtype: ScalarType.Float64))),
            _ => new NormNet(),
        };
    }

    [Theory]
    [MemberData(nameof(Modules))]
    public void MatchesFiniteDifferences(string name, long[] inputShape)
    {
        using var scope = torch.NewDisposeScope();
        var module = Build(name);
        var engine = new DoubleBackwardJvp(module);
        var inputs = Randn(inputShape, seed: 4);
        var tangents = new[] { RandomTangent(engine.Parameters, 5), RandomTangent(engine.Parameters, 6) };
        using var r = engine.Compute(inputs, tangents);
        for (int t = 0; t < tangents.Length; t++)
        {
            var fd = FiniteDifferenceJvp(module, engine.Parameters, inputs, tangents[t]);
            double err = RelativeError(r.Jvps[t], fd);
            Assert.True(err < 1e-6, $"{name}: relative error {err:E2}");
        }
    }

    [Fact]
    public void UnusedParameterTangentHasNoEffect()
    {
        using var scope = torch.NewDisposeScope();
        var module = new NormNet();
        var engine = new DoubleBackwardJvp(module);
        var inputs = Randn([4, 5], seed: 1);
        // A tangent that moves only the unused layer (the last two trainable tensors) gives exactly zero.
        var onlyUnused = engine.Parameters.Tensors
            .Select((p, i) => i >= engine.Parameters.Tensors.Count - 2 ? torch.ones_like(p) : torch.zeros_like(p)).ToArray();
        using var r = engine.Compute(inputs, [onlyUnused]);
        Assert.Equal(0.0, r.Jvps.abs().max().item<double>());
    }
}
