using System.Globalization;
using System.Text.Json.Serialization;

namespace Telescope.Experiments.Approximation;

/// <summary>One optimizer at one learning rate, and what it measured (JSON-serializable: checkpoints and shards store it).</summary>
internal sealed record SubRun(string Optimizer, double LearningRate, bool IsDefault)
{
    [JsonIgnore]
    public string Label => string.Create(CultureInfo.InvariantCulture, $"{Optimizer}_lr={LearningRate:G6}");
    public List<ApproximationPoint> Points { get; init; } = [];
    public TimeSpan WallTime { get; set; }
    /// <summary>The step at which the loss became non-finite, when divergence is recorded rather than fatal.</summary>
    public int? Diverged { get; set; }
    [JsonIgnore]
    public ApproximationPoint Final => Points[^1];
}
