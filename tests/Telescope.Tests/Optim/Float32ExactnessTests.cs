using Telescope.Autodiff;
using Telescope.Optim;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;
using static Telescope.Tests.Optim.OptimTestKit;

namespace Telescope.Tests.Optim;

/// <summary>
/// Float32 with small learning rates (|Δθ| ≪ |θ|): the returned Δθ equals the update formula evaluated in
/// float64 at the optimizer's realized float32 state to 16 float32 ulps of the largest update entry per tensor,
/// while θ_after − θ_before (a difference of float32 weights) is far off — the reason docs/method.md §2 takes Δθ from the
/// update computation.
/// </summary>
public class Float32ExactnessTests(ITestOutputHelper output)
{
    private const int Steps = 10;
    private const double Float32Epsilon = 1.1920928955078125e-7;
    private const double Bound = 16 * Float32Epsilon;

    [Fact]
    public void SgdNesterovWithDecayReturnsTheFormulaValue()
    {
        var options = new SgdOptions { LearningRate = new ConstantLearningRate(1e-4), Momentum = 0.9, Nesterov = true, WeightDecay = 1e-3 };
        Run("sgd-nesterov-decay", p => new SgdOptimizer(p, options), (opt, t, theta, grad) =>
        {
            var sgd = (SgdOptimizer)opt;
            var buffers = sgd.MomentumBuffers.Select(b => (Tensor?)b.to_type(ScalarType.Float64)).ToArray();
            // At t = 1 the realized buffer is 0; the reference then starts PyTorch's way (b_1 = g_1).
            if (t == 1) buffers = new Tensor?[buffers.Length];
            return ReferenceUpdates.Sgd(options, t, theta, grad, buffers);
        });
    }

    [Fact]
    public void AdamWReturnsTheFormulaValue()
    {
        var options = new AdamOptions { LearningRate = new ConstantLearningRate(1e-5), WeightDecay = 0.01, Decoupled = true };
        Run("adamw", p => new AdamOptimizer(p, options), (opt, t, theta, grad) =>
        {
            var adam = (AdamOptimizer)opt;
            var m = adam.FirstMoments.Select(x => x.to_type(ScalarType.Float64)).ToArray();
            var v = adam.SecondMoments.Select(x => x.to_type(ScalarType.Float64)).ToArray();
            var pre = new Tensor[m.Length];
            return ReferenceUpdates.Adam(options, t, theta, grad, m, v, pre);
        });
    }

    private void Run(string name, Func<TrainableParameters, ExactOptimizer> create,
        Func<ExactOptimizer, int, Tensor[], Tensor[], ExpectedUpdate> reference)
    {
        using var model = NewMlp(ScalarType.Float32);
        var batches = Batches(ScalarType.Float32);
        var parameters = new TrainableParameters(model);
        using var optimizer = create(parameters);
        double worstOurs = 0, worstDifference = 0;
        for (int t = 1; t <= Steps; t++)
        {
            Backward(model, batches, t);
            // The formula in float64 at the realized float32 state θ_{t−1}, ∇_t and optimizer state.
            var theta = parameters.CloneValues(ScalarType.Float64);
            var grads = Gradients(parameters).Select(g => g.to_type(ScalarType.Float64)).ToArray();
            using var expected = reference(optimizer, t, theta, grads);
            var before = parameters.CloneValues();

            using var update = optimizer.Step();
            Assert.All(update.Total, d => Assert.Equal(ScalarType.Float32, d.dtype));
            var after = parameters.CloneValues();
            for (int i = 0; i < theta.Length; i++)
            {
                double scale = MaxAbs([expected.Total[i]]);
                worstOurs = Math.Max(worstOurs, MaxAbsDiff([update.Total[i]], [expected.Total[i]]) / scale);
                using var moved = after[i] - before[i];
                worstDifference = Math.Max(worstDifference, MaxAbsDiff([moved], [expected.Total[i]]) / scale);
            }
            DisposeAll(theta);
            DisposeAll(grads);
            DisposeAll(before);
            DisposeAll(after);
        }
        output.WriteLine($"{name}: max |Δθ_returned − formula| / max|formula| = {worstOurs:E2} (bound {Bound:E2}); " +
            $"same for θ_after − θ_before in float32: {worstDifference:E2}");
        Assert.True(worstOurs <= Bound, $"{name}: returned Δθ is {worstOurs:E3} (relative) from the formula.");
        Assert.True(worstDifference > 10 * Bound,
            $"{name}: the weight difference was expected to be far less accurate ({worstDifference:E3}); is the step too large for this check?");
    }
}
