using Telescope.Autodiff;
using Telescope.UpdateAnalysis;
using Telescope.Models;
using Telescope.Optim;
using Telescope.Telescoping;
using Telescope.Tests.Smoothing;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using static Telescope.Tests.UpdateAnalysis.DesignChoicesFixture;

namespace Telescope.Tests.UpdateAnalysis;

/// <summary>
/// Float64. <see cref="MomentumBlending"/>'s Jacobian-change term is checked against its definition
/// Σ_s Σ_{t=s..T} β^{t−s}(J_{t−1} − J_{s−1})(−γ g_s), built from explicit autograd Jacobians J_{t−1} and the
/// optimizer's own gradients (1e-10 absolute), and is exactly zero for a model linear in its parameters (1e-12).
/// Also: momentum's projection share tends to β for a constant gradient, and components' projections sum to one.
/// </summary>
public class MomentumBlendingTests
{
    private const double Beta = 0.8, Rate = 0.05;

    private static (Tensor Term, Tensor Direct, double Change) Run(Mlp model, bool direct)
    {
        var (x, y) = Sample(10, 41);
        var (test, _) = Sample(6, 42);
        var engine = new ForwardModeJvp(model);
        var explicitJacobian = new ExplicitJacobian(model);
        using var optimizer = ExactOptimizers.Sgd(engine.Parameters, Rate, momentum: Beta);
        using var tracker = new TelescopingTracker(engine, [new TrackedSet("test", test)],
            new TelescopingOptions { TrackComponents = true, TrackLinearized = false });
        using var increments = new ComponentIncrements(tracker, "test");
        using var blending = new MomentumBlending(Beta, tracker.Initial("test"));
        var jacobians = new List<Tensor>();   // J_{t−1} [N·k, P]
        var gradients = new List<Tensor>();   // −γ g_t [P]
        const int steps = 14;
        for (int t = 1; t <= steps; t++)
        {
            Backward(model, optimizer, x, y);
            if (direct) jacobians.Add(explicitJacobian.Of(test).reshape(test.shape[0] * 3, -1));
            var update = optimizer.ComputeUpdate();
            tracker.Record(update);
            if (direct) gradients.Add(ExplicitJacobian.Flatten(update.Components[UpdateComponent.Gradient]).clone());
            optimizer.Apply(update);
            update.Dispose();
            increments.Advance();
            using var current = increments.Step(UpdateComponent.Gradient);
            blending.Add(current, increments.StepTotal);
        }
        var expected = torch.zeros(test.shape[0] * 3, dtype: ScalarType.Float64);
        if (direct)
            for (int s = 1; s <= steps; s++)
                for (int t = s; t <= steps; t++)
                {
                    using var decay = Math.Pow(Beta, t - s).ToScalar();
                    expected.add_((jacobians[t - 1] - jacobians[s - 1]).mv(gradients[s - 1]).mul(decay), TorchScalars.One);
                }
        var change = tracker.Telescoped("test") - tracker.Initial("test");
        using var accumulated = blending.Change();
        Assert.True((accumulated - change).abs().max().item<double>() < 1e-12);
        return (blending.JacobianChangeTerm(), expected.view(test.shape[0], 3), change.abs().mean().item<double>());
    }

    [Fact]
    public void JacobianChangeTermMatchesItsDefinitionFromExplicitJacobians()
    {
        var (term, direct, change) = Run(Net(43, Activation.Tanh, bias: true), direct: true);
        Assert.True(change > 1e-2);
        Assert.True(term.abs().max().item<double>() > 1e-6, "a nonlinear model's Jacobian moves");
        double gap = (term - direct).abs().max().item<double>();
        Assert.True(gap < 1e-10, $"Jacobian-change term vs its definition: {gap:G3}");
    }

    [Fact]
    public void JacobianChangeTermVanishesForALinearModel()
    {
        var (term, _, change) = Run(Net(44, Activation.ReLU, bias: true, hidden: []), direct: false);
        Assert.True(change > 1e-2);
        Assert.True(term.abs().max().item<double>() < 1e-12);
    }

    [Fact]
    public void MomentumProjectionShareTendsToBetaForAConstantGradient()
    {
        // Δθ_t = −γ(g + β b_{t−1}) with b_t → g/(1−β): the carried part −γβ b_{t−1} → β·Δθ.
        var g = torch.ones(5, 2, dtype: ScalarType.Float64);
        double buffer = 0;
        (double Magnitude, double Projection) share = default;
        using var minusRate = (-Rate).ToScalar();
        for (int t = 0; t < 200; t++)
        {
            using var current = g.mul(minusRate);
            using var carriedScale = (-Rate * Beta * buffer).ToScalar();
            using var carried = g.mul(carriedScale);
            share = CarriedShare.Of(carried, [current, carried]);
            buffer = Beta * buffer + 1;
        }
        Assert.Equal(Beta, share.Projection, 10);
        Assert.Equal(Beta, share.Magnitude, 10);

        var a = torch.randn(4, 3, dtype: ScalarType.Float64);
        var b = torch.randn(4, 3, dtype: ScalarType.Float64);
        Assert.Equal(1.0, CarriedShare.Of(a, [a, b]).Projection + CarriedShare.Of(b, [a, b]).Projection, 12);
    }
}
