namespace Telescope.Recipes.Grokking;

/// <summary>
/// The settings both grokking recipes have (each declares them in its own schema, in its own order):
/// data sizes, training length and logging, the smoother, p_net, the verdict thresholds, seeds and compute.
/// </summary>
public abstract record GrokkingSettings
{
    public required long Seed { get; init; }
    public required int TrainSize { get; init; }
    public required int TestSize { get; init; }
    public required int TestProbes { get; init; }
    public required double LossScale { get; init; }
    public required int Steps { get; init; }
    public required int LogPerDecade { get; init; }
    public required int LogEvery { get; init; }
    public required string Smoother { get; init; }
    public required SensitivitySettings Sensitivity { get; init; }
    public required double PTrainLimit { get; init; }
    public required double ClearlyBelowFraction { get; init; }
    /// <summary>Training and test inputs (each) whose tangent kernel spectrum is logged (docs/method.md §11); 0 = off.</summary>
    public required int SpectrumProbes { get; init; }
    /// <summary>Top eigenpairs of that kernel logged (span of the energy share and the rotation).</summary>
    public required int SpectrumTopK { get; init; }
    public required VerdictCriteria Verdicts { get; init; }
    public required IReadOnlyList<long> Seeds { get; init; }
    public required ComputeSettings Compute { get; init; }

    /// <summary>Whether the smoother runs (off, p comes from retraining only).</summary>
    public bool UseSmoother => Smoother != "none";

    /// <summary>p_train above this (p_train_limit × n; an interpolating least-squares smoother has p_train = n) means the smoother's p has blown up.</summary>
    public double PLimit => PTrainLimit * TrainSize;

    /// <summary>p_net's options for the repetition with seed <paramref name="seed"/> (its label directions); null without p_net.</summary>
    public abstract RetrainingSensitivityOptions? SensitivityOptions(long seed);

    /// <summary>p_net's options when its pairs are sub-runs of their own (<c>sensitivity_members=separate</c>), else null.</summary>
    public RetrainingSensitivityOptions? SeparatePairs => Sensitivity.SeparatePairs ? SensitivityOptions(Seed) : null;

    /// <summary>The optimizer's step rule the stability bound on λ_t is read from (docs/method.md §5.3).</summary>
    protected abstract TangentStepRule StepRule { get; }

    /// <summary>The bound on the surrogate sharpness λ_t (null when λ_t is not measured).</summary>
    public StabilityBound? StabilityBound => Sensitivity.StabilityIterations > 0 ? Sensitivity.Bound(StepRule) : null;

    public bool UseSpectrum => SpectrumProbes > 0;

    /// <summary>Name of <see cref="SpectrumProbes"/> (the report cites it).</summary>
    public const string SpectrumProbesName = "spectrum_probes";
    public const string SpectrumTopKName = "spectrum_top_k";

    internal ClearlyBelowRule Rule => new(ClearlyBelowFraction, Verdicts);
}
