namespace Telescope.Recipes.Grokking;

/// <summary>
/// What "p_test ends clearly below p_train" means in the grokking reports: the gap must be at least
/// <see cref="MinFraction"/> of p_train (an effect-size floor) and exceed <see cref="VerdictCriteria.GapSeFactor"/>
/// standard errors of the gap (paired where the estimates share directions). Both are recipe settings.
/// </summary>
/// <param name="MinFraction">Smallest gap, as a share of p_train, that counts as clear.</param>
/// <param name="Criteria">The run's verdict criteria (the standard-error factor).</param>
internal sealed record ClearlyBelowRule(double MinFraction, VerdictCriteria Criteria)
{
    /// <summary>Name of the setting of <see cref="MinFraction"/>.</summary>
    public const string FractionName = "clearly_below_fraction";

    /// <summary>Its description (both grokking recipes declare it, default 0.1, in [0, 1]).</summary>
    public const string FractionDescription = "'p_test clearly below p_train' needs a gap of at least this share of p_train (and more than verdict_gap_se_factor standard errors)";

    /// <summary>The judgement of p_test against p_train with the gap's standard error.</summary>
    public Verdict Judge(double pTest, double pTrain, double gapSe) =>
        GapCheck.ClearlyBelow(pTest, pTrain, gapSe, Criteria, ("p_test", "p_train"), MinFraction);

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"\"Clearly below\" = a gap of at least {100 * MinFraction:G3}% of p_train ({FractionName}) and more than {Criteria.GapSeFactor:G3} standard errors of the gap ({VerdictCriteria.GapSeFactorKey}); without a standard error the verdict is inconclusive.");
}
