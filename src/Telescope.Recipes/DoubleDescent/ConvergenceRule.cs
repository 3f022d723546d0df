namespace Telescope.Recipes.DoubleDescent;

/// <summary>Why a network stopped training.</summary>
public enum StopReason
{
    /// <summary>Its training MSE improved by at most the stated relative amount over the last window.</summary>
    Converged,
    /// <summary>Its training MSE fell to the floor (it fits its training targets; further steps only polish the fit).</summary>
    Interpolated,
    /// <summary>It reached the step cap while still improving: not converged, kept out of the verdicts.</summary>
    Capped,
    /// <summary>Convergence was switched off (<c>converge_window = 0</c>): a fixed number of steps.</summary>
    Fixed,
}

/// <summary>
/// "Trained to convergence" (docs/method.md §9, issue 13 item 3) as a deterministic rule on the training MSE measured at
/// logged steps. With B(t) the lowest training MSE at logged steps ≤ t (a best-so-far value, so one of Adam's
/// loss spikes neither stops nor prolongs training by itself), training stops at the first logged step t ≥ W
/// (W = <see cref="Window"/>) at which
/// <list type="bullet">
/// <item>B(t) ≤ <see cref="TrainMseFloor"/> (interpolated), or</item>
/// <item>B(t − W) − B(t) ≤ <see cref="RelativeImprovement"/> · B(t − W) (converged: at most that relative
/// improvement over the last W steps),</item>
/// </list>
/// and otherwise at <see cref="MaxSteps"/>, where the network is <see cref="StopReason.Capped"/> (unless the rule
/// holds there too). The decision is a pure function of the logged training MSEs, so a resumed run, which
/// restores the logged points, stops at exactly the same step. W must be a multiple of the logging interval so
/// that t − W is always a logged step.
/// </summary>
/// <example>
/// <code>
/// var rule = new ConvergenceRule(Window: 1000, RelativeImprovement: 0.01, TrainMseFloor: 1e-4, MaxSteps: 20000);
/// var history = new List&lt;(int Step, double TrainMse)&gt; { (0, 1.0) };
/// for (int t = 100; ; t += 100) { history.Add((t, Loss(t))); if (rule.Decide(history) is { } stop) break; }
/// </code>
/// </example>
/// <param name="Window">W in steps; 0 = no convergence test (train exactly <paramref name="MaxSteps"/> steps).</param>
/// <param name="RelativeImprovement">ρ: the least relative improvement of B over one window that keeps training going.</param>
/// <param name="TrainMseFloor">A best training MSE at or below this counts as converged (interpolation).</param>
/// <param name="MaxSteps">The step cap.</param>
public sealed record ConvergenceRule(int Window, double RelativeImprovement, double TrainMseFloor, int MaxSteps)
{
    /// <summary>Checks the rule's parameters against the logging interval.</summary>
    /// <exception cref="TelescopeException">The window is negative or not a multiple of <paramref name="logEvery"/>.</exception>
    public void Validate(int logEvery)
    {
        if (Window < 0 || (Window > 0 && Window % logEvery != 0))
            throw new TelescopeException($"converge_window = {Window} is not a multiple of log_every = {logEvery}.")
            { Hint = "The rule compares logged training MSEs W steps apart: use a multiple of log_every, or 0 for a fixed number of steps." };
        if (Window > MaxSteps)
            throw new TelescopeException($"converge_window = {Window} exceeds max_steps = {MaxSteps}.")
            { Hint = "Use a window shorter than the step cap." };
    }

    /// <summary>
    /// The decision after the last entry of <paramref name="history"/> (logged steps in increasing order, starting
    /// at step 0): a reason to stop, or null to go on.
    /// </summary>
    public StopReason? Decide(IReadOnlyList<(int Step, double TrainMse)> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (history.Count == 0) throw new ArgumentException("The history needs at least step 0.");
        int t = history[^1].Step;
        if (Window == 0) return t >= MaxSteps ? StopReason.Fixed : null;
        if (t >= Window)
        {
            double now = Best(history, t);
            if (now <= TrainMseFloor) return StopReason.Interpolated;
            double before = Best(history, t - Window);
            if (before - now <= RelativeImprovement * before) return StopReason.Converged;
        }
        return t >= MaxSteps ? StopReason.Capped : null;
    }

    /// <summary>One sentence stating the rule and its values, for reports.</summary>
    public string Describe() => Window == 0
        ? FormattableString.Invariant($"no convergence test (converge_window = 0): every network trains exactly {MaxSteps} steps")
        : FormattableString.Invariant($"each network trains until, at a logged step t ≥ W = {Window} (converge_window), its best training MSE so far B(t) is ≤ {TrainMseFloor:G3} (converge_train_mse: interpolated) or improved by at most {RelativeImprovement * 100:G3}% of B(t − W) over the last W steps (converge_rel_improvement), at most {MaxSteps} steps (max_steps); a network still improving at the cap is flagged 'capped' and kept out of the verdicts");

    /// <summary>B(step): the lowest training MSE at logged steps ≤ <paramref name="step"/> (non-finite values never count as best).</summary>
    private static double Best(IReadOnlyList<(int Step, double TrainMse)> history, int step) =>
        history.Where(h => h.Step <= step && !double.IsNaN(h.TrainMse)).Select(h => h.TrainMse).DefaultIfEmpty(double.PositiveInfinity).Min();
}
