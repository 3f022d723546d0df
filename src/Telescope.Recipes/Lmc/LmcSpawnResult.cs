using System.Text.Json.Serialization;
using Telescope.Connectivity;

namespace Telescope.Recipes.Lmc;

/// <summary>
/// Everything measured for one (arm, seed, spawn step t′) — one sub-run's result, JSON-serializable so checkpoints
/// and shard files carry it losslessly. <see cref="Curves"/> are the training-curve rows this sub-run owns, in the
/// order the live run writes them: the pretraining curve (first spawn step of a pretrained group), the parent's
/// segment since the previous spawn step, then both children.
/// </summary>
internal sealed record LmcSpawnResult(
    string Arm,
    long Seed,
    int SpawnStep,
    IReadOnlyList<InterpolationPoint> Path,
    ClassifierScore Child1OwnStatistics,
    ClassifierScore Child2OwnStatistics,
    IReadOnlyList<GroupGradientChange> GradientChange,
    SpawnLinearizationResult Linearization,
    IReadOnlyList<CurvePoint> Curves,
    int TrainingSteps,
    double PretrainAccuracy,
    double TrainSeconds,
    double MeasureSeconds)
{
    [JsonIgnore] public double AccChild1 => Path[^1].Accuracy;
    [JsonIgnore] public double AccChild2 => Path[0].Accuracy;
    [JsonIgnore] public double AccMidpoint => Path.First(p => Math.Abs(p.Alpha - 0.5) < 1e-12).Accuracy;
    [JsonIgnore] public double AccuracyDrop => ConnectivityMetrics.AccuracyDrop(Path);
    [JsonIgnore] public double Barrier => ConnectivityMetrics.Barrier(Path);
    [JsonIgnore] public double LossIncrease => ConnectivityMetrics.LossIncrease(Path);
    [JsonIgnore] public double LossBarrier => ConnectivityMetrics.LossBarrier(Path);
    /// <summary>Mean over layer groups of the gradient change (a one-number summary for the findings).</summary>
    [JsonIgnore] public double MeanGradientChange => GradientChange.Average(g => g.Value);
}

/// <summary>One logged point of a training curve: mean training loss over the steps since the last point.</summary>
internal sealed record CurvePoint(string Run, int Step, double TrainLoss, double LearningRate);

/// <summary>Facts of the whole run that the outputs need and shards record for the merge.</summary>
internal sealed record LmcFacts(string DataDescription);
