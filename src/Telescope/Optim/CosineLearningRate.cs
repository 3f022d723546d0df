using System.Globalization;

namespace Telescope.Optim;

/// <summary>
/// Cosine annealing: γ_t = γ_min + (γ_0 − γ_min)·(1 + cos(π·min(t−1, T)/T))/2, falling from γ_0 at step 1 to
/// γ_min after T steps and staying there. Equals PyTorch's <c>CosineAnnealingLR(T_max=T, eta_min=γ_min)</c>
/// stepped once per optimizer step, for t ≤ T + 1 (PyTorch's curve rises again afterwards; this one holds).
/// </summary>
public sealed class CosineLearningRate : ILearningRateSchedule
{
    /// <param name="initialLearningRate">γ_0.</param>
    /// <param name="decaySteps">T ≥ 1, the number of steps over which the rate decays.</param>
    /// <param name="minimumLearningRate">γ_min, reached at step T + 1.</param>
    public CosineLearningRate(double initialLearningRate, int decaySteps, double minimumLearningRate = 0.0)
    {
        ScheduleValidation.RequireRate(initialLearningRate, "initial learning rate");
        ScheduleValidation.RequireRate(minimumLearningRate, "minimum learning rate");
        if (decaySteps < 1)
            throw new ArgumentOutOfRangeException(nameof(decaySteps), decaySteps, $"The cosine schedule needs at least 1 decay step, got {decaySteps}.");
        InitialLearningRate = initialLearningRate;
        DecaySteps = decaySteps;
        MinimumLearningRate = minimumLearningRate;
    }

    public double InitialLearningRate { get; }
    public int DecaySteps { get; }
    public double MinimumLearningRate { get; }

    public double At(int step)
    {
        ScheduleValidation.RequireStep(step);
        double progress = Math.Min(step - 1, DecaySteps) / (double)DecaySteps;
        return MinimumLearningRate + (InitialLearningRate - MinimumLearningRate) * (1 + Math.Cos(Math.PI * progress)) / 2;
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"cosine({InitialLearningRate} → {MinimumLearningRate} over {DecaySteps})");
}
