using Telescope.Autodiff;
using Telescope.Models;
using Telescope.Optim;
using Telescope.Smoothing;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Telescope.Tests.Smoothing;

/// <summary>
/// docs/method.md §5.3: power iteration with JVP/VJP products against the eigenvalues of the explicit matrix
/// γ·c·J_B T J_Bᵀ/|B| built from per-example Jacobians, for SGD (T = I) and an Adam-like positive T; the bounds.
/// </summary>
public sealed class SurrogateSharpnessTests
{
    private static Mlp Net(int seed) => new(new MlpOptions
    {
        InputSize = 5, HiddenWidths = [7], OutputSize = 3, Activation = Activation.Tanh, DType = ScalarType.Float64,
    }, seed);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PowerIterationMatchesTheExplicitMatrix(bool preconditioned)
    {
        using var scope = NewDisposeScope();
        using var model = Net(3);
        var parameters = new TrainableParameters(model);
        using var gen = new Generator(6);
        var x = torch.randn([8, 5], dtype: ScalarType.Float64, generator: gen);
        using var spread = 50.ToScalar();
        using var floor = 0.5.ToScalar();
        Tensor[]? t = preconditioned
            ? parameters.Tensors.Select(p => torch.rand(p.shape, dtype: ScalarType.Float64, generator: gen).mul_(spread).add_(floor, TorchScalars.One)).ToArray()
            : null;
        const double scale = 0.3;   // γ·c

        var jacobian = PerExampleJacobian.Compute(model, parameters, x).reshape(8 * 3, -1);          // [b·k, P]
        var diagonal = t is null ? torch.ones(jacobian.shape[1], dtype: ScalarType.Float64) : torch.cat(t.Select(p => p.reshape(-1)).ToArray());
        using var scalePerExample = (scale / 8).ToScalar();
        var a = jacobian.mul(diagonal).mm(jacobian.T).mul(scalePerExample);
        double expected = torch.linalg.eigvalsh(a).max().item<double>();

        var estimate = SurrogateSharpness.Compute(new ForwardModeJvp(model), new ParameterVjp(model), x, scale, t, maxIterations: 500, tolerance: 1e-12);
        // The Rayleigh quotient converges quadratically for a symmetric matrix: 1e-8 relative after convergence.
        Assert.True(estimate.Converged);
        Assert.True(Math.Abs(estimate.Value - expected) <= 1e-8 * expected, $"power iteration {estimate.Value:R}, eigvalsh {expected:R}");
    }

    [Fact]
    public void AdamRuleUsesTheRealizedPreconditionerAndTheNamedBound()
    {
        using var scope = NewDisposeScope();
        using var model = Net(4);
        var parameters = new TrainableParameters(model);
        var x = torch.randn([6, 5], dtype: ScalarType.Float64);
        var y = torch.randn([6, 3], dtype: ScalarType.Float64);
        using var adam = ExactOptimizers.Adam(parameters, 1e-3);
        adam.ZeroGrad();
        using var half = 0.5.ToScalar();
        (model.forward(x) - y).pow(TorchScalars.Two).sum(1).mean().mul(half).backward();
        using var update = adam.ComputeUpdate();
        var rule = TangentStepRule.FromOptimizer(adam, update);
        var viaRule = SurrogateSharpness.Compute(new ForwardModeJvp(model), new ParameterVjp(model), x, rule, lossScale: 1.0, maxIterations: 300, tolerance: 1e-12);
        var direct = SurrogateSharpness.Compute(new ForwardModeJvp(model), new ParameterVjp(model), x, 1e-3, adam.Preconditioners, maxIterations: 300, tolerance: 1e-12);
        Assert.Equal(direct.Value, viaRule.Value, 10);

        var bound = StabilityBound.For(rule);
        Assert.Equal(StabilityBoundKind.Adam, bound.Kind);
        Assert.Equal(38, bound.Value, 10);
        Assert.Equal(2, StabilityBound.Parse("gd", 0).Value);
        Assert.Equal(3.8, StabilityBound.Parse("heavy-ball", 0.9).Value, 12);
        Assert.Throws<ArgumentException>(() => StabilityBound.Parse("lbfgs", 0));
        // auto: heavy ball for SGD with momentum, plain GD without.
        Assert.Equal(3.8, StabilityBound.For(new TangentStepRule { Kind = TangentOptimizerKind.Sgd, Step = 1, LearningRate = 0.1, Momentum = 0.9 }).Value, 12);
        Assert.Equal(2.0, StabilityBound.For(new TangentStepRule { Kind = TangentOptimizerKind.Sgd, Step = 1, LearningRate = 0.1 }).Value);
    }
}
