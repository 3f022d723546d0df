namespace Telescope.Recipes.Approximation;

/// <summary>One logged step of one sub-run: training loss, the docs/method.md §2 metrics on the test and train probes,
/// and the mean |cumulative functional contribution| of each update component on the test probes.</summary>
internal sealed record ApproximationPoint(
    int Step,
    double Loss,
    Telescoping.ApproximationMetrics Test,
    Telescoping.ApproximationMetrics? Train,
    IReadOnlyDictionary<string, double> Contributions);
