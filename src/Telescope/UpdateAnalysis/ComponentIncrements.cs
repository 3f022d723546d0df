using Telescope.Telescoping;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.UpdateAnalysis;

/// <summary>
/// The per-step functional increments J_{t−1}(x)·Δθ_t^(c) of every tracked update component on one tracked set,
/// read from a <see cref="TelescopingTracker"/> (with <see cref="TelescopingOptions.TrackComponents"/>, stride 1)
/// as differences of its float64 cumulative contributions, so they cost no extra JVP. Call <see cref="Advance"/>
/// once after every recorded step. It starts from the tracker's current state, so a reader created after the
/// tracker was restored from a checkpoint (<see cref="TelescopingTracker.LoadState"/>) continues exactly as the
/// reader of the uninterrupted run would: its only state between steps is the tracker's cumulative sums.
/// </summary>
/// <example>
/// <code>
/// using var increments = new ComponentIncrements(tracker, "test");
/// tracker.Step(optimizer).Dispose();
/// increments.Advance();
/// Tensor decay = increments.Step("weight_decay");   // J_{t−1}(x)·Δθ_t^wd on the test set [N, k]
/// </code>
/// </example>
public sealed class ComponentIncrements : IDisposable
{
    private readonly TelescopingTracker _tracker;
    private readonly Dictionary<string, Tensor> _previous = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor> _step = new(StringComparer.Ordinal);
    private Tensor _previousTotal;
    private Tensor? _stepTotal;

    public ComponentIncrements(TelescopingTracker tracker, string set)
    {
        _tracker = tracker ?? throw new ArgumentNullException(nameof(tracker));
        if (!tracker.Options.TrackComponents)
            throw new ArgumentException("The tracker does not track components; set TelescopingOptions.TrackComponents = true.", nameof(tracker));
        if (tracker.Options.Stride != 1)
            throw new ArgumentException($"Per-step increments need stride 1; the tracker has stride {tracker.Options.Stride}.", nameof(tracker));
        Set = set;
        _previousTotal = Keep(tracker.Telescoped(set));
        // Empty before the first step; after a restored tracker, the sums the next increment is taken against.
        foreach (var c in tracker.Components) _previous[c] = Keep(tracker.ComponentContribution(set, c));
    }

    // Held across steps: detached from whatever dispose scope the training loop has open.
    private static Tensor Keep(Tensor t) => t.DetachFromDisposeScope();

    /// <summary>The tracked set the increments are read on.</summary>
    public string Set { get; }

    /// <summary>Component names seen at the last <see cref="Advance"/>.</summary>
    public IReadOnlyCollection<string> Components => _step.Keys;

    /// <summary>Reads the increments of the step just recorded.</summary>
    public void Advance()
    {
        var total = Keep(_tracker.Telescoped(Set));
        _stepTotal?.Dispose();
        _stepTotal = Keep(total - _previousTotal);
        _previousTotal.Dispose();
        _previousTotal = total;
        foreach (var c in _tracker.Components)
        {
            var cumulative = Keep(_tracker.ComponentContribution(Set, c));
            if (_step.Remove(c, out var old)) old.Dispose();
            _step[c] = Keep(_previous.Remove(c, out var before) ? Subtract(cumulative, before) : cumulative.clone());
            _previous[c] = cumulative;
        }
    }

    private static Tensor Subtract(Tensor now, Tensor before)
    {
        var d = now - before;
        before.Dispose();
        return d;
    }

    /// <summary>
    /// J_{t−1}(x)·Δθ_t^(c) of the last step for component <paramref name="component"/> (a new tensor the caller
    /// disposes); zeros when the component was not active.
    /// </summary>
    public Tensor Step(string component) =>
        _step.TryGetValue(component, out var t) ? t.clone() : torch.zeros_like(StepTotal);

    /// <summary>f̃_t − f̃_{t−1} of the last step (all components together); owned by this object, do not dispose.</summary>
    public Tensor StepTotal => _stepTotal ?? throw new InvalidOperationException("Call Advance after a step first.");

    public void Dispose()
    {
        _previousTotal.Dispose();
        _stepTotal?.Dispose();
        foreach (var t in _previous.Values) t.Dispose();
        foreach (var t in _step.Values) t.Dispose();
    }
}
