using Telescope.Autodiff;
using Telescope.Checkpointing;
using Telescope.LinearAlgebra;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Smoothing;

/// <summary>
/// The kernel recursion of docs/method.md §4.2, exact for plain SGD (no momentum, no weight decay):
/// <code>
///   S_t(x) = S_{t-1}(x) − (γ_t·c/|B_t|) Σ_{i∈B_t} K_{t-1}(x, x_i) (S_{t-1}(x_i) − E_i),   S_0 = 0
///   c_t(x) = c_{t-1}(x) − (γ_t·c/|B_t|) Σ_{i∈B_t} K_{t-1}(x, x_i) c_{t-1}(x_i),           c_0 = f_{θ_0}(x)
/// </code>
/// so that the surrogate prediction is f̂_t(x) = S_t(x)·vec(Y) + c_t(x). vec(Y) is row-major: label i, output a
/// sits at index i·k + a, and E_i ∈ R^{k×nk} selects label i.
/// <para>
/// Storage per tracked input: <see cref="KernelOutputMode.Trace"/> keeps s(x) ∈ R^n with S(x) = s(x)ᵀ ⊗ I_k
/// (the kernel replaced by (1/k)·tr K·I_k); <see cref="KernelOutputMode.Full"/> keeps S(x) ∈ R^{k×nk}.
/// Per step only the kernel columns at the batch, K(X_tracked, X_B), are computed — one engine call for all
/// tracked sets together.
/// </para>
/// <para>
/// Call <see cref="Step"/> with the kernel engine at θ_{t-1}, i.e. BEFORE the optimizer applies step t.
/// </para>
/// </summary>
/// <example>
/// <code>
/// // using Telescope.Autodiff; using Telescope.Models; using Telescope.Optim; using Telescope.Smoothing; using TorchSharp; using static TorchSharp.torch;
/// using var gen = new Generator(0);
/// var x = torch.randn([20, 3], dtype: ScalarType.Float64, generator: gen);
/// var y = torch.randn([20, 1], dtype: ScalarType.Float64, generator: gen);
/// var xTest = torch.randn([5, 3], dtype: ScalarType.Float64, generator: gen);
/// var model = new Mlp(new MlpOptions { InputSize = 3, HiddenWidths = [32], OutputSize = 1, DType = ScalarType.Float64 }, seed: 0);
/// var kernel = new MlpTangentKernel(model);
/// using var sgd = ExactOptimizers.Sgd(kernel.Parameters, learningRate: 0.1);   // plain SGD: the recursion is exact
/// using var smoother = new KernelSmoother(x, model.forward(x).detach(), new KernelSmootherOptions { LossScale = 2 });   // c = 2/k: MSELoss
/// smoother.Track("test", xTest, model.forward(xTest).detach());
/// for (int t = 0; t &lt; 50; t++)
/// {
///     smoother.Step(kernel, torch.randperm(20, generator: gen), 0.1);   // B_t = all 20 rows; before sgd.Step (kernel at θ_{t-1})
///     sgd.ZeroGrad(); nn.functional.mse_loss(model.forward(x), y).backward(); sgd.Step().Dispose();
/// }
/// Console.WriteLine($"p_train = {EffectiveParameters.Compute(smoother, SmootherSets.Training).Value:F2}, p_test = {EffectiveParameters.Compute(smoother, "test").Value:F2}");
/// </code>
/// </example>
public sealed class KernelSmoother : ISmoother, ICheckpointable, IDisposable
{
    private readonly Tensor _trainInputs;
    private readonly List<string> _names = [];
    private readonly Dictionary<string, (int Start, int Count)> _ranges = [];
    // All tracked sets concatenated, training set first (rows 0..n-1), so that one kernel call and one
    // matrix product update every set, and S at the batch points is a row gather.
    private Tensor _inputs;
    private Tensor _weights;   // Trace: [N, n]; Full: [N, k, n·k]
    private Tensor _offsets;   // [N, k]
    private bool _disposed;

    /// <summary>
    /// Starts the recursion at θ_0 with the training set tracked.
    /// </summary>
    /// <param name="trainInputs">X_train [n, ...] as the kernel engine takes them.</param>
    /// <param name="initialTrainPredictions">f_{θ_0}(X_train) [n, k]; its dtype and device are the smoother's (pass them in
    /// float64 to accumulate S in float64 for a float32 model; kernel blocks are converted).</param>
    /// <param name="options">Loss scale c and kernel mode; null for the defaults.</param>
    public KernelSmoother(Tensor trainInputs, Tensor initialTrainPredictions, KernelSmootherOptions? options = null)
    {
        options ??= new KernelSmootherOptions();
        if (initialTrainPredictions.dim() != 2)
            throw new ArgumentException(
                $"Initial training predictions must be [n, k]; got [{string.Join(", ", initialTrainPredictions.shape)}]. " +
                "Reshape a scalar-output prediction to [n, 1].");
        if (trainInputs.shape[0] != initialTrainPredictions.shape[0])
            throw new ArgumentException(
                $"{trainInputs.shape[0]} training inputs but {initialTrainPredictions.shape[0]} initial predictions.");
        if (!double.IsFinite(options.LossScale) || options.LossScale <= 0)
            throw new ArgumentException($"The loss scale c must be positive and finite; got {options.LossScale}.");

        TrainingCount = checked((int)initialTrainPredictions.shape[0]);
        OutputCount = checked((int)initialTrainPredictions.shape[1]);
        if (TrainingCount == 0 || OutputCount == 0) throw new ArgumentException("The training set and the output must be non-empty.");
        LossScale = options.LossScale;
        Mode = OutputCount == 1 ? KernelOutputMode.Trace : options.Mode ?? KernelOutputMode.Trace;
        DType = initialTrainPredictions.dtype;
        Device = initialTrainPredictions.device;

        // Long-lived state must not belong to a caller's dispose scope.
        _trainInputs = trainInputs.detach().clone().DetachFromDisposeScope();
        _inputs = _trainInputs.alias().DetachFromDisposeScope();
        _weights = ZeroWeights(TrainingCount).DetachFromDisposeScope();
        _offsets = initialTrainPredictions.detach().clone().DetachFromDisposeScope();
        _names.Add(SmootherSets.Training);
        _ranges[SmootherSets.Training] = (0, TrainingCount);
    }

    public int TrainingCount { get; }
    public int OutputCount { get; }
    public int StepCount { get; private set; }
    /// <summary>c, the loss scale.</summary>
    public double LossScale { get; }
    /// <summary>The kernel mode in use (always Trace for k = 1, where it equals Full).</summary>
    public KernelOutputMode Mode { get; }
    public ScalarType DType { get; }
    public Device Device { get; }
    public IReadOnlyList<string> TrackedSets => _names;
    /// <inheritdoc/>
    public bool IsExact => true;

    /// <summary>
    /// Tracks another input set (test inputs, a probe subset). Only before the first step: S_t(x) depends on
    /// the whole history, which the smoother does not keep.
    /// </summary>
    /// <param name="name">A new, non-empty name.</param>
    /// <param name="inputs">[N, ...] shaped like the training inputs.</param>
    /// <param name="initialPredictions">f_{θ_0}(inputs) [N, k].</param>
    public void Track(string name, Tensor inputs, Tensor initialPredictions)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (StepCount > 0)
            throw new InvalidOperationException($"Set '{name}' must be tracked before the first step (S_t depends on the whole run).");
        if (string.IsNullOrWhiteSpace(name) || _ranges.ContainsKey(name))
            throw new ArgumentException($"Tracked set name '{name}' is empty or already used.");
        if (initialPredictions.dim() != 2 || initialPredictions.shape[1] != OutputCount || initialPredictions.shape[0] != inputs.shape[0])
            throw new ArgumentException(
                $"Set '{name}': initial predictions must be [{inputs.shape[0]}, {OutputCount}]; got [{string.Join(", ", initialPredictions.shape)}].");
        if (!inputs.shape.Skip(1).SequenceEqual(_trainInputs.shape.Skip(1)))
            throw new ArgumentException(
                $"Set '{name}': inputs [{string.Join(", ", inputs.shape)}] do not match the training inputs [{string.Join(", ", _trainInputs.shape)}] beyond the first dimension.");

        int start = checked((int)_inputs.shape[0]);
        int count = checked((int)inputs.shape[0]);
        using (var x = inputs.detach().to(_trainInputs.dtype, _trainInputs.device))
        using (var zeros = ZeroWeights(count))
        using (var c0 = initialPredictions.detach().to(DType, Device))
        {
            Replace(ref _inputs, torch.cat([_inputs, x], 0));
            Replace(ref _weights, torch.cat([_weights, zeros], 0));
            Replace(ref _offsets, torch.cat([_offsets, c0], 0));
        }
        _names.Add(name);
        _ranges[name] = (start, count);
    }

    /// <summary>
    /// Propagates one SGD step t on batch B_t with learning rate γ_t to every tracked set.
    /// </summary>
    /// <param name="kernel">The tangent kernel engine at θ_{t-1} (call before the optimizer applies the step).</param>
    /// <param name="batchIndices">B_t: int64 indices into the training set, [b].</param>
    /// <param name="learningRate">γ_t, the rate of this step.</param>
    public void Step(ITangentKernelEngine kernel, Tensor batchIndices, double learningRate)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ValidateBatch(batchIndices);
        if (!double.IsFinite(learningRate)) throw new ArgumentException($"Learning rate must be finite; got {learningRate}.");

        using var scope = NewDisposeScope();
        var batch = batchIndices.to(ScalarType.Int64, Device);
        long b = batch.shape[0];
        int n = TrainingCount, k = OutputCount;
        long total = _inputs.shape[0];
        double scale = learningRate * LossScale / b;

        var batchInputs = _trainInputs.index_select(0, batch.to(_trainInputs.device));
        var block = kernel.Compute(_inputs, batchInputs, Mode);
        long[] expected = Mode == KernelOutputMode.Trace ? [total, b] : [total, b, k, k];
        if (!block.shape.SequenceEqual(expected))
            throw new InvalidOperationException(
                $"The kernel engine returned [{string.Join(", ", block.shape)}]; expected [{string.Join(", ", expected)}] " +
                $"for {Mode} mode with {total} tracked inputs, a batch of {b} and k = {k}.");
        var K = block.to(DType, Device);

        // Residual weights at the batch points, S_{t-1}(x_i) − E_i, all read before any set is updated.
        var residual = _weights.index_select(0, batch);
        var batchOffsets = _offsets.index_select(0, batch);          // [b, k]
        Tensor weightStep, offsetStep;
        if (Mode == KernelOutputMode.Trace)
        {
            // residual [b, n]: subtract the one-hot of each batch row's own label index.
            residual.scatter_add_(1, batch.unsqueeze(1), torch.full([b, 1], TorchScalars.MinusOne, dtype: DType, device: Device));
            weightStep = Gemm.MatMul(K, residual);                              // [N, n]
            offsetStep = Gemm.MatMul(K, batchOffsets);                          // [N, k]
        }
        else
        {
            // residual [b, k, nk]: row a of E_i has its 1 at column i·k + a.
            var columns = FlatOutputIndex.Of(batch, k, Device).unsqueeze(2);
            residual.scatter_add_(2, columns, torch.full([b, k, 1], TorchScalars.MinusOne, dtype: DType, device: Device));
            // Σ_i K(x, x_i) R_i as one product: [N·k, b·k] × [b·k, n·k].
            var K2 = K.permute(0, 2, 1, 3).reshape(total * k, b * k);
            weightStep = Gemm.MatMul(K2, residual.reshape(b * k, (long)n * k)).view(total, k, (long)n * k);
            offsetStep = Gemm.MatMul(K2, batchOffsets.reshape(b * k, 1)).view(total, k);
        }
        using var minusScale = (-scale).ToScalar();
        _weights.add_(weightStep, alpha: minusScale);
        _offsets.add_(offsetStep, alpha: minusScale);
        StepCount++;
    }

    public int TrackedCount(string set) => Range(set).Count;

    /// <summary>
    /// S_t on a tracked set (a copy): [N, n] holding s(x) in Trace mode (S(x) = s(x)ᵀ ⊗ I_k),
    /// [N, k, n·k] in Full mode.
    /// </summary>
    public Tensor Weights(string set)
    {
        var (start, count) = Range(set);
        return _weights.narrow(0, start, count).clone();
    }

    /// <summary>S_t as full k×nk matrices [N, k, n·k] in either mode (Trace expands s(x)ᵀ ⊗ I_k).</summary>
    public Tensor FullWeights(string set)
    {
        var (start, count) = Range(set);
        using var s = _weights.narrow(0, start, count);
        if (Mode == KernelOutputMode.Full) return s.clone();
        using var scope = NewDisposeScope();
        var eye = torch.eye(OutputCount, dtype: DType, device: Device);
        // [N, n, 1, 1] * [k, k] → [N, n, k, k] → S[x, a, i·k + b] = s(x)_i δ_ab.
        var expanded = s.unsqueeze(2).unsqueeze(3) * eye;
        return expanded.permute(0, 2, 1, 3).reshape(count, OutputCount, (long)TrainingCount * OutputCount).MoveToOuterDisposeScope();
    }

    /// <summary>c_t on a tracked set, [N, k] (a copy).</summary>
    public Tensor Offsets(string set)
    {
        var (start, count) = Range(set);
        return _offsets.narrow(0, start, count).clone();
    }

    /// <summary>The surrogate prediction f̂_t = S_t·vec(Y) + c_t on a tracked set, [N, k], for labels Y [n, k].</summary>
    public Tensor Predict(string set, Tensor labels)
    {
        var (start, count) = Range(set);
        if (!labels.shape.SequenceEqual(new long[] { TrainingCount, OutputCount }))
            throw new ArgumentException($"Labels must be [{TrainingCount}, {OutputCount}]; got [{string.Join(", ", labels.shape)}].");
        using var scope = NewDisposeScope();
        var y = labels.to(DType, Device);
        var s = _weights.narrow(0, start, count);
        var c = _offsets.narrow(0, start, count);
        var fit = Mode == KernelOutputMode.Trace
            ? Gemm.MatMul(s, y)
            : s.reshape((long)count * OutputCount, -1).mv(y.reshape(-1)).view(count, OutputCount);
        return fit.add(c, TorchScalars.One).MoveToOuterDisposeScope();
    }

    /// <summary>||S_t(x)||²_F per input of a tracked set, [N] (Trace mode: k·||s(x)||²).</summary>
    public Tensor SquaredNorms(string set)
    {
        var (start, count) = Range(set);
        using var s = _weights.narrow(0, start, count);
        using var flat = s.reshape(count, -1);
        using var sq = flat.pow(TorchScalars.Two);
        using var sum = sq.sum(1);
        if (Mode != KernelOutputMode.Trace) return sum.clone();
        using var outputs = ((double)OutputCount).ToScalar();
        return sum.mul(outputs);
    }

    /// <summary>||S_t(x)||_F per input of a tracked set, [N] (Trace mode: sqrt(k)·||s(x)||₂).</summary>
    public Tensor RowNorms(string set)
    {
        using var sq = SquaredNorms(set);
        return sq.sqrt();
    }

    /// <inheritdoc/>
    public Tensor SquaredNormSamples(string set)
    {
        using var sq = SquaredNorms(set);
        return sq.unsqueeze(0);
    }

    /// <summary>The fidelity gaps of docs/method.md §4 on a tracked set; the caller supplies f̃_t and f_{θ_t} there.</summary>
    public SmootherFidelity Fidelity(string set, Tensor labels, Tensor telescoped, Tensor network)
    {
        using var surrogate = Predict(set, labels);
        return SmootherFidelity.Compute(surrogate, telescoped, network);
    }

    /// <summary>
    /// Adds the recursion's state (S_t and c_t of every tracked set, and t) under <paramref name="prefix"/>.
    /// A smoother built with the same training inputs and tracked sets, given <see cref="LoadState"/>,
    /// continues bit for bit.
    /// </summary>
    public void SaveState(CheckpointState state, string prefix)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        state.Set(prefix + "step", StepCount);
        state.Set(prefix + "sets", string.Join('\n', _names));
        state.Set(prefix + "weights", _weights);
        state.Set(prefix + "offsets", _offsets);
    }

    /// <summary>Restores what <see cref="SaveState"/> stored (the same sets must be tracked already).</summary>
    /// <exception cref="CheckpointMismatchException">Other tracked sets, dtype or shapes.</exception>
    public void LoadState(CheckpointState state, string prefix)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        string sets = state.GetString(prefix + "sets");
        if (sets != string.Join('\n', _names))
            throw new CheckpointMismatchException($"The checkpoint's smoother tracked [{sets.Replace('\n', ',')}] but this one tracks [{string.Join(",", _names)}].");
        state.CopyTo(prefix + "weights", _weights);
        state.CopyTo(prefix + "offsets", _offsets);
        StepCount = state.GetInt(prefix + "step");
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _trainInputs.Dispose();
        _inputs.Dispose();
        _weights.Dispose();
        _offsets.Dispose();
    }

    private (int Start, int Count) Range(string set)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _ranges.TryGetValue(set, out var r)
            ? r
            : throw new KeyNotFoundException($"No tracked set '{set}'. Tracked: {string.Join(", ", _names)}.");
    }

    private Tensor ZeroWeights(int rows) => Mode == KernelOutputMode.Trace
        ? torch.zeros([rows, TrainingCount], dtype: DType, device: Device)
        : torch.zeros([rows, OutputCount, (long)TrainingCount * OutputCount], dtype: DType, device: Device);

    private void ValidateBatch(Tensor batch)
    {
        if (batch.dim() != 1 || batch.shape[0] == 0)
            throw new ArgumentException($"Batch indices must be a non-empty 1-D tensor; got [{string.Join(", ", batch.shape)}].");
        if (batch.dtype != ScalarType.Int64 && batch.dtype != ScalarType.Int32)
            throw new ArgumentException($"Batch indices must be integers (int64); got {batch.dtype}.");
        using var minT = batch.min();
        using var maxT = batch.max();
        long min = (long)minT.ToDouble(), max = (long)maxT.ToDouble();
        if (min < 0 || max >= TrainingCount)
            throw new ArgumentException($"Batch indices must lie in [0, {TrainingCount}); got {min}..{max}.");
    }

    private static void Replace(ref Tensor field, Tensor value)
    {
        field.Dispose();
        field = value.DetachFromDisposeScope();
    }
}
