using System.Text.Json.Serialization;

namespace Telescope.Recipes.DesignChoices;

/// <summary>The telescoping quantities of one tracked set at one logged step.</summary>
/// <param name="ErrAbsTelescoping">mean |f_θt − f̃_t|.</param>
/// <param name="MeanChange">mean |f_θt − f_θ0| (the network's own change).</param>
/// <param name="Accuracy">accuracy of the network's argmax on the set's labels.</param>
/// <param name="ContributionAbs">per component: mean |Σ_s J_{s−1}·Δθ_s^(c)|.</param>
/// <param name="Projection">per component: ⟨C_c, f̃_t − f_θ0⟩ / ‖f̃_t − f_θ0‖² (sums to 1 over components).</param>
/// <param name="SumGap">max |Σ_c C_c − (f̃_t − f_θ0)| (the decomposition's exactness).</param>
internal sealed record SetPoint(double ErrAbsTelescoping, double MeanChange, double? Accuracy,
    IReadOnlyDictionary<string, double> ContributionAbs, IReadOnlyDictionary<string, double> Projection, double SumGap);

/// <summary>One logged step of one sub-run. Window quantities summarize the steps since the previous log point.</summary>
/// <param name="DecayStepDeviationMax">Largest (and <paramref name="DecayStepDeviationMean"/>: mean) per-step relative deviation of the
/// weight-decay contribution from −s·L·f_{t−1} (test probes).</param>
/// <param name="DecayCumulativeDeviation">‖Σ_t Δf^wd_t − Σ_t (−s_t L f_{t−1})‖ / ‖Σ_t (−s_t L f_{t−1})‖ on the test probes
/// (<paramref name="DecayCumulativeDeviationTrain"/>: the train probes).</param>
/// <param name="CarriedMagnitude">Window means of momentum's magnitude (and <paramref name="CarriedProjection"/>: projection) shares of the
/// step's functional change (test probes).</param>
/// <param name="BlendingJacobianRelative">‖Jacobian-change term‖ / ‖f̃_t − f_θ0‖ (and <paramref name="BlendingUndeliveredRelative"/>:
/// ‖undelivered term‖ / ‖f̃_t − f_θ0‖) of momentum blending (test probes).</param>
/// <param name="JacobianDrift">Relative change of J·v over the last momentum window (test drift probes).</param>
/// <param name="AlignmentTrain">Alignment of K^T with K on the train×train kernel probes (<paramref name="AlignmentTest"/>: test×train; the
/// centered ones after double-centering both blocks); adaptive optimizers only.</param>
internal sealed record DecompositionPoint(int Step, double Loss, SetPoint Train, SetPoint Test,
    double? DecayStepDeviationMax = null, double? DecayStepDeviationMean = null, double? DecayCumulativeDeviation = null,
    double? DecayCumulativeDeviationTrain = null, double? CarriedMagnitude = null, double? CarriedProjection = null,
    double? BlendingJacobianRelative = null, double? BlendingUndeliveredRelative = null, double? JacobianDrift = null,
    double? AlignmentTrain = null, double? AlignmentTest = null, double? AlignmentTrainCentered = null, double? AlignmentTestCentered = null);

/// <summary>
/// One trained network of the recipe — an arm (optimizer, rate, network variant, role) at one seed — and what it
/// measured. JSON-serializable (<see cref="SubRunResults"/>): checkpoints and shards store it, and every output is
/// written from it alone.
/// </summary>
/// <param name="Seed">The repetition's seed: initialization, batch order, the drift direction and the projection check.</param>
/// <param name="Seeded">Whether the run is one of several seed repetitions (its label then ends in <c>_seed=N</c>).</param>
internal sealed record DecompositionRun(string Optimizer, double LearningRate, NetVariant Net, SubRunRole Role, long Seed, bool Seeded)
{
    /// <summary>The arm's name, the same for every seed: sgd, sgd_rescaled, adamw@relu-nobias, …</summary>
    [JsonIgnore]
    public string Arm => Role switch
    {
        SubRunRole.Rescaled => "sgd_rescaled",
        SubRunRole.Identity => $"{Optimizer}@{Net.Name}",
        _ => Optimizer,
    };

    /// <summary>The metrics.csv run name: the arm, with the seed when there are several.</summary>
    [JsonIgnore]
    public string Label => Seeded ? $"{Arm}_seed={Seed}" : Arm;

    public string Description(OptimizerSettings s) => string.Create(CultureInfo.InvariantCulture,
        $"{(Role == SubRunRole.Rescaled ? "SGD at γ/(1−β)" : OptimizerChoice.Describe(Optimizer, s))}, lr {LearningRate:G4}, net {Net.Name}");

    public List<DecompositionPoint> Points { get; init; } = [];
    /// <summary>f̃_t and f_θt on the test probes at every log point (flattened [N·k]), for the momentum comparison.</summary>
    public List<double[]> TelescopedTest { get; init; } = [];
    public List<double[]> NetworkTest { get; init; } = [];
    /// <summary>Per drift probe: mean relative change of J·v over the momentum windows of the run.</summary>
    public double[] MeanDriftPerInput { get; set; } = [];
    /// <summary>The homogeneity degree L used for the weight-decay prediction, and whether the net is homogeneous.</summary>
    public int Degree { get; set; }
    public bool Homogeneous { get; set; }
    /// <summary>Per "set/component" ("train/gradient", "test/momentum", …): the final C_c(x) on every probe, flattened [N·k].</summary>
    public Dictionary<string, double[]> FinalContributions { get; init; } = [];
    /// <summary>Random-projection check of the final K^T block (test×train), adaptive optimizers only.</summary>
    public ProjectionCheck? Projection { get; set; }
    public TimeSpan WallTime { get; set; }
    [JsonIgnore]
    public DecompositionPoint Final => Points[^1];

    /// <summary>The key of <see cref="FinalContributions"/>.</summary>
    public static string ContributionKey(string set, string component) => $"{set}/{component}";
}

/// <summary>The random-projection estimate of K^T against the exact per-layer value, on one block.</summary>
/// <param name="Directions">R.</param>
/// <param name="MeanAbsZ">mean over entries of |K̂ − K^T| / SE.</param>
/// <param name="FractionBeyond3Se">share of entries with |K̂ − K^T| &gt; 3 SE.</param>
/// <param name="RelativeSe">mean SE / mean |K^T|.</param>
/// <param name="AlignmentEstimateVsExact">⟨K̂, K^T⟩/(‖K̂‖‖K^T‖).</param>
internal sealed record ProjectionCheck(int Directions, double MeanAbsZ, double FractionBeyond3Se, double RelativeSe, double AlignmentEstimateVsExact);
