using System.Text.Json;
using Telescope.Autodiff;
using Telescope.Checkpointing;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Spectrum;

/// <summary>
/// Logs the spectrum of the empirical tangent kernel K = J Jᵀ on a probe set as training runs (docs/method.md §11):
/// the top-k eigenvalues and eigenvectors of the full (n·k)×(n·k) kernel (n probes × k outputs, example-major),
/// the kernel-target alignment yᵀKy / (‖K‖_F ‖y‖²) on the train probes and on test probes, the share of the
/// target's energy in the top-k eigendirections, and the rotation of that eigenspace since the previous log.
/// Works for any module: the Lanczos method uses only K v = J(Jᵀv) (<see cref="TangentKernelOperator"/>), the exact
/// method the explicit kernel of an <see cref="ITangentKernelEngine"/> and torch.linalg.eigh.
/// Call <see cref="Log"/> at the steps you choose, with the model at those parameters (and in eval mode if it has
/// batch statistics).
/// </summary>
/// <example>
/// <code>
/// // using Telescope.Models; using Telescope.Spectrum; using TorchSharp; using static TorchSharp.torch;
/// using var gen = new Generator(0);
/// var x = torch.randn([40, 3], dtype: ScalarType.Float64, generator: gen);
/// var y = torch.randn([40, 2], dtype: ScalarType.Float64, generator: gen);
/// var model = new Mlp(new MlpOptions { InputSize = 3, HiddenWidths = [16], OutputSize = 2, DType = ScalarType.Float64 }, seed: 0);
/// using var sgd = torch.optim.SGD(model.parameters(), 0.05);
/// using var tracker = new KernelSpectrumTracker(model, new KernelProbes(x, y), options: new KernelSpectrumOptions { TopK = 3, Method = KernelSpectrumMethod.Lanczos });
/// for (int t = 0; t &lt;= 30; t++)
/// {
///     if (t % 10 == 0) { var log = tracker.Log(t); Console.WriteLine($"step {t}: λ = [{string.Join(", ", log.Eigenvalues.Select(l => l.ToString("G4")))}], A = {log.TrainAlignment:F3}, rotation = {log.Rotation}"); }
///     sgd.zero_grad(); nn.functional.mse_loss(model.forward(x), y).backward(); sgd.step();
/// }
/// </code>
/// </example>
public sealed class KernelSpectrumTracker : ICheckpointable, IDisposable
{
    private readonly KernelSpectrumOptions _options;
    private readonly KernelProbes _train;
    private readonly KernelProbes? _test;
    private readonly TangentKernelOperator _trainOperator;
    private readonly TangentKernelOperator? _testOperator;
    private readonly ITangentKernelEngine _kernel;
    private readonly Tensor _trainTarget;
    private readonly Tensor? _testTarget;
    private readonly List<KernelSpectrumLog> _history = [];
    private Tensor? _eigenvectors;

    /// <param name="module">Any module mapping [N, …] to [N, k] (or [N]), examples independent.</param>
    /// <param name="train">Probes whose kernel spectrum, alignment and energy share are logged.</param>
    /// <param name="test">Optional probes whose own kernel's alignment with their targets is logged.</param>
    /// <param name="options">Null = defaults (top 10, Auto method).</param>
    /// <param name="jvpEngine">JVP engine over <paramref name="module"/> for the Lanczos products; null = <see cref="DoubleBackwardJvp"/>.</param>
    /// <param name="kernelEngine">Explicit-kernel engine for the exact method; null = <see cref="GenericTangentKernel"/>
    /// (pass <see cref="MlpTangentKernel"/> for an <c>Mlp</c>).</param>
    public KernelSpectrumTracker(nn.Module<Tensor, Tensor> module, KernelProbes train, KernelProbes? test = null,
        KernelSpectrumOptions? options = null, IJvpEngine? jvpEngine = null, ITangentKernelEngine? kernelEngine = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(train);
        _options = options ?? new KernelSpectrumOptions();
        _options.Validate();
        _train = train;
        _test = test;
        _trainOperator = new TangentKernelOperator(module, train.Inputs, jvpEngine, _options.ChunkSize);
        _trainTarget = FlatTarget(train, _trainOperator, "train");
        if (test is not null)
        {
            _testOperator = new TangentKernelOperator(module, test.Inputs, jvpEngine, _options.ChunkSize);
            _testTarget = FlatTarget(test, _testOperator, "test");
        }
        _kernel = kernelEngine ?? new GenericTangentKernel(module);
        if (!ReferenceEquals(_kernel.Parameters.Module, module))
            throw new TelescopeException("The kernel engine given to the spectrum tracker was built for a different module; build it from the same module.");
        if (_options.OutputCentered && _trainOperator.Outputs < 2)
            throw new TelescopeException("The output-centred alignment needs at least 2 outputs per probe (with one, centring removes everything); turn OutputCentered off.");
        if (_options.TopK > _trainOperator.Dimension)
            throw new TelescopeException(
                $"TopK = {_options.TopK} exceeds the kernel's size n·k = {_trainOperator.Dimension}; lower TopK or add probes.");
        Method = _options.Method != KernelSpectrumMethod.Auto ? _options.Method
            : _trainOperator.Dimension <= _options.ExactMaxDimension ? KernelSpectrumMethod.Exact : KernelSpectrumMethod.Lanczos;
    }

    /// <summary>The method every log uses (Auto resolved by the kernel's size).</summary>
    public KernelSpectrumMethod Method { get; }

    /// <summary>The logs so far, in call order.</summary>
    public IReadOnlyList<KernelSpectrumLog> History => _history;

    /// <summary>U of the latest log: the top-k eigenvectors as columns [n·k, k] (float64, CPU; owned by the tracker).</summary>
    public Tensor? Eigenvectors => _eigenvectors;

    /// <summary>Measures the kernel at the module's current parameters and appends the log.</summary>
    public KernelSpectrumLog Log(int step)
    {
        using var scope = torch.NewDisposeScope();
        var (values, residuals, vectors, frobenius, frobeniusExact, quadratic, trainMatrix) =
            Method == KernelSpectrumMethod.Exact ? ExactSpectrum() : LanczosSpectrum();
        double? testAlignment = null, testCentered = null;
        bool? testExact = null;
        if (_testOperator is not null)
        {
            var testMatrix = Method == KernelSpectrumMethod.Exact ? ExplicitKernel(_test!.Inputs) : null;
            var (testQuadratic, testFrobenius, exact) = testMatrix is not null
                ? (_testTarget!.dot(testMatrix.matmul(_testTarget!)).item<double>(), testMatrix.norm().item<double>(), true)
                : (_testOperator.QuadraticForm(_testTarget!), HutchinsonNorm(_testOperator.Apply, _testOperator.Dimension), false);
            testAlignment = KernelSpectrumMath.Alignment(testQuadratic, testFrobenius, _testTarget!.pow(TorchScalars.Two).sum().item<double>());
            testExact = exact;
            if (_options.OutputCentered) testCentered = CenteredAlignment(_testOperator, testMatrix, _testTarget!);
        }
        double? overlap = _eigenvectors is null ? null : KernelSpectrumMath.SubspaceOverlap(vectors, _eigenvectors);
        var log = new KernelSpectrumLog
        {
            Step = step,
            Method = Method,
            Eigenvalues = values,
            Residuals = residuals,
            FrobeniusNorm = frobenius,
            FrobeniusExact = frobeniusExact,
            TrainAlignment = KernelSpectrumMath.Alignment(quadratic, frobenius, _trainTarget.pow(TorchScalars.Two).sum().item<double>()),
            TestAlignment = testAlignment,
            TestFrobeniusExact = testExact,
            TrainAlignmentCentered = _options.OutputCentered ? CenteredAlignment(_trainOperator, trainMatrix, _trainTarget) : null,
            TestAlignmentCentered = testCentered,
            TopKEnergyShare = KernelSpectrumMath.EnergyShare(vectors, _trainTarget),
            SubspaceOverlap = overlap,
        };
        _eigenvectors?.Dispose();
        _eigenvectors = vectors.DetachFromDisposeScope();   // owned by the tracker across the caller's dispose scopes
        _history.Add(log);
        return log;
    }

    /// <summary>Adds the logs so far and the latest eigenvectors (the reference of the next rotation) under <paramref name="prefix"/>.</summary>
    public void SaveState(CheckpointState state, string prefix)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.Set(prefix + "method", Method.ToString());
        state.Set(prefix + "history", JsonSerializer.Serialize(_history));
        state.Set(prefix + "has_eigenvectors", _eigenvectors is null ? 0L : 1L);
        if (_eigenvectors is not null) state.Set(prefix + "eigenvectors", _eigenvectors);
    }

    /// <summary>Restores what <see cref="SaveState"/> stored into a tracker built with the same probes and options.</summary>
    /// <exception cref="CheckpointMismatchException">The checkpoint comes from a tracker with another method or kernel size.</exception>
    public void LoadState(CheckpointState state, string prefix)
    {
        ArgumentNullException.ThrowIfNull(state);
        string method = state.GetString(prefix + "method");
        if (method != Method.ToString())
            throw new CheckpointMismatchException($"The checkpoint's spectrum tracker used the {method} method, this one {Method} (other options?).");
        var history = JsonSerializer.Deserialize<List<KernelSpectrumLog>>(state.GetString(prefix + "history"))
            ?? throw new CheckpointMismatchException("The checkpoint's spectrum history is empty.");
        Tensor? vectors = null;
        if (state.GetLong(prefix + "has_eigenvectors") == 1)
        {
            vectors = state.GetTensor(prefix + "eigenvectors").DetachFromDisposeScope();
            if (vectors.shape.Length != 2 || vectors.shape[0] != _trainOperator.Dimension || vectors.shape[1] != _options.TopK)
            {
                string shape = string.Join(", ", vectors.shape);
                vectors.Dispose();
                throw new CheckpointMismatchException($"The checkpoint's eigenvectors are [{shape}], this tracker's [{_trainOperator.Dimension}, {_options.TopK}] (other probes or TopK?).");
            }
        }
        _history.Clear();
        _history.AddRange(history);
        _eigenvectors?.Dispose();
        _eigenvectors = vectors;
    }

    public void Dispose()
    {
        _eigenvectors?.Dispose();
        _eigenvectors = null;
        _trainTarget.Dispose();
        _testTarget?.Dispose();
    }

    private (double[] Values, double[] Residuals, Tensor Vectors, double Frobenius, bool Exact, double Quadratic, Tensor? Matrix) ExactSpectrum()
    {
        var matrix = ExplicitKernel(_train.Inputs);
        var (ascending, basis) = torch.linalg.eigh(matrix);
        long size = ascending.shape[0];
        var order = KernelSpectrumMath.TopIndices(size, _options.TopK);
        var values = ascending.index_select(0, order).data<double>().ToArray();
        var vectors = basis.index_select(1, order).contiguous();
        double quadratic = _trainTarget.dot(matrix.matmul(_trainTarget)).item<double>();
        return (values, new double[_options.TopK], vectors, matrix.norm().item<double>(), true, quadratic, matrix);
    }

    private (double[] Values, double[] Residuals, Tensor Vectors, double Frobenius, bool Exact, double Quadratic, Tensor? Matrix) LanczosSpectrum()
    {
        long dimension = _trainOperator.Dimension;
        int iterations = _options.LanczosIterations ?? (int)Math.Min(dimension, 2L * _options.TopK + 40);
        using var result = LanczosEigensolver.TopEigenpairs(_trainOperator.Apply, dimension, _options.TopK, iterations, _options.Seed);
        // A Krylov space spanning all n·k dimensions holds the whole spectrum: ‖K‖_F² = Σ λ², exactly.
        double frobenius = result.SpansSpace
            ? Math.Sqrt(result.AllRitzValues.Sum(l => l * l))
            : HutchinsonNorm(_trainOperator.Apply, _trainOperator.Dimension);
        var vectors = result.Vectors.clone();
        return (result.Values, result.Residuals, vectors, frobenius, result.SpansSpace, _trainOperator.QuadraticForm(_trainTarget), null);
    }

    /// <summary>Hutchinson's ‖·‖_F of the operator <paramref name="apply"/>, with the same probes at every log and for every operator.</summary>
    private double HutchinsonNorm(Func<Tensor, Tensor> apply, long dimension) =>
        KernelSpectrumMath.HutchinsonFrobeniusNorm(apply, dimension, _options.FrobeniusProbes, _options.Seed + 1);

    /// <summary>The explicit kernel of <paramref name="inputs"/>, example-major, float64 on the CPU (exact method).</summary>
    private Tensor ExplicitKernel(Tensor inputs) =>
        KernelSpectrumMath.ExampleMajor(_kernel.Compute(inputs, inputs, KernelOutputMode.Full)).cpu();

    /// <summary>
    /// A(P K P, P y) (§11.3): the numerator (Py)ᵀK(Py) = ‖Jᵀ Py‖² is one VJP (or the explicit matrix); ‖P K P‖_F is the
    /// explicit matrix's norm, or Hutchinson's estimate through v ↦ P K P v with the probes of the uncentred norm.
    /// </summary>
    private double CenteredAlignment(TangentKernelOperator kernel, Tensor? matrix, Tensor target)
    {
        using var scope = torch.NewDisposeScope();
        long k = kernel.Outputs;
        var centred = KernelSpectrumMath.CenterOutputs(target.unsqueeze(0), k).squeeze(0);
        double quadratic, frobenius;
        if (matrix is not null)
        {
            var projected = KernelSpectrumMath.CenterOutputs(KernelSpectrumMath.CenterOutputs(matrix, k).t(), k);   // P K P (K symmetric)
            (quadratic, frobenius) = (centred.dot(matrix.matmul(centred)).item<double>(), projected.norm().item<double>());
        }
        else
        {
            quadratic = kernel.QuadraticForm(centred);
            frobenius = HutchinsonNorm(v => KernelSpectrumMath.CenterOutputs(kernel.Apply(KernelSpectrumMath.CenterOutputs(v, k)), k), kernel.Dimension);
        }
        return KernelSpectrumMath.Alignment(quadratic, frobenius, centred.pow(TorchScalars.Two).sum().item<double>());
    }

    /// <summary>The targets flattened example-major to n·k float64 entries on the CPU.</summary>
    private static Tensor FlatTarget(KernelProbes probes, TangentKernelOperator kernel, string name)
    {
        ArgumentNullException.ThrowIfNull(probes.Targets);
        if (probes.Targets.numel() != kernel.Dimension || probes.Targets.shape[0] != kernel.Rows)
            throw new TelescopeException(
                $"The {name} targets have shape [{string.Join(", ", probes.Targets.shape)}] but the probes need [{kernel.Rows}, {kernel.Outputs}] (n probes × k model outputs); one-hot encode class labels.");
        return probes.Targets.reshape(-1).to(ScalarType.Float64, torch.CPU).detach().clone();
    }
}
