namespace Telescope.Recipes.Sensitivity;

/// <summary>
/// p_net from pairs that ran as sub-runs of their own (<c>sensitivity_members=separate</c>): the base sub-run's points
/// (λ_t, and the smoother's p_d along the shared directions) and the pair sub-runs' responses become the points a
/// lockstep run records — the same p_net, standard errors, linearity checks and agreement with the smoother. Only the
/// curvature diagnostic, which needs the base run's predictions next to the members', is left out (no output uses it).
/// </summary>
internal static class SeparatePairs
{
    /// <summary>The base sub-run's points with p_net and the agreement filled in from <paramref name="responses"/>.</summary>
    /// <param name="basePoints">The base sub-run's points (one per logged step, step 0 included).</param>
    /// <param name="responses">Every pair sub-run's responses for this configuration and seed.</param>
    /// <param name="options">σ, D and the linearity check (the pairs the estimate needs).</param>
    public static List<SensitivityPoint> Combine(IReadOnlyList<SensitivityPoint> basePoints, IEnumerable<PairResponse> responses,
        RetrainingSensitivityOptions options)
    {
        var byStep = responses.ToLookup(r => r.Step);
        return basePoints.Select(point =>
        {
            var train = RetrainingSensitivity.Aggregate(RecipeSensitivity.Train, point.Step, byStep[point.Step], options);
            var test = RetrainingSensitivity.Aggregate(RecipeSensitivity.Test, point.Step, byStep[point.Step], options);
            var combined = point with { Train = train, Test = test, SmootherTrain = null, SmootherTest = null };
            return point.SmootherTrain is { } a && point.SmootherTest is { } b ? combined.WithAgreement(a, b) : combined;
        }).ToList();
    }
}
