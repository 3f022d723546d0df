using System.Text.Json.Serialization;

namespace Telescope.Recipes.DoubleDescent;

/// <summary>One logged step of one width: errors of the network and effective parameters of its smoother.</summary>
/// <param name="Step">Training step (0 = initialization).</param>
/// <param name="TrainMse">mean (f(x_i) − y_i)² over the training set, against the (possibly noisy) training targets.</param>
/// <param name="TestMse">mean (f(x) − y)² over the test set, against clean targets.</param>
/// <param name="TestError">Fraction of test examples with sign f(x) ≠ y.</param>
/// <param name="PTrain">p_train with its standard error (0 when exact).</param>
/// <param name="PTest">p_test on the test probes with its standard error.</param>
internal sealed record DoubleDescentPoint(int Step, double TrainMse, double TestMse, double TestError,
    EffectiveParameterEstimate PTrain, EffectiveParameterEstimate PTest);

/// <summary>
/// One network of the sweep — one sub-run: (label-noise level, width, seed repetition) — and what it measured.
/// A plain record of numbers and lists, so it round-trips through checkpoints and shard files
/// (<see cref="SubRunResults"/>) without loss.
/// </summary>
/// <param name="LabelNoise">Fraction of training targets flipped.</param>
/// <param name="Width">Hidden width h.</param>
/// <param name="Seed">The repetition's seed (initialization, data order, label-noise flips, estimator directions).</param>
/// <param name="Parameters">P = h·(d + 2) + 1.</param>
internal sealed record WidthRun(double LabelNoise, int Width, long Seed, long Parameters)
{
    /// <summary>The run name in metrics.csv: the seed appears only when the sweep has several seeds (one seed keeps the names runs had before seeds).</summary>
    public string Label(bool seeded) =>
        string.Create(CultureInfo.InvariantCulture, $"noise={LabelNoise:G4}_width={Width}") + (seeded ? $"_seed={Seed}" : "");
    public List<DoubleDescentPoint> Points { get; init; } = [];
    [JsonIgnore]
    public DoubleDescentPoint Final => Points[^1];
    /// <summary>Steps the network trained (decided by the convergence rule from its own training MSE).</summary>
    [JsonIgnore]
    public int Steps => Final.Step;
    public StopReason Stop { get; set; }
    [JsonIgnore]
    public bool Capped => Stop == StopReason.Capped;
    /// <summary>Fidelity gaps (docs/method.md §4) at the end of training on the training set.</summary>
    public SmootherFidelity? TrainFidelity { get; set; }
    /// <summary>Fidelity gaps (docs/method.md §4) at the end of training on the test probes.</summary>
    public SmootherFidelity? TestFidelity { get; set; }
    /// <summary>Relative change of the training MSE over the last logging interval (a convergence indicator).</summary>
    public double? LastTrainMseChange { get; set; }
    /// <summary>Wall time of the whole sub-run (training, smoother, members, measurements), seconds.</summary>
    public double WallSeconds { get; set; }
    /// <summary>CPU time of the process while this network trained (robust to other load on a shared machine), seconds.</summary>
    public double CpuSeconds { get; set; }
    /// <summary>Wall time of the retraining members (steps and evaluations), docs/method.md §5.2, seconds.</summary>
    public double RetrainingSeconds { get; set; }
    /// <summary>Wall time of the power iterations for λ_t, docs/method.md §5.3, seconds.</summary>
    public double StabilitySeconds { get; set; }
    public int Members { get; set; }
    /// <summary>p_net, its paired comparison with p and λ_t at every logged step (aligned with <see cref="Points"/>).</summary>
    public List<SensitivityPoint> Sensitivity { get; init; } = [];
    /// <summary>
    /// With <c>sensitivity_members=separate</c>: the ±σ pair of p_net this sub-run trains (null for the network's own
    /// sub-run). Its <see cref="Points"/> are then those of the network's replay that decided when the pair stopped.
    /// </summary>
    public SensitivityPair? Pair { get; init; }
    /// <summary>The pair's responses at every logged step (empty unless <see cref="Pair"/> is set).</summary>
    public List<PairResponse> PairResponses { get; init; } = [];

    /// <summary>The pair sub-run of this network for <paramref name="pair"/>, with nothing measured yet.</summary>
    public WidthRun ForPair(SensitivityPair pair) => this with { Pair = pair, Points = [], Sensitivity = [], PairResponses = [] };
}
