using Telescope.Autodiff;
using Telescope.Models;
using Telescope.Smoothing;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Telescope.Tests.Smoothing;

/// <summary>
/// docs/method.md §4.2 and §5.1 checked against closed forms: a linear model trained by full-batch GD to convergence is
/// least squares (S(X) = X(XᵀX)⁻¹Xᵀ, p_train = q) or, from w = 0 with q &gt; n, the minimum-norm interpolator
/// (S(X) = I, p_train = n); full and trace mode agree where K = (xᵀx')·I_k; on a nonlinear network full mode
/// reproduces a surrogate run differentiated in the labels by finite differences.
/// </summary>
public sealed class KernelSmootherTests
{
    private static Mlp Linear(int q, int k, int seed) =>
        new(new MlpOptions { InputSize = q, HiddenWidths = [], OutputSize = k, Bias = false, DType = ScalarType.Float64 }, seed);

    /// <summary>One plain SGD step on batch B: θ −= γ ∇[(c/2)·mean_i ||f(x_i) − y_i||²], written out by hand.</summary>
    internal static void SgdStep(Mlp model, Tensor x, Tensor y, Tensor batch, double lr, double c)
    {
        using var scope = NewDisposeScope();
        var xb = x.index_select(0, batch);
        var yb = y.index_select(0, batch);
        using var halfScale = (c / 2).ToScalar();
        using var minusLearningRate = (-lr).ToScalar();
        var loss = (model.forward(xb) - yb).pow(TorchScalars.Two).sum(1).mean().mul(halfScale);
        var grads = torch.autograd.grad([loss], model.parameters().ToArray());
        using (torch.no_grad())
            foreach (var (p, g) in model.parameters().Zip(grads)) p.add_(g, alpha: minusLearningRate);
    }

    private static Tensor Predict(Mlp model, Tensor x)
    {
        using (torch.no_grad()) return model.forward(x).detach();
    }

    [Fact]
    public void LinearLeastSquaresGivesTheHatMatrixAndPTrainEqualsQ()
    {
        const int n = 40, q = 4, steps = 80;
        using var gen = new Generator(11);
        var x = torch.randn([n, q], dtype: ScalarType.Float64, generator: gen);
        var y = torch.randn([n, 1], dtype: ScalarType.Float64, generator: gen);
        var xTest = torch.randn([7, q], dtype: ScalarType.Float64, generator: gen);
        using var model = Linear(q, 1, 3);
        var engine = new LinearModelKernel(model);
        using var smoother = new KernelSmoother(x, Predict(model, x));
        smoother.Track("test", xTest, Predict(model, xTest));

        // γ = 2/(λmin+λmax) of XᵀX/n, the fastest rate for full-batch GD on this quadratic.
        using var sampleCount = n.ToScalar();
        var eig = torch.linalg.eigvalsh(x.T.mm(x).div(sampleCount));
        double lr = 2.0 / (eig.min().item<double>() + eig.max().item<double>());
        var all = torch.arange(sampleCount, dtype: ScalarType.Int64);
        var history = new EffectiveParameterHistory();
        for (int t = 0; t < steps; t++)
        {
            smoother.Step(engine, all, lr);      // kernel at θ_{t-1}, before the step
            SgdStep(model, x, y, all, lr, 1.0);
            history.Record(smoother);
        }
        // p_train(t) = Σ_j (1 − (1 − γλ_j)^t)² over the eigenvalues λ_j of XXᵀ/n: recorded for every step and set.
        var eigAll = torch.linalg.eigvalsh(x.mm(x.T).div(sampleCount));
        using var learningRate = lr.ToScalar();
        foreach (int t in new[] { 1, 5, steps })
        {
            using var exponent = t.ToScalar();
            // 1 − x written as −x + 1, as TorchSharp's operator does.
            var decay = eigAll.mul(learningRate).negative().add(TorchScalars.One, TorchScalars.One).pow(exponent);   // (1 − γλ_j)^t
            double expected = decay.negative().add(TorchScalars.One, TorchScalars.One).pow(TorchScalars.Two).sum().item<double>();
            Assert.Equal(expected, history.Series(SmootherSets.Training)[t - 1].Value, 1e-9);
        }
        Assert.Equal(steps, history.Series("test").Count);
        Assert.Equal(steps, history.Last("test")!.Step);

        var gramInverse = torch.linalg.inv(x.T.mm(x));
        var hat = x.mm(gramInverse).mm(x.T);
        var testHat = xTest.mm(gramInverse).mm(x.T);
        AssertClose(hat, smoother.Weights(SmootherSets.Training), 1e-10, "S(X_train) vs X(XᵀX)⁻¹Xᵀ");
        AssertClose(testHat, smoother.Weights("test"), 1e-10, "S(X_test) vs X_test(XᵀX)⁻¹Xᵀ");
        var p = EffectiveParameters.Compute(smoother, SmootherSets.Training);
        Assert.Equal(q, p.Value, 1e-9);
        Assert.Equal(0.0, p.StandardError);
        // A linear model is its own linearization: the surrogate equals the network, which is the LS fit.
        AssertClose(Predict(model, x), smoother.Predict(SmootherSets.Training, y), 1e-10, "f̂ vs f on train");
        AssertClose(Predict(model, xTest), smoother.Predict("test", y), 1e-10, "f̂ vs f on test");
        var fidelity = smoother.Fidelity("test", y, Predict(model, xTest), Predict(model, xTest));
        Assert.True(fidelity.SurrogateVsNetwork < 1e-10, $"fidelity gap {fidelity.SurrogateVsNetwork}");
    }

    [Fact]
    public void MinimumNormInterpolatorHasPTrainEqualToN()
    {
        const int n = 10, q = 60, steps = 120;
        using var gen = new Generator(5);
        var x = torch.randn([n, q], dtype: ScalarType.Float64, generator: gen);
        var y = torch.randn([n, 1], dtype: ScalarType.Float64, generator: gen);
        var xTest = torch.randn([6, q], dtype: ScalarType.Float64, generator: gen);
        using var model = Linear(q, 1, 4);
        using (torch.no_grad()) model.Layers[0].weight!.zero_();   // w_0 = 0: GD converges to the minimum-norm solution
        var engine = new LinearModelKernel(model);
        using var smoother = new KernelSmoother(x, Predict(model, x));
        smoother.Track("test", xTest, Predict(model, xTest));

        using var sampleCount = n.ToScalar();
        var eig = torch.linalg.eigvalsh(x.mm(x.T).div(sampleCount));
        double lr = 2.0 / (eig.min().item<double>() + eig.max().item<double>());
        var all = torch.arange(sampleCount, dtype: ScalarType.Int64);
        for (int t = 0; t < steps; t++)
        {
            smoother.Step(engine, all, lr);
            SgdStep(model, x, y, all, lr, 1.0);
        }

        AssertClose(torch.eye(n, dtype: ScalarType.Float64), smoother.Weights(SmootherSets.Training), 1e-9, "S(X_train) vs I");
        var minNormRows = xTest.mm(x.T).mm(torch.linalg.inv(x.mm(x.T)));
        AssertClose(minNormRows, smoother.Weights("test"), 1e-9, "S(X_test) vs X_test Xᵀ(XXᵀ)⁻¹");
        Assert.Equal(n, EffectiveParameters.Compute(smoother, SmootherSets.Training).Value, 1e-6);
        var minNormWeights = torch.linalg.pinv(x).mm(y);
        AssertClose(xTest.mm(minNormWeights), smoother.Predict("test", y), 1e-9, "f̂(X_test) vs minimum-norm fit");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void FullAndTraceModeAgreeWhenTheKernelIsScalarTimesIdentity(bool layerwiseEngine)
    {
        // f(x) = Wx: ∂f_a/∂W_bc = δ_ab x_c, so K(x, x') = (xᵀx')·I_k and trace mode is exact.
        const int n = 12, q = 5, k = 3, steps = 25, b = 4;
        const double c = 1.0 / k, lr = 0.3;
        using var gen = new Generator(21);
        var x = torch.randn([n, q], dtype: ScalarType.Float64, generator: gen);
        var y = torch.randn([n, k], dtype: ScalarType.Float64, generator: gen);
        var xTest = torch.randn([5, q], dtype: ScalarType.Float64, generator: gen);
        using var model = Linear(q, k, 8);
        // The closed form, or the library's layer-wise engine on the same model.
        ITangentKernelEngine engine = layerwiseEngine ? new MlpTangentKernel(model) : new LinearModelKernel(model);
        using var trace = new KernelSmoother(x, Predict(model, x), new KernelSmootherOptions { LossScale = c, Mode = KernelOutputMode.Trace });
        using var full = new KernelSmoother(x, Predict(model, x), new KernelSmootherOptions { LossScale = c, Mode = KernelOutputMode.Full });
        trace.Track("test", xTest, Predict(model, xTest));
        full.Track("test", xTest, Predict(model, xTest));
        for (int t = 0; t < steps; t++)
        {
            var batch = torch.randperm(n, generator: gen)[..b];
            trace.Step(engine, batch, lr);
            full.Step(engine, batch, lr);
            SgdStep(model, x, y, batch, lr, c);
        }
        foreach (var set in new[] { SmootherSets.Training, "test" })
        {
            AssertClose(full.Weights(set), trace.FullWeights(set), 1e-12, $"S full vs trace on {set}");
            AssertClose(full.Offsets(set), trace.Offsets(set), 1e-12, $"c full vs trace on {set}");
            AssertClose(full.SquaredNorms(set), trace.SquaredNorms(set), 1e-12, $"||S||² full vs trace on {set}");
            AssertClose(Predict(model, set == "test" ? xTest : x), full.Predict(set, y), 1e-10, $"f̂ vs f (linear) on {set}");
        }
        Assert.Equal(EffectiveParameters.Compute(full, "test").Value, EffectiveParameters.Compute(trace, "test").Value, 1e-10);
    }

    [Fact]
    public void FullModeMatchesFiniteDifferencesOfTheSurrogateRunOnANonlinearNetwork()
    {
        // Independent check: record the realized Jacobians of a real SGD run, rerun the surrogate
        // f̂_t = f̂_{t-1} + J_{t-1}·Δθ̂_t with Δθ̂_t = −(γc/|B|) Σ J_{t-1}(x_i)ᵀ (f̂_{t-1}(x_i) − y_i) in θ-space
        // for labels Y and Y + h·E_j, and difference. The surrogate is affine in Y, so the difference is exact
        // up to rounding; c_T is the run with Y = 0.
        const int n = 8, q = 3, k = 2, steps = 12, b = 3;
        const double c = 0.5, lr = 0.2, h = 1.0;
        using var gen = new Generator(2);
        var x = torch.randn([n, q], dtype: ScalarType.Float64, generator: gen);
        var y = torch.randn([n, k], dtype: ScalarType.Float64, generator: gen);
        using var model = new Mlp(new MlpOptions { InputSize = q, HiddenWidths = [6], OutputSize = k, Activation = Activation.Tanh, DType = ScalarType.Float64 }, 9);
        var engine = new ExplicitJacobian(model);
        var f0 = Predict(model, x);
        using var full = new KernelSmoother(x, f0, new KernelSmootherOptions { LossScale = c, Mode = KernelOutputMode.Full });
        var jacobians = new List<Tensor>();
        var batches = new List<Tensor>();
        for (int t = 0; t < steps; t++)
        {
            var batch = torch.randperm(n, generator: gen)[..b];
            jacobians.Add(engine.Of(x));
            batches.Add(batch);
            full.Step(engine, batch, lr);
            SgdStep(model, x, y, batch, lr, c);
        }

        Tensor Surrogate(Tensor labels)
        {
            using var lossScale = c.ToScalar();
            using var stepScale = (-lr / b).ToScalar();
            var f = f0.clone();
            for (int t = 0; t < steps; t++)
            {
                var jb = jacobians[t].index_select(0, batches[t]);                          // [b, k, P]
                var r = (f.index_select(0, batches[t]) - labels.index_select(0, batches[t])).mul(lossScale);
                var dTheta = torch.einsum("bkp,bk->p", jb, r).mul(stepScale);             // −γ/|B| · Σ J_iᵀ r_i
                f = f.add(torch.einsum("nkp,p->nk", jacobians[t], dTheta), TorchScalars.One);
            }
            return f;
        }

        var baseRun = Surrogate(y);
        var weights = full.Weights(SmootherSets.Training);                                      // [n, k, nk]
        using var shift = h.ToScalar();
        for (int j = 0; j < n * k; j++)
        {
            var shifted = y.clone();
            var flat = shifted.view(-1);
            flat[j] = flat[j].add(shift, TorchScalars.One);                                    // y_j += h
            var column = (Surrogate(shifted) - baseRun).div(shift);                            // S(x)·e_j, [n, k]
            AssertClose(column, weights[.., .., j], 1e-10, $"S column {j}");
        }
        AssertClose(Surrogate(torch.zeros_like(y)), full.Offsets(SmootherSets.Training), 1e-10, "c_T");
        AssertClose(baseRun, full.Predict(SmootherSets.Training, y), 1e-10, "f̂_T");
    }

    [Fact]
    public void BadInputIsRejectedWithAMessage()
    {
        var x = torch.zeros([4, 2], dtype: ScalarType.Float64);
        Assert.Throws<ArgumentException>(() => new KernelSmoother(x, torch.zeros([4], dtype: ScalarType.Float64)));
        using var s = new KernelSmoother(x, torch.zeros([4, 1], dtype: ScalarType.Float64));
        using var model = Linear(2, 1, 1);
        var engine = new ExplicitJacobian(model);
        var ex = Assert.Throws<ArgumentException>(() => s.Step(engine, torch.tensor(new long[] { 0, 4 }), 0.1));
        Assert.Contains("[0, 4)", ex.Message);
        Assert.Throws<KeyNotFoundException>(() => s.Weights("nope"));
        s.Step(engine, torch.tensor(new long[] { 0, 1 }), 0.1);
        Assert.Throws<InvalidOperationException>(() => s.Track("late", x, torch.zeros([4, 1], dtype: ScalarType.Float64)));
    }

    internal static void AssertClose(Tensor expected, Tensor actual, double tolerance, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        double gap = (expected - actual).abs().max().item<double>();
        Assert.True(gap <= tolerance, $"{what}: max |difference| = {gap:E3} > {tolerance:E1}");
    }
}
