using Telescope.Smoothing;
using static TorchSharp.torch;

namespace Telescope.Recipes.DoubleDescent;

/// <summary>Everything that is the same for every network of the sweep (the seed is each sub-run's own).</summary>
internal sealed record DoubleDescentConfig(
    string Optimizer, double LearningRate, ConvergenceRule Convergence, int LogEvery, string Smoother, int Directions,
    double LossScale, ScalarType DType, string Device, int TrainCount, int BatchSize,
    TangentPreconditioner Preconditioner = TangentPreconditioner.Frozen)
{
    /// <summary>The retraining estimate p_net (docs/method.md §5.2), or null; its seed is replaced by each sub-run's.</summary>
    public RetrainingSensitivityOptions? Sensitivity { get; init; }
    /// <summary>Power iterations for λ_t at logged steps (docs/method.md §5.3); 0 = off.</summary>
    public int StabilityIterations { get; init; }
    /// <summary>p_net's pairs are sub-runs of their own (<see cref="DoubleDescentTrainer.RunPair"/>), not members next to the network.</summary>
    public bool SeparatePairs { get; init; }
    public bool HasSmoother => Smoother != SmootherChoice.None;
    public bool FullBatch => BatchSize == TrainCount;
    /// <summary>The step cap (every network's longest possible run).</summary>
    public int MaxSteps => Convergence.MaxSteps;
}
