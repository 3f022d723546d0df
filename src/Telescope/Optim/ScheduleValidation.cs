namespace Telescope.Optim;

/// <summary>Argument checks shared by the learning-rate schedules and optimizer options.</summary>
internal static class ScheduleValidation
{
    public static void RequireRate(double value, string what)
    {
        if (!double.IsFinite(value) || value < 0)
            throw new ArgumentOutOfRangeException(nameof(value), value,
                $"The {what} must be a finite number ≥ 0, got {value}.");
    }

    public static void RequireStep(int step)
    {
        if (step < 1)
            throw new ArgumentOutOfRangeException(nameof(step), step,
                $"Optimizer steps count from 1; asked for the learning rate at step {step}.");
    }
}
