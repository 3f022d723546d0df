using System.Text.Json.Serialization;

namespace Telescope.Experiments.TabularGbt;

/// <summary>
/// What one data set (one sub-run of the sweep) measured — JSON-serializable, so that checkpoints and shards
/// store it and the outputs can be written from it alone.
/// </summary>
internal sealed record DatasetOutcome(
    string Name,
    DatasetFacts Data,
    NeuralResult Nn,
    GbtResult Gbt,
    IReadOnlyList<PiRepetition> Repetitions,
    IReadOnlyList<PiPoint> Points,
    bool DeltaZeroIsTiny)
{
    [JsonIgnore]
    public PiPoint First => Points[0];
    [JsonIgnore]
    public PiPoint Last => Points[^1];
}

/// <summary>The sizes of a prepared data set that the outputs report, and the tracked rows' targets.</summary>
internal sealed record DatasetFacts(int SourceRows, int Features, int TrainRows, int PoolRows, int IrregularPoolRows,
    int TrackedRows, double[] TrackedTarget)
{
    public static DatasetFacts Of(TabularGbtData data) => new(data.SourceRows, data.Train.Columns, data.Train.Rows,
        data.PoolRows, data.IrregularPoolRows, data.Tracked.Rows, data.Tracked.Target.ToArray());
}
