using Telescope.Autodiff;
using Telescope.Models;
using Telescope.Optim;
using Telescope.Smoothing;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Telescope.Tests.Smoothing;

/// <summary>
/// docs/method.md §5.2 checked against independent computations: a linear model trained to convergence by full-batch GD is
/// least squares, so p_net along each V_d is the hat matrix's n/(|I|k)·||H V_d||²; on a tiny nonlinear problem the
/// finite-σ estimate converges as σ shrinks; under plain SGD at a small rate the network's label response matches
/// the docs/method.md §4.2 kernel smoother's on the same directions; members run separately combine to the lockstep result.
/// </summary>
public sealed class RetrainingSensitivityTests(ITestOutputHelper output)
{
    private static Mlp Net(int inputs, int hidden, int outputs, int seed, Activation? activation = null) => new(new MlpOptions
    {
        InputSize = inputs,
        HiddenWidths = hidden > 0 ? [hidden] : [],
        OutputSize = outputs,
        Bias = hidden > 0,
        Activation = activation ?? Activation.Tanh,
        DType = ScalarType.Float64,
    }, seed);

    private static Dictionary<string, Tensor> Sets(Tensor x, Tensor xTest) => new() { ["train"] = x, ["test"] = xTest };

    [Fact]
    public void LinearLeastSquaresGivesTheHatMatrixAlongEveryDirection()
    {
        const int n = 40, q = 4, k = 2, steps = 400;
        using var scope = NewDisposeScope();
        using var gen = new Generator(21);
        var x = torch.randn([n, q], dtype: ScalarType.Float64, generator: gen);
        var y = torch.randn([n, k], dtype: ScalarType.Float64, generator: gen);
        var xTest = torch.randn([9, q], dtype: ScalarType.Float64, generator: gen);
        using var sampleCount = n.ToScalar();
        var eig = torch.linalg.eigvalsh(x.T.mm(x).div(sampleCount));
        double lr = 2.0 / (eig.min().item<double>() + eig.max().item<double>());
        var options = new RetrainingSensitivityOptions { Sigma = 0.3, DirectionCount = 3, Seed = 5 };
        using var sensitivity = new RetrainingSensitivity(y, options,
            labels => new SquaredLossRetrainingRun(Net(q, 0, k, 7), m => ExactOptimizers.Sgd(new TrainableParameters(m), lr),
                x, labels, 1.0, null, Sets(x, xTest)), ["train", "test"], runBase: true);
        for (int t = 1; t <= steps; t++) sensitivity.Step(t);
        var estimates = sensitivity.Record(steps);

        // Least squares: f(X') = X'(XᵀX)⁻¹Xᵀ Y, so ŝ_d(x') = H(x', X)·V_d exactly (the model is linear in its labels).
        var pinv = torch.linalg.inv(x.T.mm(x)).mm(x.T);
        foreach (var (set, inputs) in new[] { ("train", x), ("test", xTest) })
        {
            var hat = inputs.mm(pinv);                                                   // [N, n]
            var estimate = estimates.Single(e => e.Set == set);
            for (int d = 0; d < options.DirectionCount; d++)
            {
                double expected = (double)n / (inputs.shape[0] * k) * hat.mm(sensitivity.Directions[d]).pow(TorchScalars.Two).sum().item<double>();
                Assert.True(Math.Abs(estimate.PerDirection[d] - expected) <= 1e-6 * expected,
                    $"{set}, direction {d}: p_net,d = {estimate.PerDirection[d]:R}, hat matrix {expected:R}");
            }
            // Linear in the labels: σ and σ/4 agree (to rounding), the second-order part vanishes.
            Assert.True(estimate.IsLinear);
            Assert.InRange(estimate.LinearityRatio!.Value, 1 - 1e-8, 1 + 1e-8);
            Assert.InRange(estimate.Curvature!.Value, 0, 1e-8);
        }
        // On the training set the exact p is tr(H) = q; the Hutchinson mean is within a few standard errors of it.
        var train = estimates.Single(e => e.Set == "train");
        Assert.True(Math.Abs(train.Value - q) <= 4 * train.StandardError + 1e-9, $"p_net_train {train.Value} ± {train.StandardError} vs q = {q}");
    }

    [Fact]
    public void FiniteSigmaEstimateConvergesAsSigmaShrinks()
    {
        const int n = 12, d = 3, steps = 150;
        using var scope = NewDisposeScope();
        using var gen = new Generator(4);
        var x = torch.randn([n, d], dtype: ScalarType.Float64, generator: gen);
        var y = torch.randn([n, 1], dtype: ScalarType.Float64, generator: gen);
        var xTest = torch.randn([6, d], dtype: ScalarType.Float64, generator: gen);
        var values = new List<(double Sigma, double Train, double Test)>();
        foreach (double sigma in new[] { 1e-2, 1e-3, 1e-4 })
        {
            var options = new RetrainingSensitivityOptions { Sigma = sigma, DirectionCount = 2, Seed = 3, LinearityCheck = false };
            using var sensitivity = new RetrainingSensitivity(y, options,
                labels => new SquaredLossRetrainingRun(Net(d, 8, 1, 2), m => ExactOptimizers.Sgd(new TrainableParameters(m), 0.2),
                    x, labels, 1.0, null, Sets(x, xTest)), ["train", "test"]);
            for (int t = 1; t <= steps; t++) sensitivity.Step(t);
            var e = sensitivity.Record(steps);
            values.Add((sigma, e[0].Value, e[1].Value));
            output.WriteLine($"σ = {sigma:G2}: p_net_train {e[0].Value:R}, p_net_test {e[1].Value:R}");
        }
        // Central differences err by O(σ²): σ = 1e-2 → 1e-4 must agree to 1e-3 relative, 1e-3 → 1e-4 to 1e-5.
        Assert.True(Math.Abs(values[0].Train - values[2].Train) <= 1e-3 * values[2].Train);
        Assert.True(Math.Abs(values[0].Test - values[2].Test) <= 1e-3 * values[2].Test);
        Assert.True(Math.Abs(values[1].Train - values[2].Train) <= 1e-5 * values[2].Train);
        Assert.True(Math.Abs(values[1].Test - values[2].Test) <= 1e-5 * values[2].Test);
    }

    [Fact]
    public void PlainSgdAtASmallRateMatchesTheKernelSmootherOnTheSameDirections()
    {
        const int n = 30, inputs = 4, steps = 200, batchSize = 10;
        const double lr = 0.01;
        using var scope = NewDisposeScope();
        using var gen = new Generator(8);
        var x = torch.randn([n, inputs], dtype: ScalarType.Float64, generator: gen);
        var y = torch.randn([n, 1], dtype: ScalarType.Float64, generator: gen);
        var xTest = torch.randn([10, inputs], dtype: ScalarType.Float64, generator: gen);
        var batches = Enumerable.Range(0, steps).Select(_ => torch.randperm(n, generator: gen)[..batchSize].DetachFromDisposeScope()).ToArray();

        // The docs/method.md §4.2 smoother of the base run (exact for plain SGD, with the realized Jacobians).
        using var model = Net(inputs, 64, 1, 9);
        var kernelEngine = new MlpTangentKernel(model);
        var fixture = new SmoothingFixtureless(model);
        using var kernel = new KernelSmoother(x, fixture.Predict(x));
        kernel.Track("test", xTest, fixture.Predict(xTest));
        for (int t = 1; t <= steps; t++)
        {
            kernel.Step(kernelEngine, batches[t - 1], lr);
            KernelSmootherTests.SgdStep(model, x, y, batches[t - 1], lr, 1.0);
        }

        var options = new RetrainingSensitivityOptions { Sigma = 0.05, DirectionCount = 4, Seed = 12 };
        using var sensitivity = new RetrainingSensitivity(y, options,
            labels => new SquaredLossRetrainingRun(Net(inputs, 64, 1, 9), m => ExactOptimizers.Sgd(new TrainableParameters(m), lr),
                x, labels, 1.0, t => batches[t - 1], Sets(x, xTest)), ["train", "test"]);
        for (int t = 1; t <= steps; t++) sensitivity.Step(t);
        var estimates = sensitivity.Record(steps);
        foreach (var set in new[] { "train", "test" })
        {
            var weights = kernel.Weights(set);                                          // [N, n] (k = 1)
            var estimate = estimates.Single(e => e.Set == set);
            for (int d = 0; d < options.DirectionCount; d++)
            {
                double smoother = (double)n / weights.shape[0] * weights.mm(sensitivity.Directions[d]).pow(TorchScalars.Two).sum().item<double>();
                output.WriteLine($"{set} d{d}: p_net {estimate.PerDirection[d]:G6}, kernel smoother {smoother:G6}");
                // The surrogate freezes each step's Jacobian; at γ = 0.01 over 200 steps the network's Jacobian moves
                // little, so the two label responses agree to 5% per direction (measured: within 2.2%).
                Assert.True(Math.Abs(estimate.PerDirection[d] - smoother) <= 0.05 * smoother, $"{set} d{d}: {estimate.PerDirection[d]} vs {smoother}");
            }
            Assert.True(estimate.IsLinear);
        }
    }

    [Fact]
    public void MembersRunSeparatelyCombineToTheLockstepResult()
    {
        const int n = 16, inputs = 3, k = 2, steps = 40, batchSize = 4;
        using var scope = NewDisposeScope();
        using var gen = new Generator(31);
        var x = torch.randn([n, inputs], dtype: ScalarType.Float64, generator: gen);
        var y = torch.randn([n, k], dtype: ScalarType.Float64, generator: gen);
        var xTest = torch.randn([5, inputs], dtype: ScalarType.Float64, generator: gen);
        var batches = Enumerable.Range(0, steps).Select(_ => torch.randperm(n, generator: gen)[..batchSize].DetachFromDisposeScope()).ToArray();
        var options = new RetrainingSensitivityOptions { Sigma = 0.1, DirectionCount = 2, Seed = 2 };
        RetrainingRunFactory factory = labels => new SquaredLossRetrainingRun(Net(inputs, 6, k, 1),
            m => ExactOptimizers.AdamW(new TrainableParameters(m), 1e-2, weightDecay: 0.01), x, labels, 1.0, t => batches[t - 1], Sets(x, xTest));
        int[] logged = [0, 10, 25, 40];
        string[] sets = ["train", "test"];

        using var lockstep = new RetrainingSensitivity(y, options, factory, sets, runBase: true);
        lockstep.Record(0);
        for (int t = 1; t <= steps; t++)
        {
            lockstep.Step(t);
            if (logged.Contains(t)) lockstep.Record(t);
        }

        var members = lockstep.Members.Select(m => RetrainingSensitivity.RunMember(m, y, options, factory, sets, steps, logged)).ToList();
        try
        {
            var combined = RetrainingSensitivity.Combine(members, options, n, sets);
            Assert.Equal(lockstep.Estimates.Count, combined.Count);
            foreach (var (a, b) in lockstep.Estimates.Zip(combined))
            {
                Assert.Equal((a.Set, a.Step), (b.Set, b.Step));
                // Same deterministic runs, same arithmetic: equal to the last bit.
                Assert.Equal(a.Value, b.Value);
                Assert.Equal(a.StandardError, b.StandardError);
                Assert.Equal(a.LinearityValue, b.LinearityValue);
                Assert.Equal(a.FloorDifference, b.FloorDifference);
                Assert.Equal(a.Curvature, b.Curvature);
            }
            Assert.True(combined.Single(e => e.Step == steps && e.Set == "test").Value > 0);
            // A missing member is named.
            var error = Assert.Throws<ArgumentException>(() => RetrainingSensitivity.Combine(members.Skip(2).ToList(), options, n, sets));
            Assert.Contains("d0", error.Message);
        }
        finally { foreach (var m in members) m.Dispose(); }
    }

    [Fact]
    public void PairsRunSeparatelyAggregateToTheLockstepEstimate()
    {
        const int n = 16, inputs = 3, k = 2, steps = 30, batchSize = 4;
        using var scope = NewDisposeScope();
        using var gen = new Generator(41);
        var x = torch.randn([n, inputs], dtype: ScalarType.Float64, generator: gen);
        var y = torch.randn([n, k], dtype: ScalarType.Float64, generator: gen);
        var xTest = torch.randn([5, inputs], dtype: ScalarType.Float64, generator: gen);
        var batches = Enumerable.Range(0, steps).Select(_ => torch.randperm(n, generator: gen)[..batchSize].DetachFromDisposeScope()).ToArray();
        var options = new RetrainingSensitivityOptions { Sigma = 0.1, DirectionCount = 3, Seed = 8 };
        RetrainingRunFactory factory = labels => new SquaredLossRetrainingRun(Net(inputs, 6, k, 3),
            m => ExactOptimizers.AdamW(new TrainableParameters(m), 1e-2, weightDecay: 0.01), x, labels, 1.0, t => batches[t - 1], Sets(x, xTest));
        int[] logged = [0, 7, 30];
        string[] sets = ["train", "test"];

        using var lockstep = new RetrainingSensitivity(y, options, factory, sets);
        lockstep.Record(0);
        for (int t = 1; t <= steps; t++)
        {
            lockstep.Step(t);
            if (logged.Contains(t)) lockstep.Record(t);
        }

        // Each pair by itself (as a process of its own would run it), then aggregated.
        Assert.Equal(4, options.Pairs().Count);
        var responses = new List<PairResponse>();
        foreach (var pair in options.Pairs())
        {
            using var alone = new RetrainingSensitivity(y, options, factory, sets, pairs: [pair]);
            Assert.Equal([pair.Plus, pair.Minus], alone.Members);
            Assert.Throws<InvalidOperationException>(() => alone.Record(0));   // one pair is not an estimate
            responses.AddRange(alone.Responses(0));
            for (int t = 1; t <= steps; t++)
            {
                alone.Step(t);
                if (logged.Contains(t)) responses.AddRange(alone.Responses(t));
            }
        }
        foreach (var a in lockstep.Estimates)
        {
            var b = RetrainingSensitivity.Aggregate(a.Set, a.Step, responses, options);
            // Same deterministic runs, same float64 arithmetic: equal to the last bit.
            Assert.Equal(a.PerDirection, b.PerDirection);
            Assert.Equal(a.Value, b.Value);
            Assert.Equal(a.StandardError, b.StandardError);
            Assert.Equal(a.MeanDifference, b.MeanDifference);
            Assert.Equal(a.LinearityValue, b.LinearityValue);
            Assert.Equal(a.FloorDifference, b.FloorDifference);
        }
        Assert.True(lockstep.Estimates.Last().Value > 0);
        // A pair missing from the responses is named.
        var error = Assert.Throws<ArgumentException>(() => RetrainingSensitivity.Aggregate("test", steps, responses.Where(r => r.Direction != 2), options));
        Assert.Contains("d2±0.1", error.Message);
        // Pairs that are not the options' are refused.
        Assert.Throws<ArgumentException>(() => new RetrainingSensitivity(y, options, factory, sets, pairs: [new SensitivityPair(5, 0.1)]));
    }

    [Fact]
    public void DirectionsAreTheHutchinsonSmoothersOwn()
    {
        using var scope = NewDisposeScope();
        using var model = Net(3, 4, 2, 0);
        var x = torch.randn([10, 3], dtype: ScalarType.Float64);
        using var smoother = new LabelTangentSmoother(new TrainableParameters(model), x,
            new LabelTangentOptions { OutputCount = 2, Directions = LabelDirections.Hutchinson, DirectionCount = 3, Seed = 17 });
        var v = RademacherDirections.Create(3, 10, 2, 17, ScalarType.Float64, CPU);
        Assert.Equal(0.0, (smoother.LabelDirectionMatrix() - v).abs().max().item<double>());
        // p_net with D = 2 uses the first two of a D = 3 smoother's directions (the recipes compare them pairwise).
        var two = RademacherDirections.Create(2, 10, 2, 17, ScalarType.Float64, CPU);
        Assert.Equal(0.0, (v.narrow(0, 0, 2) - two).abs().max().item<double>());
    }

    [Fact]
    public void InvalidOptionsAreNamed()
    {
        Assert.Contains("DirectionCount", Assert.Throws<ArgumentException>(() => new RetrainingSensitivityOptions { DirectionCount = 1 }.Validate()).Message);
        Assert.Contains("Sigma", Assert.Throws<ArgumentException>(() => new RetrainingSensitivityOptions { Sigma = double.NaN }.Validate()).Message);
    }

    /// <summary>Predictions of a model without gradients.</summary>
    private sealed class SmoothingFixtureless(Mlp model)
    {
        public Tensor Predict(Tensor x)
        {
            using (torch.no_grad()) return model.forward(x).detach();
        }
    }
}
