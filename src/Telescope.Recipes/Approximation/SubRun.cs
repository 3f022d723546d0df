using System.Text.Json.Serialization;

namespace Telescope.Recipes.Approximation;

/// <summary>One optimizer at one learning rate and one seed, and what it measured (JSON-serializable: checkpoints and shards store it).</summary>
/// <param name="Seed">The repetition's seed: initialization and batch order (the data and probes come from 'seed').</param>
/// <param name="Seeded">Whether the run is one of several seed repetitions (its label then ends in <c>_seed=N</c>).</param>
internal sealed record SubRun(string Optimizer, double LearningRate, bool IsDefault, long Seed, bool Seeded)
{
    [JsonIgnore]
    public string Label => string.Create(CultureInfo.InvariantCulture, $"{Optimizer}_lr={LearningRate:G6}") + (Seeded ? $"_seed={Seed}" : "");
    public List<ApproximationPoint> Points { get; init; } = [];
    public TimeSpan WallTime { get; set; }
    /// <summary>The step at which the loss became non-finite, when divergence is recorded rather than fatal.</summary>
    public int? Diverged { get; set; }
    [JsonIgnore]
    public ApproximationPoint Final => Points[^1];
}
