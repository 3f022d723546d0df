using System.Globalization;

namespace Telescope.Optim;

/// <summary>
/// Step decay: γ_t = γ_0 · factor^k, where k is the number of milestones m with m &lt; t, i.e. the rate drops
/// right after step m has been taken. Equals PyTorch's <c>MultiStepLR(milestones, gamma=factor)</c> stepped once
/// per optimizer step; <see cref="Periodic"/> gives <c>StepLR(step_size, gamma)</c>. This is the ResNet / linear
/// mode connectivity recipe's schedule (e.g. ×0.1 at fixed iteration counts).
/// </summary>
public sealed class StepDecayLearningRate : ILearningRateSchedule
{
    private readonly int[] _milestones;
    private readonly int _period;

    /// <param name="initialLearningRate">γ_0, the rate until the first milestone.</param>
    /// <param name="milestones">Step counts after which the rate is multiplied by <paramref name="factor"/>; positive, strictly increasing.</param>
    /// <param name="factor">Multiplier applied at each milestone (PyTorch's gamma), finite and ≥ 0.</param>
    public StepDecayLearningRate(double initialLearningRate, IEnumerable<int> milestones, double factor)
    {
        ScheduleValidation.RequireRate(initialLearningRate, "initial learning rate");
        ScheduleValidation.RequireRate(factor, "decay factor");
        _milestones = milestones.ToArray();
        for (int i = 0; i < _milestones.Length; i++)
        {
            if (_milestones[i] < 1 || (i > 0 && _milestones[i] <= _milestones[i - 1]))
                throw new ArgumentException(
                    $"Milestones must be positive step counts in strictly increasing order, got [{string.Join(", ", _milestones)}].",
                    nameof(milestones));
        }
        InitialLearningRate = initialLearningRate;
        Factor = factor;
    }

    private StepDecayLearningRate(double initialLearningRate, int period, double factor)
    {
        ScheduleValidation.RequireRate(initialLearningRate, "initial learning rate");
        ScheduleValidation.RequireRate(factor, "decay factor");
        if (period < 1) throw new ArgumentOutOfRangeException(nameof(period), period, $"The decay period must be at least 1 step, got {period}.");
        _milestones = [];
        _period = period;
        InitialLearningRate = initialLearningRate;
        Factor = factor;
    }

    /// <summary>γ_t = γ_0 · factor^⌊(t−1)/period⌋ (PyTorch's <c>StepLR(step_size=period, gamma=factor)</c>).</summary>
    public static StepDecayLearningRate Periodic(double initialLearningRate, int period, double factor) =>
        new(initialLearningRate, period, factor);

    public double InitialLearningRate { get; }
    public double Factor { get; }
    /// <summary>The explicit milestones (empty for a periodic schedule).</summary>
    public IReadOnlyList<int> Milestones => _milestones;
    /// <summary>The decay period of a periodic schedule; 0 when milestones are used.</summary>
    public int Period => _period;

    public double At(int step)
    {
        ScheduleValidation.RequireStep(step);
        int drops;
        if (_period > 0) drops = (step - 1) / _period;
        else
        {
            drops = 0;
            while (drops < _milestones.Length && _milestones[drops] < step) drops++;
        }
        return InitialLearningRate * Math.Pow(Factor, drops);
    }

    public override string ToString() => _period > 0
        ? string.Create(CultureInfo.InvariantCulture, $"step({InitialLearningRate}, ×{Factor} every {_period})")
        : string.Create(CultureInfo.InvariantCulture, $"step({InitialLearningRate}, ×{Factor} after [{string.Join(", ", _milestones)}])");
}
