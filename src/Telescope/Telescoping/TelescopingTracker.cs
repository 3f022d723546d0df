using Telescope.Autodiff;
using Telescope.Checkpointing;
using Telescope.Optim;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Telescoping;

/// <summary>
/// Keeps the telescoping model of a network while it trains (docs/method.md §2):
/// f̃_0 = f_θ0, f̃_t = f̃_{t-1} + J_{t-1}(x)·Δθ_t, with Δθ_t the exact update the optimizer applied, and,
/// optionally, the model linearized at initialization f_lin,t = f_θ0 + J_0(x)·(θ_t − θ_0).
/// </summary>
/// <example>
/// <code>
/// // using Telescope.Autodiff; using Telescope.Models; using Telescope.Optim; using Telescope.Telescoping; using TorchSharp; using static TorchSharp.torch;
/// using var gen = new Generator(0);
/// var x = torch.randn([32, 4], dtype: ScalarType.Float64, generator: gen);
/// var y = torch.randn([32, 2], dtype: ScalarType.Float64, generator: gen);
/// var model = new Mlp(new MlpOptions { InputSize = 4, HiddenWidths = [16], OutputSize = 2, DType = ScalarType.Float64 }, seed: 0);
/// var engine = new ForwardModeJvp(model);
/// using var optimizer = ExactOptimizers.Sgd(engine.Parameters, learningRate: 0.1, momentum: 0.9);
/// using var tracker = new TelescopingTracker(engine, [new TrackedSet("train", x)]);
/// for (int t = 0; t &lt; 20; t++)
/// {
///     optimizer.ZeroGrad();
///     nn.functional.mse_loss(model.forward(x), y).backward();
///     tracker.Step(optimizer).Dispose();   // records Δθ_t at θ_{t-1}, then applies it
/// }
/// var m = tracker.Measure()[0];
/// Console.WriteLine($"mean |f − f̃| = {m.ErrAbsTelescoping:G3}, mean |f − f_lin| = {m.ErrAbsLinear:G3}, f moved {m.MeanFunctionChange:G3}");
/// </code>
/// </example>
/// <remarks>
/// Use it inside any training loop: after <c>loss.backward()</c>, get the update with
/// <see cref="IExactOptimizer.ComputeUpdate"/>, hand it to <see cref="Record"/> while the parameters are still
/// θ_{t-1}, then apply it (or call <see cref="Step"/>, which does all three).
/// All tracked sets are concatenated once, so a step costs one JVP pass over every tracked input.
/// With any other optimizer (torch.optim, schedulers), see <see cref="BlackBoxStepping"/>.
/// </remarks>
public sealed class TelescopingTracker : ICheckpointable, IDisposable
{
    private readonly IJvpEngine _engine;
    private readonly TrackedSet[] _sets;
    private readonly long[] _offsets;
    private readonly Tensor _inputs;           // all tracked inputs, concatenated
    private readonly Tensor _initial;          // f_θ0 on every tracked input, accumulator dtype
    private readonly Tensor _telescoped;       // f̃_t, accumulator dtype
    private readonly Tensor[]? _theta0;        // θ_0, for f_lin
    private readonly Tensor[]? _displacement;  // Σ_t Δθ_t (accumulator dtype), for f_lin
    private readonly Tensor[]? _windowStart;   // θ at the start of the open stride window (stride > 1)
    private readonly Tensor[]? _windowSum;     // Σ Δθ over the open window (stride > 1)
    private readonly Dictionary<string, Tensor> _componentFunction = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor[]> _componentWindow = new(StringComparer.Ordinal);
    private int _windowSteps;

    public TelescopingTracker(IJvpEngine engine, IEnumerable<TrackedSet> sets, TelescopingOptions? options = null)
    {
        _ = TorchRuntime.Convolutions;   // a user's own CNN gets the correct convolution backend without Configure (docs/numerics.md §1)
        _engine = engine;
        Options = options ?? new TelescopingOptions();
        if (Options.Stride < 1) throw new ArgumentException($"Stride must be at least 1, got {Options.Stride}.");
        if (Options.ChunkSize < 1) throw new ArgumentException($"ChunkSize must be at least 1, got {Options.ChunkSize}.");
        _sets = sets.ToArray();
        if (_sets.Length == 0) throw new ArgumentException("Track at least one input set.");
        var duplicate = _sets.GroupBy(s => s.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"Tracked set name '{duplicate.Key}' is used twice.");

        _offsets = new long[_sets.Length + 1];
        for (int i = 0; i < _sets.Length; i++)
        {
            if (_sets[i].Labels is Tensor labels && labels.shape[0] != _sets[i].Count)
                throw new ArgumentException($"Tracked set '{_sets[i].Name}' has {_sets[i].Count} inputs but {labels.shape[0]} labels.");
            _offsets[i + 1] = _offsets[i] + _sets[i].Count;
        }
        _inputs = _sets.Length == 1 ? _sets[0].Inputs.alias() : torch.cat(_sets.Select(s => s.Inputs).ToArray(), 0);

        using (var f0 = Forward())
        {
            _initial = f0.to_type(Options.AccumulatorType, copy: true);
            _telescoped = _initial.clone();
        }

        var parameters = engine.Parameters;
        if (Options.TrackLinearized)
        {
            _theta0 = parameters.CloneValues();
            _displacement = parameters.Zeros(Options.AccumulatorType);
        }
        if (Options.Stride > 1)
        {
            _windowStart = parameters.CloneValues();
            _windowSum = parameters.Zeros(Options.AccumulatorType);
        }
    }

    public TelescopingOptions Options { get; }
    public IReadOnlyList<TrackedSet> Sets => _sets;
    internal TrainableParameters Parameters => _engine.Parameters;
    /// <summary>Steps recorded so far (t).</summary>
    public int StepCount { get; private set; }
    /// <summary>Names of the update components tracked so far (empty unless TrackComponents).</summary>
    public IReadOnlyCollection<string> Components => _componentFunction.Keys;

    /// <summary>Computes the optimizer's update, records it at θ_{t-1}, applies it, and returns it.</summary>
    public ParameterUpdate Step(IExactOptimizer optimizer)
    {
        var update = optimizer.ComputeUpdate();
        Record(update);
        optimizer.Apply(update);
        return update;
    }

    /// <summary>
    /// Records the update Δθ_t. Must be called while the model's parameters are still θ_{t-1}
    /// (before the optimizer applies the update).
    /// </summary>
    public void Record(ParameterUpdate update)
    {
        var parameters = _engine.Parameters;
        if (update.Total.Count != parameters.Tensors.Count)
            throw new ArgumentException($"The update has {update.Total.Count} tensors but the model has {parameters.Tensors.Count} trainable parameters.");
        StepCount++;
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();

        if (_displacement is not null)
            for (int i = 0; i < _displacement.Length; i++) _displacement[i].add_(update.Total[i], TorchScalars.One);

        var componentNames = Options.TrackComponents ? update.Components.Keys.ToArray() : [];
        if (Options.Stride == 1)
        {
            // The parameters are θ_{t-1} right now: J_{t-1}·Δθ_t needs no parameter swap.
            var tangents = new List<IReadOnlyList<Tensor>> { update.Total };
            tangents.AddRange(componentNames.Select(c => update.Components[c]));
            AccumulateJvps(tangents, componentNames);
            return;
        }

        if (_windowSteps == 0)
            for (int i = 0; i < _windowStart!.Length; i++) _windowStart[i].copy_(parameters.Tensors[i]);
        for (int i = 0; i < _windowSum!.Length; i++) _windowSum[i].add_(update.Total[i], TorchScalars.One);
        foreach (var c in componentNames)
        {
            if (!_componentWindow.TryGetValue(c, out var sum))
            {
                sum = parameters.Zeros(Options.AccumulatorType);
                foreach (var t in sum) t.DetachFromDisposeScope();   // lives as long as the tracker
                _componentWindow[c] = sum;
            }
            for (int i = 0; i < sum.Length; i++) sum[i].add_(update.Components[c][i], TorchScalars.One);
        }
        _windowSteps++;
        if (_windowSteps == Options.Stride) CloseWindow();
    }

    /// <summary>
    /// Linearizes the open stride window now (J at the window's start, Δθ = its summed update). Measuring
    /// closes the window, so a measurement never sees a stale f̃; with stride 1 there is never an open window.
    /// </summary>
    private void CloseWindow()
    {
        if (_windowSteps == 0) return;
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var parameters = _engine.Parameters;
        var dtypes = parameters.Tensors.Select(p => p.dtype).ToArray();
        IReadOnlyList<Tensor> Cast(Tensor[] sums) => sums.Select((s, i) => s.to_type(dtypes[i])).ToArray();

        var names = _componentWindow.Keys.ToArray();
        var tangents = new List<IReadOnlyList<Tensor>> { Cast(_windowSum!) };
        tangents.AddRange(names.Select(c => Cast(_componentWindow[c])));
        using (parameters.Load(_windowStart!))
            AccumulateJvps(tangents, names);

        foreach (var s in _windowSum!) s.zero_();
        foreach (var sums in _componentWindow.Values) foreach (var s in sums) s.zero_();
        _windowSteps = 0;
    }

    /// <summary>Adds J·tangent[0] to f̃ and J·tangent[1+j] to component j's contribution, chunk by chunk.</summary>
    private void AccumulateJvps(IReadOnlyList<IReadOnlyList<Tensor>> tangents, IReadOnlyList<string> componentNames)
    {
        foreach (var c in componentNames)
            if (!_componentFunction.ContainsKey(c))
                _componentFunction[c] = torch.zeros_like(_telescoped).DetachFromDisposeScope();

        long n = _inputs.shape[0];
        for (long start = 0; start < n; start += Options.ChunkSize)
        {
            long length = Math.Min(Options.ChunkSize, n - start);
            using var chunk = _inputs.narrow(0, start, length);
            using var result = _engine.Compute(chunk, tangents);
            var jvps = result.Jvps.to_type(Options.AccumulatorType);
            if (!jvps.isfinite().all().item<bool>())
                throw new TelescopeException(
                    $"The telescoping update at step {StepCount} is not finite: training has diverged. Lower the learning rate.");
            _telescoped.narrow(0, start, length).add_(jvps[0], TorchScalars.One);
            for (int j = 0; j < componentNames.Count; j++)
                _componentFunction[componentNames[j]].narrow(0, start, length).add_(jvps[j + 1], TorchScalars.One);
        }
    }

    /// <summary>f_θ on every tracked input, at the current parameters (chunked, no graph).</summary>
    private Tensor Forward()
    {
        using var noGrad = torch.no_grad();
        var module = (nn.Module<Tensor, Tensor>)_engine.Parameters.Module;
        long n = _inputs.shape[0];
        if (n <= Options.ChunkSize) return module.forward(_inputs).detach();
        var parts = new List<Tensor>();
        for (long start = 0; start < n; start += Options.ChunkSize)
        {
            using var chunk = _inputs.narrow(0, start, Math.Min(Options.ChunkSize, n - start));
            parts.Add(module.forward(chunk).detach());
        }
        var all = torch.cat(parts.ToArray(), 0);
        foreach (var p in parts) p.Dispose();
        return all;
    }

    /// <summary>f_lin at the current step on every tracked input: f_θ0 + J_0·Σ Δθ (one JVP at θ_0).</summary>
    private Tensor Linearized()
    {
        var parameters = _engine.Parameters;
        var displacement = _displacement!.Select((d, i) => d.to_type(parameters.Tensors[i].dtype)).ToArray();
        var result = _initial.clone();
        using (parameters.Load(_theta0!))
        {
            long n = _inputs.shape[0];
            for (long start = 0; start < n; start += Options.ChunkSize)
            {
                long length = Math.Min(Options.ChunkSize, n - start);
                using var chunk = _inputs.narrow(0, start, length);
                using var jvp = _engine.Compute(chunk, [displacement]);
                using var accumulated = jvp.Jvps[0].to_type(Options.AccumulatorType);
                result.narrow(0, start, length).add_(accumulated, TorchScalars.One);
            }
        }
        foreach (var d in displacement) d.Dispose();
        return result;
    }

    /// <summary>Measures f, f̃ and f_lin on every tracked set at the current parameters (docs/method.md §2 metrics).</summary>
    public IReadOnlyList<ApproximationMetrics> Measure()
    {
        CloseWindow();
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var network = Forward().to_type(Options.AccumulatorType);
        var linear = Options.TrackLinearized ? Linearized() : null;
        var results = new List<ApproximationMetrics>(_sets.Length);
        for (int s = 0; s < _sets.Length; s++)
        {
            var set = _sets[s];
            long start = _offsets[s], length = set.Count;
            var f = network.narrow(0, start, length);
            var ft = _telescoped.narrow(0, start, length);
            var f0 = _initial.narrow(0, start, length);
            var fl = linear?.narrow(0, start, length);

            double change = (f - f0).abs().mean().item<double>();
            double errT = (f - ft).abs().mean().item<double>();
            double? errL = fl is null ? null : (f - fl).abs().mean().item<double>();

            double? accN = null, accT = null, accL = null, agree = null;
            if (set.Labels is Tensor labels)
            {
                accN = Accuracy(f, labels);
                accT = Accuracy(ft, labels);
                accL = fl is null ? null : Accuracy(fl, labels);
                agree = Predictions(ft).eq(Predictions(f)).to_type(ScalarType.Float64).mean().item<double>();
            }
            results.Add(new ApproximationMetrics(set.Name, StepCount, errT, Relative(errT, change),
                errL, errL is double e ? Relative(e, change) : null, change, accN, accT, accL, agree));
        }
        return results;
    }

    /// <summary>
    /// err / mean|f_θt − f_θ0|; at step 0 (no change yet) the relative error is defined as 0 when the
    /// absolute error is 0, and NaN otherwise — never a silent division by zero.
    /// </summary>
    private static double Relative(double error, double change) =>
        change > 0 ? error / change : (error == 0 ? 0.0 : double.NaN);

    /// <summary>Class predictions: argmax for k &gt; 1 outputs, the sign for a scalar output (labels ±1).</summary>
    private static Tensor Predictions(Tensor outputs)
    {
        if (outputs.shape[1] != 1) return outputs.argmax(1);
        using var column = outputs[.., 0];
        return SignLabels(column);
    }

    private static double Accuracy(Tensor outputs, Tensor labels)
    {
        using var scope = torch.NewDisposeScope();
        var target = outputs.shape[1] == 1 ? SignLabels(labels.to_type(ScalarType.Float64)) : labels.to_type(ScalarType.Int64);
        return Predictions(outputs).eq(target).to_type(ScalarType.Float64).mean().item<double>();
    }

    /// <summary>Int64 +1 where x ≥ 0, −1 elsewhere.</summary>
    private static Tensor SignLabels(Tensor x)
    {
        using var nonNegative = x.ge(TorchScalars.Zero);
        using var plus = torch.tensor(1L);
        using var minus = torch.tensor(-1L);
        return torch.where(nonNegative, plus, minus);
    }

    /// <summary>f̃_t on the named set [N, k] (a copy, accumulator dtype).</summary>
    public Tensor Telescoped(string set) => Slice(_telescoped, set).clone();

    /// <summary>f_θ0 on the named set [N, k] (a copy, accumulator dtype).</summary>
    public Tensor Initial(string set) => Slice(_initial, set).clone();

    /// <summary>Σ_t J_{t-1}(x)·Δθ_t^(c) on the named set for update component <paramref name="component"/>.</summary>
    public Tensor ComponentContribution(string set, string component)
    {
        CloseWindow();
        if (!_componentFunction.TryGetValue(component, out var contribution))
            throw new ArgumentException($"Component '{component}' was not tracked. Tracked: {string.Join(", ", _componentFunction.Keys)}; set TrackComponents = true.");
        return Slice(contribution, set).clone();
    }

    private Tensor Slice(Tensor all, string set)
    {
        int s = Array.FindIndex(_sets, x => x.Name == set);
        if (s < 0) throw new ArgumentException($"No tracked set named '{set}'. Tracked: {string.Join(", ", _sets.Select(x => x.Name))}.");
        return all.narrow(0, _offsets[s], _sets[s].Count);
    }

    /// <summary>
    /// Adds the tracker's state under <paramref name="prefix"/>: f_θ0, f̃_t, θ_0 and Σ Δθ (for f_lin), the open
    /// stride window and the per-component contributions, bit for bit. A tracker built on the same sets in a new
    /// process and given <see cref="LoadState"/> continues exactly as this one would.
    /// </summary>
    public void SaveState(CheckpointState state, string prefix)
    {
        state.Set(prefix + "step", StepCount);
        state.Set(prefix + "window_steps", _windowSteps);
        state.Set(prefix + "initial", _initial);
        state.Set(prefix + "telescoped", _telescoped);
        state.SetGroup(prefix + "theta0", _theta0);
        state.SetGroup(prefix + "displacement", _displacement);
        state.SetGroup(prefix + "window_start", _windowStart);
        state.SetGroup(prefix + "window_sum", _windowSum);
        // Component order is observable (Components enumerates it), so it is stored with the tensors.
        state.Set(prefix + "components", string.Join('\n', _componentFunction.Keys));
        foreach (var (name, t) in _componentFunction) state.Set($"{prefix}component/{name}", t);
        state.Set(prefix + "window_components", string.Join('\n', _componentWindow.Keys));
        foreach (var (name, g) in _componentWindow) state.SetGroup($"{prefix}component_window/{name}", g);
    }

    /// <summary>Restores what <see cref="SaveState"/> stored into a tracker built with the same sets and options.</summary>
    /// <exception cref="CheckpointMismatchException">The checkpoint was written by a tracker of other shapes or options.</exception>
    public void LoadState(CheckpointState state, string prefix)
    {
        StepCount = state.GetInt(prefix + "step");
        _windowSteps = state.GetInt(prefix + "window_steps");
        state.CopyTo(prefix + "initial", _initial);
        state.CopyTo(prefix + "telescoped", _telescoped);
        state.CopyGroupTo(prefix + "theta0", _theta0);
        state.CopyGroupTo(prefix + "displacement", _displacement);
        state.CopyGroupTo(prefix + "window_start", _windowStart);
        state.CopyGroupTo(prefix + "window_sum", _windowSum);
        foreach (var t in _componentFunction.Values) t.Dispose();
        _componentFunction.Clear();
        foreach (string name in Names(state.GetString(prefix + "components")))
        {
            var t = torch.zeros_like(_telescoped).DetachFromDisposeScope();
            state.CopyTo($"{prefix}component/{name}", t);
            _componentFunction[name] = t;
        }
        foreach (var g in _componentWindow.Values) foreach (var t in g) t.Dispose();
        _componentWindow.Clear();
        foreach (string name in Names(state.GetString(prefix + "window_components")))
        {
            var sum = _engine.Parameters.Zeros(Options.AccumulatorType);
            foreach (var t in sum) t.DetachFromDisposeScope();
            state.CopyGroupTo($"{prefix}component_window/{name}", sum);
            _componentWindow[name] = sum;
        }

        static string[] Names(string joined) => joined.Length == 0 ? [] : joined.Split('\n');
    }

    public void Dispose()
    {
        _inputs.Dispose();
        _initial.Dispose();
        _telescoped.Dispose();
        foreach (var group in new[] { _theta0, _displacement, _windowStart, _windowSum })
            if (group is not null) foreach (var t in group) t.Dispose();
        foreach (var t in _componentFunction.Values) t.Dispose();
        foreach (var g in _componentWindow.Values) foreach (var t in g) t.Dispose();
    }
}
