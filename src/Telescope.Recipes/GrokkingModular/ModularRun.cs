using System.Globalization;
using System.Text.Json.Serialization;
using Telescope.Recipes.Sensitivity;

namespace Telescope.Recipes.GrokkingModular;

/// <summary>
/// One sub-run of the sweep — a training fraction, a weight decay and a seed — and what it measured
/// (JSON-serializable: checkpoints and shard files store it).
/// </summary>
/// <param name="Fraction">Training fraction of the p² table.</param>
/// <param name="WeightDecay">AdamW's λ.</param>
/// <param name="Seed">The repetition's seed: initialization and label directions (the split comes from 'seed').</param>
/// <param name="Seeded">Whether the run is one of several seed repetitions (its label then ends in <c>_seed=N</c>).</param>
internal sealed record ModularRun(double Fraction, double WeightDecay, long Seed, bool Seeded)
{
    [JsonIgnore]
    public string Label => string.Create(CultureInfo.InvariantCulture, $"frac={Fraction:G4}_wd={WeightDecay:G4}") + (Seeded ? $"_seed={Seed}" : "");
    /// <summary>The (fraction, weight decay) grid point the run belongs to.</summary>
    [JsonIgnore]
    public (double Fraction, double WeightDecay) GridPoint => (Fraction, WeightDecay);
    public List<ModularPoint> Points { get; init; } = [];
    /// <summary>Training pairs (n) and test pairs.</summary>
    public int TrainCount { get; set; }
    public int TestCount { get; set; }
    /// <summary>Wall time of the whole sub-run, and of its parts (summed over steps; a resumed run adds its earlier time).</summary>
    public double WallSeconds { get; set; }
    public double TrainSeconds { get; set; }
    public double TelescopingSeconds { get; set; }
    public double RetrainingSeconds { get; set; }
    public double SpectrumSeconds { get; set; }
    /// <summary>Retraining members that ran next to the network (2D, + 2 with the linearity check).</summary>
    public int Members { get; set; }
}

/// <summary>What one logged step measured. Null parts were not measured (off, or step 0 for the rotation).</summary>
internal sealed record ModularPoint(int Step, double TrainLoss, double TrainAccuracy, double TestLoss, double TestAccuracy)
{
    public TelescopingPoint? TelescopingTrain { get; init; }
    public TelescopingPoint? TelescopingTest { get; init; }
    public SensitivityPoint? Sensitivity { get; init; }
    public SpectrumPoint? Spectrum { get; init; }
}

/// <summary>The telescoping model f̃ (and f_lin) against the network on one tracked set (docs/method.md §2.3).</summary>
internal sealed record TelescopingPoint(double ErrAbs, double ErrRel, double? ErrAbsLinear, double MeanFunctionChange,
    double? AccuracyTelescoping, double? AccuracyLinear);

/// <summary>The tangent kernel's spectrum on the probes (docs/method.md §11).</summary>
/// <param name="Eigenvalues">λ_1 ≥ … ≥ λ_k of the train-probe kernel.</param>
/// <param name="TrainAlignment">yᵀKy / (‖K‖_F‖y‖²) of the one-hot train-probe targets.</param>
/// <param name="TestAlignment">The same for the test probes with their own kernel.</param>
/// <param name="EnergyShare">‖U_kᵀy‖²/‖y‖² on the train probes.</param>
/// <param name="Rotation">1 − overlap of the top-k eigenspace with the previous log's.</param>
internal sealed record SpectrumPoint(double[] Eigenvalues, double TrainAlignment, double? TestAlignment, double EnergyShare, double? Rotation,
    double? TrainAlignmentCentered = null, double? TestAlignmentCentered = null);
