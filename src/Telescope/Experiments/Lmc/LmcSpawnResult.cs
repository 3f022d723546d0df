using Telescope.Connectivity;

namespace Telescope.Experiments.Lmc;

/// <summary>Everything measured for one (arm, spawn step t′).</summary>
internal sealed record LmcSpawnResult(
    string Arm,
    int SpawnStep,
    IReadOnlyList<InterpolationPoint> Path,
    ClassifierScore Child1OwnStatistics,
    ClassifierScore Child2OwnStatistics,
    IReadOnlyList<GroupGradientChange> GradientChange,
    SpawnLinearizationResult Linearization,
    double TrainSeconds,
    double MeasureSeconds)
{
    public double AccChild1 => Path[^1].Accuracy;
    public double AccChild2 => Path[0].Accuracy;
    public double AccMidpoint => Path.First(p => Math.Abs(p.Alpha - 0.5) < 1e-12).Accuracy;
    public double AccuracyDrop => ConnectivityMetrics.AccuracyDrop(Path);
    public double Barrier => ConnectivityMetrics.Barrier(Path);
    public double LossIncrease => ConnectivityMetrics.LossIncrease(Path);
    public double LossBarrier => ConnectivityMetrics.LossBarrier(Path);
    /// <summary>Mean over layer groups of the gradient change (a one-number summary for the findings).</summary>
    public double MeanGradientChange => GradientChange.Average(g => g.Value);
}

/// <summary>One logged point of a training curve: mean training loss over the steps since the last point.</summary>
internal sealed record CurvePoint(string Run, int Step, double TrainLoss, double LearningRate);

/// <summary>The outcome of one arm: its spawn results, training curves and timings.</summary>
internal sealed record LmcArmResult(string Arm, IReadOnlyList<LmcSpawnResult> Spawns, IReadOnlyList<CurvePoint> Curves,
    int TrainingSteps, double TrainingSeconds, double MeasureSeconds, double PretrainAccuracy);
