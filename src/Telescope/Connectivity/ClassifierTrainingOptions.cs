using Telescope.Optim;

namespace Telescope.Connectivity;

/// <summary>
/// How an image classifier is trained for the linear-mode-connectivity protocol (Frankle et al. 2020's ResNet-20
/// recipe): cross-entropy, SGD with momentum and PyTorch-coupled weight decay, a learning rate with linear warm-up
/// and ×<see cref="DecayFactor"/> drops at fixed fractions of <see cref="Steps"/>.
/// </summary>
public sealed record ClassifierTrainingOptions
{
    /// <summary>T, the steps of a whole run (parent and children end here).</summary>
    public required int Steps { get; init; }
    public int BatchSize { get; init; } = 128;
    public double LearningRate { get; init; } = 0.1;
    public double Momentum { get; init; } = 0.9;
    public double WeightDecay { get; init; } = 1e-4;
    /// <summary>W: linear warm-up over the first W steps (1 = none).</summary>
    public int WarmupSteps { get; init; } = 1;
    /// <summary>Fractions of T after which the rate is multiplied by <see cref="DecayFactor"/> (0.5 and 0.75 by default).</summary>
    public IReadOnlyList<double> DecayFractions { get; init; } = [0.5, 0.75];
    public double DecayFactor { get; init; } = 0.1;

    /// <summary>The milestones ⌊f·T⌋ (distinct, ≥ 1) of the step schedule.</summary>
    public int[] Milestones() => DecayFractions.Select(f => (int)Math.Floor(f * Steps)).Where(m => m >= 1).Distinct().Order().ToArray();

    /// <summary>γ_t: warm-up, then step decay at <see cref="Milestones"/>.</summary>
    public ILearningRateSchedule Schedule() =>
        new LinearWarmupLearningRate(new StepDecayLearningRate(LearningRate, Milestones(), DecayFactor), WarmupSteps);

    /// <summary>Throws <see cref="TelescopeException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (Steps < 1) throw new TelescopeException($"Training needs at least 1 step, got {Steps}.");
        if (BatchSize < 1) throw new TelescopeException($"Batch size must be positive, got {BatchSize}.");
        if (WarmupSteps < 1 || WarmupSteps > Steps)
            throw new TelescopeException($"Warm-up steps ({WarmupSteps}) must lie in [1, {Steps}] (1 = no warm-up).");
        if (DecayFractions.Any(f => !(f > 0 && f < 1)))
            throw new TelescopeException($"Learning-rate decay fractions must lie in (0, 1), got [{string.Join(", ", DecayFractions)}].");
    }
}
