using Xunit;
using Telescope.Autodiff;
using Telescope.Models;
using TorchSharp;
using static TorchSharp.torch;
using static Telescope.Tests.Autodiff.AutodiffFixtures;

namespace Telescope.Tests.Autodiff;

/// <summary>ParameterVjp against Σ_i J(x_i)ᵀ r_i from explicit Jacobians (autograd.functional.jacobian), relative error &lt; 1e-12.</summary>
public class ParameterVjpTests
{
    [Theory]
    [InlineData("tanh", true, null)]
    [InlineData("relu", false, null)]
    [InlineData("poly:0.3", true, 0.2)]
    public void MatchesExplicitJacobianTransposeProduct(string activation, bool bias, double? readout)
    {
        using var scope = torch.NewDisposeScope();
        var model = Mlp(4, [6, 5], 3, Activation.Parse(activation), bias, readout, seed: 2);
        var vjp = new ParameterVjp(model);
        var inputs = Randn([8, 4], seed: 3);
        var r = Randn([8, 3], seed: 4);
        var jacobian = ExplicitJacobian(model, vjp.Parameters, inputs); // [N, k, P]
        Assert.Equal(vjp.Parameters.Count, jacobian.shape[2]);
        var expected = torch.einsum("nk,nkp->p", r, jacobian);

        var sum = Flatten(vjp.Compute(inputs, r));
        var mean = Flatten(vjp.Compute(inputs, r, VjpReduction.Mean));
        Assert.True(RelativeError(sum, expected) < 1e-12);
        using var eight = 8.ToScalar();
        Assert.True(RelativeError(mean, expected.div(eight)) < 1e-12);
    }

    [Fact]
    public void SeveralCotangentsAndChunksAgreeWithSingleCalls()
    {
        using var scope = torch.NewDisposeScope();
        var model = Mlp(3, [5], 2, Activation.Sigmoid, seed: 7);
        var inputs = Randn([11, 3], seed: 1);
        var r = Randn([3, 11, 2], seed: 2);
        var many = new ParameterVjp(model, chunkSize: 4).ComputeMany(inputs, r, VjpReduction.Mean);
        var single = new ParameterVjp(model);
        for (int d = 0; d < 3; d++)
            Assert.True(MaxAbs(Flatten(many[d]), Flatten(single.Compute(inputs, r[d], VjpReduction.Mean))) < 1e-14);
    }

    [Fact]
    public void MismatchedCotangentsAreRejected()
    {
        using var scope = torch.NewDisposeScope();
        var model = Mlp(3, [5], 2, Activation.Sigmoid, seed: 7);
        var vjp = new ParameterVjp(model);
        var inputs = Randn([4, 3], seed: 1);
        Assert.Contains("one row per input", Assert.Throws<ArgumentException>(() => vjp.Compute(inputs, Randn([5, 2], seed: 1))).Message);
        Assert.Contains("outputs", Assert.Throws<ArgumentException>(() => vjp.Compute(inputs, Randn([4, 3], seed: 1))).Message);
    }
}
