namespace Telescope.Optim;

/// <summary>Range checks for optimizer options, with messages that name the option.</summary>
internal static class OptionValidation
{
    public static void RequireUnitInterval(double value, string name)
    {
        if (!(value >= 0 && value < 1))
            throw new ArgumentException($"{name} must lie in [0, 1), got {value}.");
    }

    public static void RequireNonNegative(double value, string name)
    {
        if (!double.IsFinite(value) || value < 0)
            throw new ArgumentException($"{name} must be a finite number ≥ 0, got {value}.");
    }

    public static void RequireMaxGradNorm(double? value, string name)
    {
        if (value is double v && (!double.IsFinite(v) || v <= 0))
            throw new ArgumentException($"{name} must be a finite number > 0 (or null for no clipping), got {v}.");
    }

    /// <summary>The schedule's rate at step t, checked: a schedule can be user code.</summary>
    public static double CheckedRate(ILearningRateSchedule schedule, int step)
    {
        double rate = schedule.At(step);
        if (!double.IsFinite(rate) || rate < 0)
            throw new InvalidOperationException(
                $"The learning-rate schedule {schedule} returned {rate} at step {step}; learning rates must be finite and ≥ 0.");
        return rate;
    }
}
