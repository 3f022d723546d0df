using Telescope.Autodiff;
using Telescope.Connectivity;
using Telescope.Models;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using static Telescope.Tests.Autodiff.AutodiffFixtures;
using Explicit = Telescope.Tests.Smoothing.ExplicitJacobian;

namespace Telescope.Tests.Connectivity;

/// <summary>
/// Gradient change by layer group against explicit Jacobians (row by row with autograd, sliced per group):
/// the exact method to 1e-10 (float64), Hutchinson within 4 of its standard errors.
/// </summary>
public class GradientChangeTests
{
    /// <summary>conv 2→3 (3×3) → tanh → linear 48→4 on 2×6×6 inputs, float64.</summary>
    internal static nn.Module<Tensor, Tensor> ConvNet(int seed)
    {
        torch.manual_seed(seed);
        return nn.Sequential(
            ("conv", nn.Conv2d(2, 3, 3, dtype: ScalarType.Float64)),
            ("tanh", nn.Tanh()),
            ("flat", nn.Flatten()),
            ("fc", nn.Linear(3 * 4 * 4, 4, dtype: ScalarType.Float64)));
    }

    private static IReadOnlyList<ParameterGroup> ConvGroups(nn.Module<Tensor, Tensor> net) =>
        ParameterGroup.FromModules(new TrainableParameters(net), net.named_children().Where(c => c.name is "conv" or "fc").Select(c => (c.name, c.module)));

    /// <summary>mean_x ‖J^l_b(x) − J^l_a(x)‖_F / ‖J^l_a(x)‖_F from explicit [N, k, P] Jacobians.</summary>
    private static double[] Expected(nn.Module<Tensor, Tensor> a, nn.Module<Tensor, Tensor> b, Tensor x, IReadOnlyList<ParameterGroup> groups)
    {
        var ja = new Explicit(a).Of(x);
        var jb = new Explicit(b).Of(x);
        var sizes = new TrainableParameters(a).Tensors.Select(p => p.numel()).ToArray();
        var offsets = new long[sizes.Length + 1];
        for (int i = 0; i < sizes.Length; i++) offsets[i + 1] = offsets[i] + sizes[i];
        return groups.Select(g =>
        {
            var columns = torch.tensor(g.Indices.SelectMany(i => Enumerable.Range(0, (int)sizes[i]).Select(c => offsets[i] + c)).ToArray());
            var sa = ja.index_select(2, columns);
            var sb = jb.index_select(2, columns);
            return ((sb - sa).pow(TorchScalars.Two).sum([1, 2]).sqrt() / sa.pow(TorchScalars.Two).sum([1, 2]).sqrt()).mean().item<double>();
        }).ToArray();
    }

    private static void Perturb(nn.Module module, int seed, double scale)
    {
        using var g = new Generator((ulong)seed, device: torch.CPU);
        using var _ = torch.no_grad();
        using var factor = scale.ToScalar();
        foreach (var p in module.parameters())
        {
            using var noise = torch.randn(p.shape, dtype: p.dtype, generator: g).mul_(factor);
            p.add_(noise, TorchScalars.One);
        }
    }

    private static nn.Module<Tensor, Tensor> Copy(nn.Module<Tensor, Tensor> source, Func<nn.Module<Tensor, Tensor>> build)
    {
        var copy = build();
        using var _ = torch.no_grad();
        foreach (var (to, from) in copy.parameters().Zip(source.parameters())) to.copy_(from);
        foreach (var (to, from) in copy.buffers().Zip(source.buffers())) to.copy_(from);
        return copy;
    }

    [Fact]
    public void ExactMatchesExplicitJacobiansOfASmallConvNet()
    {
        using var scope = torch.NewDisposeScope();
        var a = ConvNet(1);
        var b = Copy(a, () => ConvNet(2));
        Perturb(b, 3, 0.2);
        var x = Randn([5, 2, 6, 6], seed: 4);
        var groups = ConvGroups(a);
        var expected = Expected(a, b, x, groups);
        var measured = GradientChange.Measure(a, b, x, groups, GradientChangeMethod.Exact);
        for (int l = 0; l < groups.Count; l++)
        {
            Assert.Equal(groups[l].Name, measured[l].Group);
            Assert.True(Math.Abs(measured[l].Value - expected[l]) < 1e-10 * Math.Max(1, expected[l]),
                $"{groups[l].Name}: {measured[l].Value} vs explicit {expected[l]}");
            Assert.True(expected[l] > 1e-3, "the perturbation must change the Jacobian (else the test is vacuous)");
        }
    }

    [Fact]
    public void ExactMatchesExplicitJacobiansOfABatchNormResNetInEvalMode()
    {
        using var scope = torch.NewDisposeScope();
        ResNet Build(int seed) => new(new ResNetOptions { Width = 2, DType = ScalarType.Float64 }, seed);
        var a = Build(1);
        a.train();
        using (torch.no_grad()) a.forward(Randn([8, 3, 32, 32], seed: 2)).Dispose();   // non-trivial running statistics
        var b = (ResNet)Copy(a, () => Build(9));
        Perturb(b, 3, 0.05);
        a.eval();
        b.eval();
        var x = Randn([2, 3, 32, 32], seed: 4);
        var groups = ParameterGroup.FromModules(new TrainableParameters(a), a.LayerGroups);
        var expected = Expected(a, b, x, groups);
        var measured = GradientChange.Measure(a, b, x, groups, GradientChangeMethod.Exact);
        for (int l = 0; l < groups.Count; l++)
            Assert.True(Math.Abs(measured[l].Value - expected[l]) < 1e-10 * Math.Max(1, expected[l]),
                $"{groups[l].Name}: {measured[l].Value} vs explicit {expected[l]}");
    }

    [Fact]
    public void HutchinsonIsWithinItsStandardError()
    {
        using var scope = torch.NewDisposeScope();
        var a = ConvNet(1);
        var b = Copy(a, () => ConvNet(2));
        Perturb(b, 3, 0.2);
        var x = Randn([3, 2, 6, 6], seed: 4);
        var groups = ConvGroups(a);
        const int directions = 300;
        var (exactDiff, exactRef) = GradientChange.ExactSquaredNorms(a, b, x, groups);
        var (diff, reference) = GradientChange.HutchinsonSquaredNorms(a, b, x, groups, directions, seed: 7);
        for (int l = 0; l < groups.Count; l++)
            for (int i = 0; i < 3; i++)
            {
                foreach (var (estimates, exact, what) in new[] { (diff[l], exactDiff[l][i], "‖(J_b − J_a)v‖²"), (reference[l], exactRef[l][i], "‖J_a v‖²") })
                {
                    var values = Enumerable.Range(0, directions).Select(d => estimates[i, d]).ToArray();
                    double mean = values.Average();
                    double se = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (directions - 1) / directions);
                    Assert.True(Math.Abs(mean - exact) < 4 * se, $"{groups[l].Name}, probe {i}, {what}: {mean} ± {se} vs exact {exact}");
                }
            }
        var exactChange = GradientChange.Measure(a, b, x, groups, GradientChangeMethod.Exact);
        var hutchinson = GradientChange.Measure(a, b, x, groups, GradientChangeMethod.Hutchinson, directions, seed: 7);
        for (int l = 0; l < groups.Count; l++)
        {
            Assert.True(hutchinson[l].StandardError > 0);
            Assert.True(Math.Abs(hutchinson[l].Value - exactChange[l].Value) < 4 * hutchinson[l].StandardError,
                $"{groups[l].Name}: {hutchinson[l].Value} ± {hutchinson[l].StandardError} vs exact {exactChange[l].Value}");
        }
    }

    [Fact]
    public void GroupsMustCoverEveryParameterOnce()
    {
        using var scope = torch.NewDisposeScope();
        var net = ConvNet(1);
        var parameters = new TrainableParameters(net);
        var conv = net.named_children().First(c => c.name == "conv");
        Assert.Throws<ArgumentException>(() => ParameterGroup.FromModules(parameters, [(conv.name, conv.module)]));
        Assert.Throws<ArgumentException>(() => ParameterGroup.FromModules(parameters, [("all", net), ("conv", conv.module)]));
    }
}
