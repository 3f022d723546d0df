using System.Diagnostics;
using Telescope.Checkpointing;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Smoothing;

/// <summary>
/// The network's own label sensitivity by retraining (SPEC §3b), for any model and any optimizer: next to the base
/// run (labels Y), members retrain from the same θ_0 with the same batches on Y ± σ·V_d (V_d Rademacher over all
/// n·k label entries, d = 1..D), and at every logged step
/// <code>  ŝ_d(x) = (f_{Y+σV_d}(x) − f_{Y−σV_d}(x)) / (2σ),   p_net(I) = n/(|I|·k) · mean_d Σ_{x∈I} ||ŝ_d(x)||²  </code>
/// with its standard error over d. Direction 0 is repeated at σ/4 (linearity check: p_0(σ)/p_0(σ/4) and whether
/// the two agree within the standard error), and the smallest-σ pair gives the chaos floor mean |Δf|.
/// <para>
/// Runs the members in lockstep in one process: <see cref="Step"/> after the caller's own step t,
/// <see cref="Record"/> at logged steps. Each member is an independent deterministic run whose predictions are its
/// only output, so <see cref="RunMember"/> can compute members separately (as separate processes) and
/// <see cref="Combine"/> gives the same estimates from them.
/// </para>
/// <example><code>
/// using var sensitivity = new RetrainingSensitivity(y, new RetrainingSensitivityOptions { Sigma = 0.1, DirectionCount = 2 },
///     labels => new SquaredLossRetrainingRun(NewModel(), m => ExactOptimizers.AdamW(new TrainableParameters(m), 1e-3),
///         x, labels, lossScale: 1, batch: t => batches[t], tracked: new() { ["train"] = x, ["test"] = xTest }),
///     ["train", "test"]);
/// for (int t = 1; t &lt;= steps; t++) { /* the caller's own step */ sensitivity.Step(t); if (logged(t)) sensitivity.Record(t); }
/// var final = sensitivity.Estimates.Last(e => e.Set == "test");
/// </code></example>
/// </summary>
public sealed class RetrainingSensitivity : IDisposable
{
    private readonly RetrainingSensitivityOptions _options;
    private readonly int _trainingCount;
    private readonly IReadOnlyList<string> _sets;
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
    public RetrainingSensitivity(Tensor labels, RetrainingSensitivityOptions options, RetrainingRunFactory factory,
        IReadOnlyList<string> sets, bool runBase = false)
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
        Directions = RademacherDirections.Create(options.DirectionCount, _trainingCount, (int)labels.shape[1], options.Seed, labels.dtype, labels.device)
            .DetachFromDisposeScope();
        var members = (runBase ? new[] { SensitivityMember.Base } : []).Concat(options.PerturbedMembers());
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
        return labels.detach().add(v.to(labels.dtype, labels.device), alpha: member.Sign * member.Sigma);
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

    /// <summary>
    /// p_net of one set at one step from the members' predictions [N, k] (the ±σ pairs of every direction, and the
    /// ±σ/4 pair of direction 0 with the linearity check; the base run is optional).
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
        var reference = Get(new SensitivityMember(0, +1, options.Sigma));
        if (reference.dim() != 2 || reference.shape[0] == 0)
            throw new ArgumentException($"Set '{set}', step {step}: predictions must be [N, k] with N ≥ 1; got [{string.Join(", ", reference.shape)}].");
        long count = reference.shape[0], k = reference.shape[1];
        double factor = trainingCount / ((double)count * k);

        (double P, double MeanAbs, Tensor Plus, Tensor Minus) Pair(int d, double sigma)
        {
            var plus = Get(new SensitivityMember(d, +1, sigma));
            var minus = Get(new SensitivityMember(d, -1, sigma));
            if (!plus.shape.SequenceEqual(reference.shape) || !minus.shape.SequenceEqual(reference.shape))
                throw new ArgumentException($"Set '{set}', step {step}: members' predictions differ in shape.");
            var difference = plus - minus;
            double p = factor * difference.div(2 * sigma).square().sum().item<double>();
            return (p, difference.abs().mean().item<double>(), plus, minus);
        }

        var pairs = Enumerable.Range(0, options.DirectionCount).Select(d => Pair(d, options.Sigma)).ToArray();
        var perDirection = pairs.Select(p => p.P).ToArray();
        double mean = perDirection.Average();
        double se = Math.Sqrt(perDirection.Sum(p => (p - mean) * (p - mean)) / (perDirection.Length - 1) / perDirection.Length);
        double meanDifference = pairs.Average(p => p.MeanAbs);

        double? linearity = null;
        double floor = pairs[0].MeanAbs;
        if (options.LinearityCheck)
        {
            var small = Pair(0, options.LinearitySigma);
            linearity = small.P;
            floor = small.MeanAbs;
        }
        double? curvature = null;
        if (predictions.TryGetValue(SensitivityMember.Base, out var baseRun))
        {
            var f0 = baseRun.detach().to_type(ScalarType.Float64);
            double second = pairs.Average(p => (p.Plus + p.Minus - 2 * f0).abs().mean().item<double>());
            curvature = meanDifference > 0 ? second / meanDifference : 0;
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
