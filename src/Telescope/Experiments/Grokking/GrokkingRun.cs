using System.Text.Json.Serialization;
using Telescope.Experiments.Sensitivity;
using Telescope.Smoothing;

namespace Telescope.Experiments.Grokking;

/// <summary>
/// One sub-run of a grokking sweep (one configuration — an ε, or an α and activation — at one seed) and what it
/// measured. JSON-serializable (<see cref="SubRunResults"/>): checkpoints and shard files store it whole.
/// </summary>
internal class GrokkingRun
{
    /// <summary>The <c>run</c> column of metrics.csv: the configuration's label, with <c>_seed=S</c> when the sweep repeats seeds.</summary>
    public string Label { get; init; } = "";
    /// <summary>The configuration's label without the seed (the grid point the seeds of a sweep share).</summary>
    public string Configuration { get; init; } = "";
    /// <summary>The repetition's seed (initialization, data order, label directions).</summary>
    public long Seed { get; init; }
    public List<GrokkingPoint> Points { get; init; } = [];
    /// <summary>p_net, its paired comparison with p and λ_t at every logged step (aligned with <see cref="Points"/>).</summary>
    public List<SensitivityPoint> Sensitivity { get; init; } = [];
    public TimeSpan WallTime { get; set; }
    /// <summary>Number of retraining members run next to this sub-run.</summary>
    public int Members { get; set; }
    /// <summary>Fidelity of the smoother's surrogate f̂_T against f̃_T and f_θT on the training inputs.</summary>
    public SmootherFidelity? TrainFidelity { get; set; }
    /// <summary>The same on the tracked test inputs.</summary>
    public SmootherFidelity? TestFidelity { get; set; }
    [JsonIgnore]
    public GrokkingPoint Final => Points[^1];

    /// <summary>First logged step at which the train metric is within 10% of its initial-to-final drop of its final value.</summary>
    [JsonIgnore]
    public int TrainPlateau => Plateau.FirstStepNearFinal(Points.Select(p => ((double)p.Step, p.Train)).ToList());
    /// <summary>The same for the test metric.</summary>
    [JsonIgnore]
    public int TestPlateau => Plateau.FirstStepNearFinal(Points.Select(p => ((double)p.Step, p.Test)).ToList());

    /// <summary>The metrics.csv run name of a configuration at a seed: the label alone when the sweep has one seed.</summary>
    public static string RunName(string configuration, long seed, int seedCount) =>
        seedCount > 1 ? FormattableString.Invariant($"{configuration}_seed={seed}") : configuration;
}
