namespace Telescope.Connectivity;

/// <summary>
/// docs/method.md §7's instability measures along a linear path (α = 1 is child 1, α = 0 child 2): the accuracy drop at
/// α = ½ and the barrier, and the same two for the test loss (where higher is worse, so the signs flip).
/// </summary>
public static class ConnectivityMetrics
{
    /// <summary>½(acc(1) + acc(0)) − acc(½). Needs α = ½ on the grid.</summary>
    public static double AccuracyDrop(IReadOnlyList<InterpolationPoint> path) =>
        (End(path, 1).Accuracy + End(path, 0).Accuracy) / 2 - At(path, 0.5).Accuracy;

    /// <summary>max_α [(1−α) acc(0) + α acc(1) − acc(α)] over the grid (≥ 0 because the end points give 0).</summary>
    public static double Barrier(IReadOnlyList<InterpolationPoint> path)
    {
        var (a0, a1) = (End(path, 0).Accuracy, End(path, 1).Accuracy);
        return path.Max(p => (1 - p.Alpha) * a0 + p.Alpha * a1 - p.Accuracy);
    }

    /// <summary>loss(½) − ½(loss(1) + loss(0)).</summary>
    public static double LossIncrease(IReadOnlyList<InterpolationPoint> path) =>
        At(path, 0.5).Loss - (End(path, 1).Loss + End(path, 0).Loss) / 2;

    /// <summary>max_α [loss(α) − ((1−α) loss(0) + α loss(1))].</summary>
    public static double LossBarrier(IReadOnlyList<InterpolationPoint> path)
    {
        var (l0, l1) = (End(path, 0).Loss, End(path, 1).Loss);
        return path.Max(p => p.Loss - ((1 - p.Alpha) * l0 + p.Alpha * l1));
    }

    private static InterpolationPoint End(IReadOnlyList<InterpolationPoint> path, double alpha) => At(path, alpha);

    private static InterpolationPoint At(IReadOnlyList<InterpolationPoint> path, double alpha) =>
        path.FirstOrDefault(p => Math.Abs(p.Alpha - alpha) < 1e-12)
        ?? throw new ArgumentException($"The path has no point at α = {alpha}; the grid must contain 0, 0.5 and 1 for this measure.");
}
