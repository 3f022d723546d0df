using System.Text.Json.Serialization;

namespace Telescope.Recipes.Grokking;

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
    /// <summary>The tangent kernel's spectrum at every logged step (empty when <c>spectrum_probes</c> = 0; docs/method.md §11).</summary>
    public List<GrokkingSpectrumPoint> Spectrum { get; init; } = [];
    /// <summary>Wall time of the spectrum logs (kernel, eigh, alignments), part of <see cref="WallTime"/>.</summary>
    public TimeSpan SpectrumTime { get; set; }
    /// <summary>Number of retraining members behind this sub-run's p_net (run next to it, or as separate pair sub-runs).</summary>
    public int Members { get; set; }
    /// <summary>
    /// With <c>sensitivity_members=separate</c>: the ±σ pair this sub-run trains instead of the network (null for the
    /// configuration's own sub-run), and what the pair measured at every logged step.
    /// </summary>
    public SensitivityPair? Pair { get; set; }
    /// <summary>The pair's responses (empty unless <see cref="Pair"/> is set).</summary>
    public List<PairResponse> PairResponses { get; init; } = [];
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

    /// <summary>Wall time of the retraining members' steps (docs/method.md §5.2).</summary>
    public TimeSpan RetrainingTime { get; set; }
    /// <summary>Wall time of evaluating the retraining members at logged steps.</summary>
    public TimeSpan RetrainingMeasureTime { get; set; }

    /// <summary>Adds what a separate pair sub-run of this configuration cost to this sub-run's times.</summary>
    public virtual void AddPairCost(GrokkingRun pair)
    {
        WallTime += pair.WallTime;
        RetrainingTime += pair.RetrainingTime;
        RetrainingMeasureTime += pair.RetrainingMeasureTime;
    }

    /// <summary>Records a logged step: the spectrum there (when <paramref name="spectrum"/> runs; its own clock times it), the point and p_net.</summary>
    public void Log(GrokkingPoint point, SensitivityPoint net, Telescope.Spectrum.KernelSpectrumTracker? spectrum)
    {
        if (spectrum is not null)
        {
            var clock = Stopwatch.StartNew();
            var log = spectrum.Log(point.Step);
            Spectrum.Add(new(point.Step, log.Eigenvalues, log.TrainAlignment, log.TestAlignment ?? double.NaN, log.TopKEnergyShare, log.Rotation));
            SpectrumTime += clock.Elapsed;
        }
        Points.Add(point);
        Sensitivity.Add(net);
    }

    /// <summary>The metrics.csv run name of a configuration at a seed: the label alone when the sweep has one seed.</summary>
    public static string RunName(string configuration, long seed, int seedCount) =>
        seedCount > 1 ? FormattableString.Invariant($"{configuration}_seed={seed}") : configuration;
}
