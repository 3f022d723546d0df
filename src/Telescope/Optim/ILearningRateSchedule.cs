namespace Telescope.Optim;

/// <summary>
/// The learning rate γ_t used at optimizer step t. Steps count from 1, so <c>At(1)</c> is the rate of the first
/// update. The schedules here equal PyTorch's <c>lr_scheduler</c> classes stepped once after every optimizer
/// step (their <c>last_epoch</c> is t − 1 when step t runs).
/// </summary>
public interface ILearningRateSchedule
{
    /// <summary>γ_t for step <paramref name="step"/> ≥ 1.</summary>
    double At(int step);
}
