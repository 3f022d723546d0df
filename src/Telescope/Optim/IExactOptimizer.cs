using Telescope.Autodiff;

namespace Telescope.Optim;

/// <summary>
/// An optimizer that reports the exact update it applies. Reading gradients from the parameters' .grad,
/// <see cref="ComputeUpdate"/> advances the optimizer state and returns Δθ_t without touching θ, so a tracker
/// can evaluate J_{t-1}(x)·Δθ_t at the pre-step parameters; <see cref="Apply"/> then adds it.
/// </summary>
public interface IExactOptimizer : IDisposable
{
    TrainableParameters Parameters { get; }
    /// <summary>Steps taken so far.</summary>
    int StepCount { get; }
    ParameterUpdate ComputeUpdate();
    void Apply(ParameterUpdate update);
    void ZeroGrad();

    /// <summary><see cref="ComputeUpdate"/> then <see cref="Apply"/>; returns the applied update (the caller disposes it).</summary>
    ParameterUpdate Step()
    {
        var update = ComputeUpdate();
        Apply(update);
        return update;
    }
}
