namespace Telescope.Smoothing;

/// <summary>
/// p_train(t), p_test(t), … recorded during training (docs/method.md §5.1: track them and report them at the end).
/// Call <see cref="Record"/> whenever a smoother has advanced to a step worth logging.
/// </summary>
public sealed class EffectiveParameterHistory
{
    private readonly List<EffectiveParameterEstimate> _entries = [];

    /// <summary>Every estimate recorded, in order.</summary>
    public IReadOnlyList<EffectiveParameterEstimate> Entries => _entries;

    /// <summary>Records p(I) at the smoother's current step for each named set (all tracked sets if none given).</summary>
    public IReadOnlyList<EffectiveParameterEstimate> Record(ISmoother smoother, params string[] sets)
    {
        ArgumentNullException.ThrowIfNull(smoother);
        var names = sets.Length == 0 ? smoother.TrackedSets : sets;
        var recorded = names.Select(s => EffectiveParameters.Compute(smoother, s)).ToArray();
        _entries.AddRange(recorded);
        return recorded;
    }

    /// <summary>The recorded estimates of one set, in step order.</summary>
    public IReadOnlyList<EffectiveParameterEstimate> Series(string set) =>
        _entries.Where(e => e.Set == set).OrderBy(e => e.Step).ToArray();

    /// <summary>The last estimate recorded for a set, or null.</summary>
    public EffectiveParameterEstimate? Last(string set) => _entries.LastOrDefault(e => e.Set == set);
}
