using System.Text.Json.Serialization;

namespace Telescope.Recipes.TabularGbt;

/// <summary>
/// What one data set at one seed (one sub-run of the sweep) measured — JSON-serializable, so that checkpoints and
/// shards store it and the outputs can be written from it alone.
/// </summary>
/// <param name="Seed">The repetition's seed: the network's initialization and batch order, and LightGBM's tuning split and seed
/// (the train/pool split and the T_π draws come from 'seed' and are shared by the seeds).</param>
/// <param name="Seeded">Whether the run is one of several seed repetitions (its metrics run names then end in <c>_seed=N</c>).</param>
internal sealed record DatasetOutcome(
    string Name,
    long Seed,
    bool Seeded,
    DatasetFacts Data,
    NeuralResult Nn,
    GbtResult Gbt,
    IReadOnlyList<PiRepetition> Repetitions,
    IReadOnlyList<PiPoint> Points,
    bool DeltaZeroIsTiny)
{
    /// <summary>The metrics.csv run name: the data set, with the seed when there are several.</summary>
    [JsonIgnore]
    public string Label => Seeded ? $"{Name}_seed={Seed}" : Name;
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
