namespace Telescope.Recipes.Sensitivity;

/// <summary>
/// What a logged step adds to a recipe's p: the network's own p_net on the training and test sets (docs/method.md §5.2), the
/// smoother's p along the same directions and their paired difference, and the surrogate sharpness λ_t (docs/method.md §5.3).
/// Every part is optional (null when not measured).
/// </summary>
public sealed record SensitivityPoint(int Step)
{
    public NetworkSensitivityEstimate? Train { get; init; }
    public NetworkSensitivityEstimate? Test { get; init; }
    /// <summary>Smoother p_d − p_net,d averaged over the shared directions, with its SE: training set.</summary>
    public (double Difference, double StandardError)? TrainAgreement { get; init; }
    /// <summary>The same on the test set.</summary>
    public (double Difference, double StandardError)? TestAgreement { get; init; }
    /// <summary>
    /// The smoother's p_d along the shared directions on the training set, kept when the pairs run as sub-runs of their
    /// own (<c>sensitivity_members=separate</c>), so that the agreement can be formed once their responses are combined.
    /// </summary>
    public IReadOnlyList<double>? SmootherTrain { get; init; }
    /// <summary>The same on the test set.</summary>
    public IReadOnlyList<double>? SmootherTest { get; init; }
    /// <summary>λ_t, the largest eigenvalue of the surrogate's one-step map on the batch residuals.</summary>
    public double? Sharpness { get; init; }

    /// <summary>This point with the agreement of the smoother's p_d along the shared directions (train, test) with its p_net,d.</summary>
    public SensitivityPoint WithAgreement(IReadOnlyList<double> smootherTrain, IReadOnlyList<double> smootherTest) => this with
    {
        TrainAgreement = DirectionalEffectiveParameters.PairedDifference(smootherTrain, Train!.PerDirection),
        TestAgreement = DirectionalEffectiveParameters.PairedDifference(smootherTest, Test!.PerDirection),
    };
}
