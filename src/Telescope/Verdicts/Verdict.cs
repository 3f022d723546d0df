namespace Telescope.Verdicts;

/// <summary>How a measurement relates to an expectation (a paper's finding, a docs/method.md §9 claim).</summary>
public enum VerdictOutcome
{
    /// <summary>The measurement supports the expectation beyond its noise.</summary>
    Agrees,
    /// <summary>The measurement contradicts the expectation beyond its noise.</summary>
    Disagrees,
    /// <summary>The noise (seed spread, standard error, or the curve's own roughness) cannot decide it.</summary>
    Inconclusive,
}

/// <summary>
/// The outcome of one statistical criterion, with a sentence that states the measured numbers and the criterion
/// they were judged against, so a report can print it as is.
/// </summary>
/// <param name="Outcome">Agrees, disagrees or inconclusive.</param>
/// <param name="Statement">What was measured and which criterion decided, e.g.
/// "slope 0.12, 95% interval [0.03, 0.21] excludes 0".</param>
public sealed record Verdict(VerdictOutcome Outcome, string Statement)
{
    /// <summary>A short tag for reports: "agrees", "does NOT agree", "inconclusive at this noise level".</summary>
    public string Tag => Outcome switch
    {
        VerdictOutcome.Agrees => "agrees",
        VerdictOutcome.Disagrees => "does NOT agree",
        _ => "inconclusive at this noise level",
    };

    /// <summary>"<paramref name="claim"/>: tag — statement." A cited expectation followed by whether this run agrees.</summary>
    public string About(string claim) => $"{claim}: {Tag} — {Statement}.";
}
