using System.Globalization;

namespace Telescope.Optim;

/// <summary>γ_t = γ for every step.</summary>
public sealed class ConstantLearningRate : ILearningRateSchedule
{
    public ConstantLearningRate(double learningRate)
    {
        ScheduleValidation.RequireRate(learningRate, "learning rate");
        LearningRate = learningRate;
    }

    public double LearningRate { get; }

    public double At(int step)
    {
        ScheduleValidation.RequireStep(step);
        return LearningRate;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"constant({LearningRate})");
}
