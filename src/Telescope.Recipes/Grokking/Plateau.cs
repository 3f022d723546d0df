namespace Telescope.Recipes.Grokking;

/// <summary>
/// When a curve has settled: the first logged step at which the value comes within a fraction (10% by
/// default) of its final value, measured relative to its initial-to-final change. This is how summary.json's
/// <c>step_train_plateau</c> and <c>step_test_plateau</c> are defined.
/// </summary>
public static class Plateau
{
    /// <summary>
    /// The first step s with |v(s) − v_final| ≤ 0.1·|v_0 − v_final|, where v_0 is the first
    /// and v_final the last value of <paramref name="series"/> (steps in increasing order). A flat curve
    /// settles at its first step. Non-finite values never count as settled.
    /// </summary>
    /// <exception cref="ArgumentException">The series is empty or its steps are not increasing.</exception>
    public static int FirstStepNearFinal(IReadOnlyList<(double Step, double Value)> series)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (series.Count == 0) throw new ArgumentException("The series is empty; log at least one step.", nameof(series));
        for (int i = 1; i < series.Count; i++)
            if (!(series[i].Step > series[i - 1].Step))
                throw new ArgumentException($"Steps must increase; step {series[i].Step} follows {series[i - 1].Step}.", nameof(series));
        double first = series[0].Value, last = series[^1].Value;
        double tolerance = 0.1 * Math.Abs(first - last);
        foreach (var (step, value) in series)
            if (double.IsFinite(value) && Math.Abs(value - last) <= tolerance) return (int)step;
        return (int)series[^1].Step;
    }
}
