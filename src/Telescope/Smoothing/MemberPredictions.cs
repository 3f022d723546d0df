using static TorchSharp.torch;

namespace Telescope.Smoothing;

/// <summary>
/// Everything one retraining member produces (docs/method.md §5.2): its predictions [N, k] on each tracked set at each logged
/// step, as float64 on the CPU. Members computed separately (other processes, other machines) are combined with
/// <see cref="RetrainingSensitivity.Combine"/>.
/// </summary>
public sealed class MemberPredictions : IDisposable
{
    private readonly SortedDictionary<int, Dictionary<string, Tensor>> _steps = [];

    /// <param name="member">Which run these predictions come from.</param>
    public MemberPredictions(SensitivityMember member) => Member = member ?? throw new ArgumentNullException(nameof(member));

    /// <summary>The run's labels, as Y + sign·σ·V_d.</summary>
    public SensitivityMember Member { get; }

    /// <summary>The logged steps, in order.</summary>
    public IEnumerable<int> Steps => _steps.Keys;

    /// <summary>Stores a copy of f on <paramref name="set"/> at <paramref name="step"/>.</summary>
    public void Add(int step, string set, Tensor predictions)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        if (!_steps.TryGetValue(step, out var sets)) _steps[step] = sets = [];
        if (sets.ContainsKey(set)) throw new ArgumentException($"Member {Member.Key} already has predictions for set '{set}' at step {step}.");
        sets[set] = predictions.detach().to(ScalarType.Float64, CPU).clone().DetachFromDisposeScope();
    }

    /// <summary>The predictions on a set at a step.</summary>
    public Tensor At(int step, string set) =>
        _steps.TryGetValue(step, out var sets) && sets.TryGetValue(set, out var f)
            ? f
            : throw new KeyNotFoundException($"Member {Member.Key} has no predictions for set '{set}' at step {step}.");

    public void Dispose()
    {
        foreach (var sets in _steps.Values) foreach (var t in sets.Values) t.Dispose();
        _steps.Clear();
    }
}
