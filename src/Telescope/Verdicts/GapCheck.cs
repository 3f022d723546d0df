using System.Globalization;

namespace Telescope.Verdicts;

/// <summary>
/// "Is a clearly below b?": the gap b − a must exceed <see cref="VerdictCriteria.GapSeFactor"/> standard errors of
/// the gap (and, when given, a minimum share of |b|). A gap beyond the same factor the other way disagrees;
/// anything in between — or a gap whose standard error is unknown (NaN) — is inconclusive, stated with the measured
/// direction so the reader still sees which way the numbers point. A standard error of exactly 0 means the two values
/// are exact (e.g. the docs/method.md §4.2 smoother's p from its basis): then the minimum share alone decides.
/// </summary>
public static class GapCheck
{
    /// <summary>Judges whether <paramref name="a"/> is clearly below <paramref name="b"/>.</summary>
    /// <param name="a">The value expected to be lower, e.g. p_test.</param>
    /// <param name="b">The value expected to be higher, e.g. p_train.</param>
    /// <param name="gapSe">Standard error of b − a (paired where the estimates share randomness); 0 for exact values; NaN when unknown.</param>
    /// <param name="criteria">The thresholds.</param>
    /// <param name="names">How to call a and b in the statement, e.g. ("p_test", "p_train").</param>
    /// <param name="minRelative">Optional minimum gap as a share of |b| (an effect-size floor), 0 for none.</param>
    public static Verdict ClearlyBelow(double a, double b, double gapSe, VerdictCriteria criteria,
        (string A, string B) names, double minRelative = 0)
    {
        double gap = b - a;
        if (!double.IsFinite(gap))
            return new Verdict(VerdictOutcome.Inconclusive, $"{names.A} = {F(a)}, {names.B} = {F(b)}: not finite");
        string numbers = $"{names.A} {F(a)} vs {names.B} {F(b)}, gap {F(gap)}";
        if (gapSe == 0)
        {
            string share = $"{F(100 * gap / Math.Abs(b))}% of |{names.B}|, criterion ≥ {F(100 * minRelative)}%; exact values, seed-to-seed noise not measured";
            return gap > 0 && gap >= minRelative * Math.Abs(b)
                ? new Verdict(VerdictOutcome.Agrees, $"{numbers}: clearly below by {share}")
                : new Verdict(VerdictOutcome.Disagrees, $"{numbers}: not clearly below ({share})");
        }
        if (!(double.IsFinite(gapSe) && gapSe > 0))
            return new Verdict(VerdictOutcome.Inconclusive, $"{numbers} ({(gap > 0 ? "below" : gap < 0 ? "above" : "equal")}); no standard error of the gap, so the noise cannot be judged");
        double z = gap / gapSe;
        bool bigEnough = Math.Abs(gap) >= minRelative * Math.Abs(b);
        string criterion = $"{F(z)} standard errors (SE {F(gapSe)}), criterion > {F(criteria.GapSeFactor)}" +
            (minRelative > 0 ? $" and ≥ {F(100 * minRelative)}% of |{names.B}|" : "");
        if (z > criteria.GapSeFactor && bigEnough)
            return new Verdict(VerdictOutcome.Agrees, $"{numbers}: clearly below by {criterion}");
        if (z < -criteria.GapSeFactor && bigEnough)
            return new Verdict(VerdictOutcome.Disagrees, $"{numbers}: clearly above by {criterion}");
        return new Verdict(VerdictOutcome.Inconclusive, $"{numbers}: {criterion} — not clear either way");
    }

    private static string F(double v) => v.ToString("G3", CultureInfo.InvariantCulture);
}
