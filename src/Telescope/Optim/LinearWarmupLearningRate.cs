using System.Globalization;

namespace Telescope.Optim;

/// <summary>
/// Linear warm-up in front of another schedule: γ_t = (t/W)·inner(t) for t ≤ W, then inner(t). The first step
/// already moves (at inner/W) and step W runs at the full rate. With a constant inner schedule this equals
/// PyTorch's <c>LinearLR(start_factor=1/W, end_factor=1, total_iters=W−1)</c> stepped once per optimizer step.
/// </summary>
public sealed class LinearWarmupLearningRate : ILearningRateSchedule
{
    /// <param name="inner">The schedule the warm-up scales (e.g. constant or cosine).</param>
    /// <param name="warmupSteps">W ≥ 1 (W = 1 means no warm-up).</param>
    public LinearWarmupLearningRate(ILearningRateSchedule inner, int warmupSteps)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (warmupSteps < 1)
            throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, $"Warm-up needs at least 1 step, got {warmupSteps}.");
        Inner = inner;
        WarmupSteps = warmupSteps;
    }

    public ILearningRateSchedule Inner { get; }
    public int WarmupSteps { get; }

    public double At(int step)
    {
        ScheduleValidation.RequireStep(step);
        double rate = Inner.At(step);
        return step < WarmupSteps ? rate * step / WarmupSteps : rate;
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"warmup({WarmupSteps}) then {Inner}");
}
