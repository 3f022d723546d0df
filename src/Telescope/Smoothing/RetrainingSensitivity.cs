using System.Diagnostics;
using Telescope.Checkpointing;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Smoothing;

/// <summary>
/// The network's own label sensitivity by retraining (docs/method.md §5.2), for any model and any optimizer: next to the base
/// run (labels Y), members retrain from the same θ_0 with the same batches on Y ± σ·V_d (V_d Rademacher over all
/// n·k label entries, d = 1..D), and at every logged step
/// <code>  ŝ_d(x) = (f_{Y+σV_d}(x) − f_{Y−σV_d}(x)) / (2σ),   p_net(I) = n/(|I|·k) · mean_d Σ_{x∈I} ||ŝ_d(x)||²  </code>
/// with its standard error over d. Direction 0 is repeated at σ/4 (linearity check: p_0(σ)/p_0(σ/4) and whether
/// the two agree within the standard error), and the smallest-σ pair gives the chaos floor mean |Δf|.
/// <para>
/// Runs the members in lockstep in one process: <see cref="Step"/> after the caller's own step t,
/// <see cref="Record"/> at logged steps. Each member is an independent deterministic run whose predictions are its
/// only output, so the work splits two ways and gives the same estimates: by pair — an instance that runs only some
/// <see cref="SensitivityPair"/>s reports their <see cref="PairResponse"/>s (<see cref="Responses"/>), plain numbers
/// that <see cref="Aggregate"/> turns into p_net — or by member, keeping predictions (<see cref="RunMember"/>,
/// <see cref="Combine"/>).
/// </para>
/// </summary>
/// <example>
/// <code>
/// // using Telescope.Autodiff; using Telescope.Models; using Telescope.Optim; using Telescope.Smoothing; using TorchSharp; using static TorchSharp.torch;
/// using var gen = new Generator(0);
/// var x = torch.randn([16, 3], dtype: ScalarType.Float64, generator: gen);
/// var y = torch.randn([16, 1], dtype: ScalarType.Float64, generator: gen);
/// var tracked = new Dictionary&lt;string, Tensor> { ["train"] = x, ["test"] = torch.randn([4, 3], dtype: ScalarType.Float64, generator: gen) };
/// Mlp NewModel() => new(new MlpOptions { InputSize = 3, HiddenWidths = [16], OutputSize = 1, DType = ScalarType.Float64 }, seed: 0);   // θ_0, the same in every member
/// using var sensitivity = new RetrainingSensitivity(y, new RetrainingSensitivityOptions { Sigma = 0.1, DirectionCount = 2 },
///     labels => new SquaredLossRetrainingRun(NewModel(), m => ExactOptimizers.AdamW(new TrainableParameters(m), 1e-2),
///         x, labels, lossScale: 1, batch: null, tracked: tracked),   // batch: t => B_t for minibatches (the same in every member)
///     ["train", "test"]);
/// for (int t = 1; t &lt;= 30; t++) sensitivity.Step(t);   // beside the caller's own step t
/// var pTest = sensitivity.Record(30).Single(e => e.Set == "test");
/// Console.WriteLine($"p_net(test) = {pTest.Value:F2} ± {pTest.StandardError:F2}, linear in the labels: {pTest.IsLinear}");
/// </code>
/// </example>
public sealed class RetrainingSensitivity : ICheckpointable, IDisposable
{
    private readonly RetrainingSensitivityOptions _options;
    private readonly int _trainingCount;
    private readonly IReadOnlyList<string> _sets;
    private readonly IReadOnlyList<SensitivityPair> _pairs;
    private readonly List<(SensitivityMember Member, IRetrainingRun Run)> _runs = [];
    private readonly List<NetworkSensitivityEstimate> _estimates = [];
    private readonly Stopwatch _trainingClock = new();
    private readonly Stopwatch _predictClock = new();
    private int _step;
    private bool _disposed;

    /// <summary>Creates the perturbed members (and the base run when <paramref name="runBase"/>) from θ_0.</summary>
    /// <param name="labels">Y [n, k].</param>
    /// <param name="options">σ, D, seed, linearity check.</param>
    /// <param name="factory">Creates one deterministic run from θ_0 on the given labels.</param>
    /// <param name="sets">The tracked sets the runs can predict on.</param>
    /// <param name="runBase">Also run the unperturbed member (off when the caller's own run is the base: pass its predictions to <see cref="Record"/>).</param>
    /// <param name="pairs">Run only these pairs of <see cref="RetrainingSensitivityOptions.Pairs"/> (null = all): the share of a
    /// process when pairs run separately; such an instance reports <see cref="Responses"/>, not <see cref="Record"/>.</param>
    public RetrainingSensitivity(Tensor labels, RetrainingSensitivityOptions options, RetrainingRunFactory factory,
        IReadOnlyList<string> sets, bool runBase = false, IReadOnlyList<SensitivityPair>? pairs = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(sets);
        options.Validate();
        if (labels.dim() != 2 || labels.shape[0] < 1 || labels.shape[1] < 1)
            throw new ArgumentException($"Labels must be [n, k]; got [{string.Join(", ", labels.shape)}].");
        if (sets.Count == 0 || sets.Distinct().Count() != sets.Count) throw new ArgumentException("Name at least one tracked set, each once.");
        _options = options;
        _trainingCount = checked((int)labels.shape[0]);
        _sets = sets.ToArray();
        var all = options.Pairs();
        _pairs = pairs?.ToArray() ?? all;
        if (_pairs.Count == 0 || _pairs.Distinct().Count() != _pairs.Count || _pairs.Any(p => !all.Contains(p)))
            throw new ArgumentException($"Pairs [{string.Join(", ", _pairs.Select(p => p.Key))}] must be distinct pairs of these options: [{string.Join(", ", all.Select(p => p.Key))}].");
        Directions = RademacherDirections.Create(options.DirectionCount, _trainingCount, (int)labels.shape[1], options.Seed, labels.dtype, labels.device)
            .DetachFromDisposeScope();
        var members = (runBase ? new[] { SensitivityMember.Base } : []).Concat(_pairs.SelectMany(p => new[] { p.Plus, p.Minus }));
        try
        {
            foreach (var member in members)
            {
                using var perturbed = PerturbedLabels(labels, Directions, member);
                _runs.Add((member, factory(perturbed)));
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>V [D, n, k], the same as a Hutchinson smoother's with the same seed and D.</summary>
    public Tensor Directions { get; }

    /// <summary>The members run here, in order.</summary>
    public IReadOnlyList<SensitivityMember> Members => _runs.Select(r => r.Member).ToArray();

    /// <summary>The pairs run here, in order.</summary>
    public IReadOnlyList<SensitivityPair> Pairs => _pairs;

    /// <summary>Every estimate recorded so far (one per set and logged step).</summary>
    public IReadOnlyList<NetworkSensitivityEstimate> Estimates => _estimates;

    /// <summary>Wall time spent in the members' training steps.</summary>
    public TimeSpan TrainingTime => _trainingClock.Elapsed;

    /// <summary>Wall time spent evaluating the members at logged steps.</summary>
    public TimeSpan PredictionTime => _predictClock.Elapsed;

    /// <summary>Y + sign·σ·V_d for a member (Y for the base run).</summary>
    public static Tensor PerturbedLabels(Tensor labels, Tensor directions, SensitivityMember member)
    {
        ArgumentNullException.ThrowIfNull(member);
        member.Validate((int)directions.shape[0]);
        if (member.IsBase) return labels.detach().clone();
        using var v = directions[member.Direction];
        if (!v.shape.SequenceEqual(labels.shape))
            throw new ArgumentException($"Direction [{string.Join(", ", v.shape)}] does not match the labels [{string.Join(", ", labels.shape)}].");
        using var step = (member.Sign * member.Sigma).ToScalar();
        using var direction = v.to(labels.dtype, labels.device);
        return labels.detach().add(direction, alpha: step);
    }

    /// <summary>Takes step t in every member (call once per step, in order, after or before the caller's own step t).</summary>
    public void Step(int step)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (step != _step + 1) throw new InvalidOperationException($"Members are at step {_step}; the next step is {_step + 1}, not {step}.");
        _trainingClock.Start();
        try
        {
            foreach (var (_, run) in _runs) run.Step(step);
        }
        finally { _trainingClock.Stop(); }
        _step = step;
    }

    /// <summary>
    /// Evaluates every member on the tracked sets at the current step and records p_net for each set.
    /// </summary>
    /// <param name="step">The step the members are at (checked).</param>
    /// <param name="basePredictions">The caller's own (base) run on each set, for the curvature diagnostic; optional.</param>
    public IReadOnlyList<NetworkSensitivityEstimate> Record(int step, IReadOnlyDictionary<string, Tensor>? basePredictions = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (step != _step) throw new InvalidOperationException($"Members are at step {_step}; cannot record step {step}.");
        if (_pairs.Count != _options.Pairs().Count)
            throw new InvalidOperationException($"This instance runs only pairs [{string.Join(", ", _pairs.Select(p => p.Key))}]: report their Responses and Aggregate them with the other pairs'.");
        _predictClock.Start();
        try
        {
            var recorded = new List<NetworkSensitivityEstimate>();
            foreach (var set in _sets)
            {
                using var scope = NewDisposeScope();
                var predictions = new Dictionary<SensitivityMember, Tensor>();
                using (torch.no_grad())
                    foreach (var (member, run) in _runs) predictions[member] = run.Predict(set);
                if (basePredictions is not null && basePredictions.TryGetValue(set, out var f0) && !predictions.ContainsKey(SensitivityMember.Base))
                    predictions[SensitivityMember.Base] = f0;
                recorded.Add(Estimate(set, step, predictions, _options, _trainingCount));
            }
            _estimates.AddRange(recorded);
            return recorded;
        }
        finally { _predictClock.Stop(); }
    }

    /// <summary>The responses of the pairs run here on every tracked set at the current step (set by set, pair by pair).</summary>
    /// <param name="step">The step the members are at (checked).</param>
    public IReadOnlyList<PairResponse> Responses(int step)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (step != _step) throw new InvalidOperationException($"Members are at step {_step}; cannot record step {step}.");
        _predictClock.Start();
        try
        {
            var responses = new List<PairResponse>();
            foreach (var set in _sets)
            {
                using var scope = NewDisposeScope();
                using var noGrad = torch.no_grad();
                var predictions = _runs.ToDictionary(r => r.Member, r => r.Run.Predict(set));
                responses.AddRange(_pairs.Select(p => PairResponse.Compute(set, step, p, predictions[p.Plus], predictions[p.Minus], _trainingCount)));
            }
            return responses;
        }
        finally { _predictClock.Stop(); }
    }

    /// <summary>
    /// p_net of one set at one step from the members' predictions [N, k] (the ±σ pairs of every direction, and the
    /// ±σ/4 pair of direction 0 with the linearity check; the base run is optional and gives the curvature).
    /// </summary>
    public static NetworkSensitivityEstimate Estimate(string set, int step, IReadOnlyDictionary<SensitivityMember, Tensor> predictions,
        RetrainingSensitivityOptions options, int trainingCount)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        using var scope = NewDisposeScope();
        Tensor Get(SensitivityMember m) => predictions.TryGetValue(m, out var f)
            ? f.detach().to_type(ScalarType.Float64)
            : throw new ArgumentException($"Set '{set}', step {step}: no predictions of member {m.Key}.");
        var pairs = options.Pairs();
        var shape = Get(pairs[0].Plus).shape;
        foreach (var member in options.PerturbedMembers())
            if (!Get(member).shape.SequenceEqual(shape))
                throw new ArgumentException($"Set '{set}', step {step}: members' predictions differ in shape.");
        var responses = pairs.Select(p => PairResponse.Compute(set, step, p, Get(p.Plus), Get(p.Minus), trainingCount)).ToList();

        double? curvature = null;
        if (predictions.TryGetValue(SensitivityMember.Base, out var baseRun))
        {
            var f0 = baseRun.detach().to_type(ScalarType.Float64);
            var atSigma = pairs.Take(options.DirectionCount).ToArray();
            double meanDifference = responses.Take(options.DirectionCount).Average(r => r.MeanDifference);
            var twiceBase = f0.mul(TorchScalars.Two);
            double second = atSigma.Average(p => (Get(p.Plus).add(Get(p.Minus), TorchScalars.One) - twiceBase).abs().mean().item<double>());
            curvature = meanDifference > 0 ? second / meanDifference : 0;
        }
        return Aggregate(set, step, responses, options, curvature);
    }

    /// <summary>
    /// p_net of one set at one step from pair responses, wherever they were computed: the mean of p_d over the D
    /// directions at σ with its standard error, the mean |Δf|, and with the linearity check p_0(σ/4) and the floor
    /// from the σ/4 pair. Responses of other sets or steps are ignored; a missing or repeated pair throws.
    /// </summary>
    /// <param name="set">The tracked set.</param>
    /// <param name="step">The logged step.</param>
    /// <param name="responses">Responses of (at least) every pair of <paramref name="options"/> at that set and step.</param>
    /// <param name="options">σ, D and the linearity check.</param>
    /// <param name="curvature">The second-order share, when the base run's predictions were at hand (<see cref="Estimate"/>).</param>
    public static NetworkSensitivityEstimate Aggregate(string set, int step, IEnumerable<PairResponse> responses,
        RetrainingSensitivityOptions options, double? curvature = null)
    {
        ArgumentNullException.ThrowIfNull(responses);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var here = responses.Where(r => r.Set == set && r.Step == step).ToList();
        PairResponse Find(SensitivityPair pair) => here.Count(r => r.Of(pair)) switch
        {
            1 => here.Single(r => r.Of(pair)),
            0 => throw new ArgumentException($"Set '{set}', step {step}: no response of pair {pair.Key}."),
            _ => throw new ArgumentException($"Set '{set}', step {step}: pair {pair.Key} responded twice."),
        };
        var pairs = Enumerable.Range(0, options.DirectionCount).Select(d => Find(new SensitivityPair(d, options.Sigma))).ToArray();
        var perDirection = pairs.Select(p => p.Value).ToArray();
        double mean = perDirection.Average();
        double se = Math.Sqrt(perDirection.Sum(p => (p - mean) * (p - mean)) / (perDirection.Length - 1) / perDirection.Length);
        double meanDifference = pairs.Average(p => p.MeanDifference);

        double? linearity = null;
        double floor = pairs[0].MeanDifference;
        if (options.LinearityCheck)
        {
            var small = Find(new SensitivityPair(0, options.LinearitySigma));
            linearity = small.Value;
            floor = small.MeanDifference;
        }
        return new NetworkSensitivityEstimate(set, step, options.Sigma, mean, se, perDirection, meanDifference, linearity, floor,
            options.LinearityStandardErrors, curvature);
    }

    /// <summary>
    /// Runs one member by itself from θ_0 for <paramref name="steps"/> steps, recording its predictions at
    /// <paramref name="logSteps"/> (step 0 = before training): the unit of work of a sharded estimate.
    /// </summary>
    public static MemberPredictions RunMember(SensitivityMember member, Tensor labels, RetrainingSensitivityOptions options,
        RetrainingRunFactory factory, IReadOnlyList<string> sets, int steps, IEnumerable<int> logSteps)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var logged = new HashSet<int>(logSteps);
        var result = new MemberPredictions(member);
        try
        {
            using var directions = RademacherDirections.Create(options.DirectionCount, (int)labels.shape[0], (int)labels.shape[1], options.Seed, labels.dtype, labels.device);
            using var perturbed = PerturbedLabels(labels, directions, member);
            using var run = factory(perturbed);
            for (int t = 0; t <= steps; t++)
            {
                if (t > 0) run.Step(t);
                if (!logged.Contains(t)) continue;
                using (torch.no_grad())
                    foreach (var set in sets)
                    {
                        using var f = run.Predict(set);
                        result.Add(t, set, f);
                    }
            }
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The estimates from members computed separately (<see cref="RunMember"/>): for every step logged by all of them
    /// and every set, exactly what the lockstep <see cref="Record"/> gives. Members missing for the options throw.
    /// </summary>
    public static IReadOnlyList<NetworkSensitivityEstimate> Combine(IReadOnlyList<MemberPredictions> members,
        RetrainingSensitivityOptions options, int trainingCount, IReadOnlyList<string> sets)
    {
        ArgumentNullException.ThrowIfNull(members);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sets);
        options.Validate();
        if (members.Select(m => m.Member).Distinct().Count() != members.Count) throw new ArgumentException("A member appears twice.");
        foreach (var needed in options.PerturbedMembers())
            if (!members.Any(m => m.Member == needed)) throw new ArgumentException($"Member {needed.Key} is missing; run it with RetrainingSensitivity.RunMember.");
        var steps = members.Select(m => m.Steps.ToHashSet()).Aggregate((a, b) => { a.IntersectWith(b); return a; }).Order().ToList();
        var result = new List<NetworkSensitivityEstimate>();
        foreach (int step in steps)
            foreach (var set in sets)
                result.Add(Estimate(set, step, members.ToDictionary(m => m.Member, m => m.At(step, set)), options, trainingCount));
        return result;
    }

    /// <summary>
    /// Adds the members' step and every member's state under <paramref name="prefix"/> (call between steps; the
    /// recorded estimates are the caller's to keep). Every member must be an <see cref="ICheckpointableRetrainingRun"/>.
    /// </summary>
    /// <exception cref="NotSupportedException">A member cannot be checkpointed.</exception>
    public void SaveState(CheckpointState state, string prefix)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(state);
        state.Set(prefix + "step", _step);
        state.Set(prefix + "members", string.Join(",", _runs.Select(r => r.Member.Key)));
        foreach (var (member, run) in _runs) Checkpointable(run).SaveState(state, $"{prefix}{member.Key}/");
    }

    /// <summary>Restores what <see cref="SaveState"/> stored into an estimate built with the same options and factory.</summary>
    /// <exception cref="CheckpointMismatchException">The checkpoint holds other members.</exception>
    public void LoadState(CheckpointState state, string prefix)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(state);
        string members = state.GetString(prefix + "members"), expected = string.Join(",", _runs.Select(r => r.Member.Key));
        if (members != expected)
            throw new CheckpointMismatchException($"The checkpoint's retraining members are [{members}], but these settings give [{expected}].");
        foreach (var (member, run) in _runs) Checkpointable(run).LoadState(state, $"{prefix}{member.Key}/");
        _step = state.GetInt(prefix + "step");
    }

    private static ICheckpointableRetrainingRun Checkpointable(IRetrainingRun run) => run as ICheckpointableRetrainingRun
        ?? throw new NotSupportedException($"The retraining member {run.GetType().Name} cannot be checkpointed: implement ICheckpointableRetrainingRun.");

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var (_, run) in _runs) run.Dispose();
        Directions?.Dispose();
    }
}
