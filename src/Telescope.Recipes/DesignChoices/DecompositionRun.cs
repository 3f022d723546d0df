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

/// <summary>
/// One logged step of one sub-run. Window quantities summarize the steps since the previous log point.
/// </summary>
internal sealed record DecompositionPoint(int Step, double Loss, SetPoint Train, SetPoint Test)
{
    /// <summary>Largest and mean per-step relative deviation of the weight-decay contribution from −s·L·f_{t−1} (test probes).</summary>
    public double? DecayStepDeviationMax { get; init; }
    public double? DecayStepDeviationMean { get; init; }
    /// <summary>Cumulative: ‖Σ_t Δf^wd_t − Σ_t (−s_t L f_{t−1})‖ / ‖Σ_t (−s_t L f_{t−1})‖ (test and train probes).</summary>
    public double? DecayCumulativeDeviation { get; init; }
    public double? DecayCumulativeDeviationTrain { get; init; }
    /// <summary>Window means of momentum's magnitude and projection shares of the step's functional change (test probes).</summary>
    public double? CarriedMagnitude { get; init; }
    public double? CarriedProjection { get; init; }
    /// <summary>‖Jacobian-change term‖ / ‖f̃_t − f_θ0‖ and ‖undelivered term‖ / ‖f̃_t − f_θ0‖ of momentum blending (test probes).</summary>
    public double? BlendingJacobianRelative { get; init; }
    public double? BlendingUndeliveredRelative { get; init; }
    /// <summary>Relative change of J·v over the last momentum window (test drift probes).</summary>
    public double? JacobianDrift { get; init; }
    /// <summary>Alignment of K^T with K (train×train and test×train kernel probes); adaptive optimizers only.</summary>
    public double? AlignmentTrain { get; init; }
    public double? AlignmentTest { get; init; }
    /// <summary>The same alignments after double-centering both blocks.</summary>
    public double? AlignmentTrainCentered { get; init; }
    public double? AlignmentTestCentered { get; init; }
}

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
