using Telescope.Autodiff;
using Telescope.Models;
using Telescope.Spectrum;
using Telescope.Tests.Models;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using static Telescope.Tests.Autodiff.AutodiffFixtures;

namespace Telescope.Tests.Spectrum;

/// <summary>
/// The tangent-kernel spectrum tracker against explicit kernels K = J Jᵀ (float64): top-k eigenvalues within 1e-6
/// relative of torch.linalg.eigvalsh and the top-k subspace within 1e-6 (overlap), alignment and energy share
/// against hand computations (1e-9), and zero rotation for a linear model, whose kernel never changes.
/// </summary>
public class KernelSpectrumTests
{
    /// <summary>K from J [n, k, P] as an example-major (n·k)×(n·k) matrix.</summary>
    private static Tensor KernelOf(Tensor jacobian)
    {
        var flat = jacobian.reshape(jacobian.shape[0] * jacobian.shape[1], -1);
        return flat.matmul(flat.t());
    }

    private static (double[] Values, Tensor Vectors) TopEigen(Tensor kernel, int k)
    {
        var (values, vectors) = torch.linalg.eigh(kernel);
        long size = values.shape[0];
        var order = torch.tensor(Enumerable.Range(0, k).Select(i => size - 1 - i).ToArray(), dtype: ScalarType.Int64);
        return (values.index_select(0, order).data<double>().ToArray(), vectors.index_select(1, order));
    }

    private static void AssertSpectrumMatches(double[] expected, Tensor expectedVectors, KernelSpectrumLog log, Tensor vectors, string what)
    {
        Assert.Equal(expected.Length, log.Eigenvalues.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(log.Eigenvalues[i] - expected[i]) <= 1e-6 * expected[i],
                $"{what}: λ_{i + 1} = {log.Eigenvalues[i]} vs eigvalsh {expected[i]}");
        double overlap = KernelSpectrumMath.SubspaceOverlap(vectors, expectedVectors);
        Assert.True(overlap > 1 - 1e-6, $"{what}: subspace overlap with eigh's top-k is {overlap}");
    }

    public static IEnumerable<object[]> MlpCases()
    {
        yield return [KernelSpectrumMethod.Lanczos, 20, null!];   // n·k = 40: the Krylov space spans K
        yield return [KernelSpectrumMethod.Lanczos, 40, 30];      // n·k = 80 with 30 products: a true truncation
        yield return [KernelSpectrumMethod.Exact, 20, null!];
    }

    [Theory]
    [MemberData(nameof(MlpCases))]
    public void MlpTopEigenpairsMatchEigvalsh(KernelSpectrumMethod method, int n, int? iterations)
    {
        using var scope = torch.NewDisposeScope();
        var model = Mlp(3, [6], 2, Activation.Tanh, seed: 2);
        var x = Randn([n, 3], seed: 3);
        var parameters = new TrainableParameters(model);
        var (expected, expectedVectors) = TopEigen(KernelOf(ExplicitJacobian(model, parameters, x)), 4);
        var options = new KernelSpectrumOptions { TopK = 4, Method = method, LanczosIterations = iterations };
        using var tracker = new KernelSpectrumTracker(model, new KernelProbes(x, Randn([n, 2], seed: 4)), options: options);
        var log = tracker.Log(0);
        Assert.Equal(method, log.Method);
        AssertSpectrumMatches(expected, expectedVectors, log, tracker.Eigenvectors!, $"{method}, n = {n}");
        Assert.All(log.Residuals, r => Assert.True(r <= 1e-6 * expected[0], $"residual {r}"));
    }

    [Theory]
    [InlineData(KernelSpectrumMethod.Lanczos)]
    [InlineData(KernelSpectrumMethod.Exact)]
    public void TransformerTopEigenpairsMatchEigvalsh(KernelSpectrumMethod method)
    {
        using var scope = torch.NewDisposeScope();
        var model = new Transformer(TransformerTests.SmallOptions(), seed: 3);
        var tokens = TransformerTests.Tokens(12, 7, 5);
        var jacobian = PerExampleJacobian.Compute(model, new TrainableParameters(model), tokens);   // [12, 5, P]
        var (expected, expectedVectors) = TopEigen(KernelOf(jacobian), 5);
        var options = new KernelSpectrumOptions { TopK = 5, Method = method, LanczosIterations = 40 };   // 40 of 60 dimensions
        using var tracker = new KernelSpectrumTracker(model, new KernelProbes(tokens, Randn([12, 5], seed: 6)), options: options);
        AssertSpectrumMatches(expected, expectedVectors, tracker.Log(0), tracker.Eigenvectors!, $"Transformer, {method}");
    }

    [Theory]
    [InlineData(KernelSpectrumMethod.Lanczos)]
    [InlineData(KernelSpectrumMethod.Exact)]
    public void AlignmentAndEnergyShareMatchAHandComputation(KernelSpectrumMethod method)
    {
        using var scope = torch.NewDisposeScope();
        var model = Mlp(2, [5], 2, Activation.Tanh, seed: 7);
        var parameters = new TrainableParameters(model);
        var (x, xTest) = (Randn([8, 2], seed: 8), Randn([6, 2], seed: 9));
        var (y, yTest) = (Randn([8, 2], seed: 10), Randn([6, 2], seed: 11));
        // Hand computation: K = J Jᵀ from explicit Jacobians, A = yᵀKy / (‖K‖_F ‖y‖²), share = ‖V_kᵀy‖² / ‖y‖².
        double Align(Tensor inputs, Tensor target)
        {
            var k = KernelOf(ExplicitJacobian(model, parameters, inputs));
            var flat = target.flatten();
            return flat.dot(k.matmul(flat)).item<double>() / (k.norm().item<double>() * flat.dot(flat).item<double>());
        }
        var (_, vectors) = TopEigen(KernelOf(ExplicitJacobian(model, parameters, x)), 3);
        double share = vectors.t().matmul(y.flatten()).pow(TorchScalars.Two).sum().item<double>() / y.pow(TorchScalars.Two).sum().item<double>();

        // 16 dimensions and 16 iterations: Lanczos spans the space, so its ‖K‖_F (Σλ²) is exact too.
        var options = new KernelSpectrumOptions { TopK = 3, Method = method, LanczosIterations = 16 };
        using var tracker = new KernelSpectrumTracker(model, new KernelProbes(x, y), new KernelProbes(xTest, yTest), options);
        var log = tracker.Log(0);
        Assert.True(log.FrobeniusExact);
        Assert.Equal(Align(x, y), log.TrainAlignment, 1e-9);
        Assert.Equal(Align(xTest, yTest), log.TestAlignment!.Value, method == KernelSpectrumMethod.Exact ? 1e-9 : 0.1);
        Assert.Equal(share, log.TopKEnergyShare, 1e-9);
        Assert.InRange(log.TrainAlignment, 0, 1);
        // The same number as the Frobenius cosine ⟨K, yyᵀ⟩ / (‖K‖ ‖yyᵀ‖) of the existing KernelAlignment.
        var kernel = KernelOf(ExplicitJacobian(model, parameters, x));
        var flat = y.flatten();
        Assert.Equal(Telescope.UpdateAnalysis.KernelAlignment.Compute(kernel, flat.outer(flat)), log.TrainAlignment, 1e-9);
    }

    [Theory]
    [InlineData(KernelSpectrumMethod.Exact)]
    [InlineData(KernelSpectrumMethod.Lanczos)]
    public void OutputCentredAlignmentMatchesAHandComputationAndIgnoresOutputShifts(KernelSpectrumMethod method)
    {
        using var scope = torch.NewDisposeScope();
        var model = Mlp(2, [5], 3, Activation.Tanh, seed: 12);
        var parameters = new TrainableParameters(model);
        var (x, xTest) = (Randn([8, 2], seed: 13), Randn([6, 2], seed: 14));
        var (y, yTest) = (Randn([8, 3], seed: 15), Randn([6, 3], seed: 16));
        // Hand computation with the explicit projection P = I_n ⊗ (I_3 − 11ᵀ/3): A(PKP, Py).
        double Centred(Tensor inputs, Tensor target)
        {
            var k = KernelOf(ExplicitJacobian(model, parameters, inputs));
            long n = inputs.shape[0];
            using var third = (1.0 / 3).ToScalar();
            var p = torch.kron(torch.eye(n, dtype: ScalarType.Float64), torch.eye(3, dtype: ScalarType.Float64).sub(torch.full(3, 3, third, dtype: ScalarType.Float64)));
            var pkp = p.matmul(k).matmul(p);
            var py = p.matmul(target.flatten());
            return py.dot(pkp.matmul(py)).item<double>() / (pkp.norm().item<double>() * py.dot(py).item<double>());
        }
        // Hutchinson's ‖PKP‖_F with 4,000 probes: relative error of the estimate ≈ 1% here, so 5% for the alignment.
        var options = new KernelSpectrumOptions { TopK = 3, Method = method, OutputCentered = true, FrobeniusProbes = 4000 };
        using var tracker = new KernelSpectrumTracker(model, new KernelProbes(x, y), new KernelProbes(xTest, yTest), options);
        var log = tracker.Log(0);
        double tolerance = method == KernelSpectrumMethod.Exact ? 1e-9 : 0.05;
        Assert.Equal(1, log.TrainAlignmentCentered!.Value / Centred(x, y), tolerance);
        Assert.Equal(1, log.TestAlignmentCentered!.Value / Centred(xTest, yTest), tolerance);
        // Shifting every output of a probe by the same amount changes the plain alignment but not the centred one.
        var shifted = y.add(Randn([8, 1], seed: 17).mul(torch.tensor(5.0, dtype: ScalarType.Float64)), alpha: TorchScalars.One);
        using var other = new KernelSpectrumTracker(model, new KernelProbes(x, shifted), options: options);
        var shiftedLog = other.Log(0);
        Assert.Equal(log.TrainAlignmentCentered!.Value, shiftedLog.TrainAlignmentCentered!.Value, 1e-9);
        Assert.NotEqual(log.TrainAlignment, shiftedLog.TrainAlignment, 3);
        // Without the option nothing is logged; with one output there is nothing left to centre.
        using var plain = new KernelSpectrumTracker(model, new KernelProbes(x, y), options: options with { OutputCentered = false });
        Assert.Null(plain.Log(0).TrainAlignmentCentered);
        var single = Mlp(2, [5], 1, Activation.Tanh, seed: 18);
        var e = Assert.Throws<TelescopeException>(() => new KernelSpectrumTracker(single, new KernelProbes(x, Randn([8, 1], seed: 19)), options: options));
        Assert.Contains("at least 2 outputs", e.Message);
    }

    [Fact]
    public void LanczosFindsRepeatedEigenvalues()
    {
        // diag(5, 5, 5, 3, 3, 2, 1, 1, 0.5, 0.5): a Krylov space from one vector sees each distinct eigenvalue once,
        // so the tripled 5 is found only through the restarts after each invariant subspace.
        using var scope = torch.NewDisposeScope();
        var d = torch.tensor(new[] { 5.0, 5, 5, 3, 3, 2, 1, 1, 0.5, 0.5 }, dtype: ScalarType.Float64);
        using var result = LanczosEigensolver.TopEigenpairs(v => v.mul(d), 10, count: 5, iterations: 10, seed: 3);
        Assert.Equal(new[] { 5.0, 5, 5, 3, 3 }, result.Values.Select(v => Math.Round(v, 12)));
        Assert.True(result.SpansSpace);
        // Their vectors span coordinates 0–4: the projector's trace on them is 5.
        double captured = result.Vectors.narrow(0, 0, 5).pow(TorchScalars.Two).sum().item<double>();
        Assert.Equal(5.0, captured, 10);
    }

    [Fact]
    public void HutchinsonIsExactForADiagonalKernel()
    {
        // Rademacher z: ‖Dz‖² = Σ d_i² z_i² = Σ d_i² for every probe, so the estimate has no variance.
        using var scope = torch.NewDisposeScope();
        var d = torch.tensor(new[] { 3.0, -1.0, 0.5, 2.0 }, dtype: ScalarType.Float64);
        double estimate = KernelSpectrumMath.HutchinsonFrobeniusNorm(v => v.mul(d), 4, probes: 3, seed: 0);
        Assert.Equal(Math.Sqrt(9 + 1 + 0.25 + 4), estimate, 12);
    }

    [Fact]
    public void HutchinsonEstimateIsCloseForATruncatedRun()
    {
        using var scope = torch.NewDisposeScope();
        var model = Mlp(3, [6], 2, Activation.Tanh, seed: 2);
        var x = Randn([40, 3], seed: 3);
        var exact = KernelOf(ExplicitJacobian(model, new TrainableParameters(model), x)).norm().item<double>();
        var options = new KernelSpectrumOptions { TopK = 3, Method = KernelSpectrumMethod.Lanczos, LanczosIterations = 20, FrobeniusProbes = 64 };
        using var tracker = new KernelSpectrumTracker(model, new KernelProbes(x, Randn([40, 2], seed: 4)), options: options);
        var log = tracker.Log(0);
        Assert.False(log.FrobeniusExact);
        Assert.True(Math.Abs(log.FrobeniusNorm - exact) < 0.05 * exact, $"Hutchinson ‖K‖_F = {log.FrobeniusNorm}, exact {exact}");
    }

    [Fact]
    public void LinearModelKernelDoesNotRotate()
    {
        using var scope = torch.NewDisposeScope();
        // f(x) = wᵀx + b: J = [x, 1] does not depend on θ, so K = XXᵀ + 11ᵀ is the same at every step.
        var linear = Mlp(4, [], 1, Activation.Tanh, seed: 1);
        var (x, y) = (Randn([10, 4], seed: 2), Randn([10, 1], seed: 3));
        using var sgd = torch.optim.SGD(linear.parameters(), 0.1);
        using var tracker = new KernelSpectrumTracker(linear, new KernelProbes(x, y),
            options: new KernelSpectrumOptions { TopK = 3, Method = KernelSpectrumMethod.Lanczos });
        var first = tracker.Log(0);
        for (int t = 1; t <= 5; t++)
        {
            sgd.zero_grad();
            nn.functional.mse_loss(linear.forward(x), y).backward();
            sgd.step();
            var log = tracker.Log(t);
            Assert.True(log.Rotation!.Value < 1e-10, $"step {t}: rotation {log.Rotation}");
            for (int i = 0; i < 3; i++) Assert.Equal(first.Eigenvalues[i], log.Eigenvalues[i], 1e-9 * first.Eigenvalues[0]);
        }
        Assert.Null(first.Rotation);
    }

    [Fact]
    public void NonlinearModelKernelRotatesWhenTrained()
    {
        // The same measurement can fail: a narrow tanh network trained hard moves its top eigenspace.
        using var scope = torch.NewDisposeScope();
        var model = Mlp(2, [4], 1, Activation.Tanh, seed: 1);
        var (x, y) = (Randn([10, 2], seed: 2), Randn([10, 1], seed: 3, scale: 3));
        using var sgd = torch.optim.SGD(model.parameters(), 0.2);
        using var tracker = new KernelSpectrumTracker(model, new KernelProbes(x, y),
            options: new KernelSpectrumOptions { TopK = 2, Method = KernelSpectrumMethod.Exact });
        tracker.Log(0);
        for (int t = 0; t < 200; t++)
        {
            sgd.zero_grad();
            nn.functional.mse_loss(model.forward(x), y).backward();
            sgd.step();
        }
        Assert.True(tracker.Log(200).Rotation!.Value > 1e-3, "the trained network's top eigenspace did not move");
    }

    [Fact]
    public void BadSettingsFailWithARemedy()
    {
        using var scope = torch.NewDisposeScope();
        var model = Mlp(2, [3], 2, Activation.Tanh);
        var x = Randn([3, 2], seed: 1);
        Assert.Contains("TopK", Assert.Throws<TelescopeException>(() => new KernelSpectrumTracker(model, new KernelProbes(x, Randn([3, 2], seed: 2)),
            options: new KernelSpectrumOptions { TopK = 7 })).Message);
        var other = Mlp(2, [3], 2, Activation.Tanh, seed: 5);
        Assert.Contains("different module", Assert.Throws<TelescopeException>(() => new KernelSpectrumTracker(model,
            new KernelProbes(x, Randn([3, 2], seed: 2)), kernelEngine: new MlpTangentKernel(other))).Message);
        Assert.Contains("different module", Assert.Throws<TelescopeException>(() => new KernelSpectrumTracker(model,
            new KernelProbes(x, Randn([3, 2], seed: 2)), jvpEngine: new ForwardModeJvp(other))).Message);
        Assert.Contains("one-hot", Assert.Throws<TelescopeException>(() => new KernelSpectrumTracker(model, new KernelProbes(x, Randn([3], seed: 2)))).Message);
    }
}
