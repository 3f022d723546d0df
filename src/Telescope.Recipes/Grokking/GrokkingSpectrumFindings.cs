namespace Telescope.Recipes.Grokking;

/// <summary>The spectrum view's three verdicts for one configuration (docs/recipes/grokking-mnist.md, "Spectrum view").</summary>
/// <param name="LeadsTest">The test target's alignment rises (half way) before or with the test metric's fall (half way).</param>
/// <param name="LeadsPTest">The same against p_test's drop from its peak (half way).</param>
/// <param name="StoriesAgree">The spectral story (<paramref name="LeadsTest"/>) and the effective-parameter story
/// ("p_test ends clearly below p_train") reach the same outcome.</param>
internal sealed record SpectrumFinding(Verdict LeadsTest, Verdict LeadsPTest, Verdict StoriesAgree)
{
    /// <summary>Claims of the three verdicts (beyond the paper: docs/method.md §11), also the report's.</summary>
    public const string LeadsTestClaim =
        "beyond the paper (docs/method.md §11): the test target's tangent-kernel alignment rises half way no later than the test metric falls half way";
    public const string LeadsPTestClaim =
        "beyond the paper (docs/method.md §11): the test target's tangent-kernel alignment rises half way no later than p_test drops half way from its peak";
    public const string AgreeClaim =
        "the spectral story (the alignment leads the test metric) and the effective-parameter story (p_test ends clearly below p_train) reach the same verdict";

    /// <summary>The findings.json entries of the three verdicts (<paramref name="figure"/>: the paper figures of the effective-parameter story).</summary>
    public IEnumerable<RunFinding> RunFindings(string where, string figure) =>
    [
        new("spectrum_alignment_leads_test_metric", LeadsTestClaim, where, LeadsTest),
        new("spectrum_alignment_leads_p_test_drop", LeadsPTestClaim, where, LeadsPTest),
        new("spectral_and_effective_parameter_stories_agree", $"{AgreeClaim} (the latter: paper {figure})", where, StoriesAgree),
    ];
}

/// <summary>
/// Times the test target's kernel alignment (docs/method.md §11.3) against the test metric and against p_test, per
/// seed from the logged curves (<see cref="CurveMove"/>): a curve that does not move beyond its noise gives
/// "inconclusive" (nothing to time), an alignment that falls instead of rising "disagrees". With one seed the half-way
/// steps are compared on the logging grid; with several, the mean of log10(t_alignment / t_other) over seeds must lie
/// more than verdict_gap_se_factor standard errors (seed spread) on one side of 0.
/// </summary>
internal static class GrokkingSpectrumFindings
{
    private const string Alignment = "the test alignment";

    /// <param name="seeds">The configuration's sub-runs (null is returned when any logged no spectrum).</param>
    /// <param name="metric">The test metric's name ("error", "MSE"); lower is better.</param>
    /// <param name="pName">Which p_test the effective-parameter story uses, e.g. "p_net_test".</param>
    /// <param name="pTest">That p_test of a sub-run at its logged steps after 0.</param>
    /// <param name="pUnreliable">Why that p_test cannot be timed — the report flags it as unreliable, or it was not measured (null: it can).</param>
    /// <param name="effective">The verdict on "p_test ends clearly below p_train" from the same p (null when no p ran).</param>
    public static SpectrumFinding? Judge(IReadOnlyList<GrokkingRun> seeds, string metric, string pName,
        Func<GrokkingRun, IReadOnlyList<(int Step, double Value)>> pTest, string? pUnreliable, Verdict? effective, VerdictCriteria criteria)
    {
        if (seeds.Count == 0 || seeds.Any(r => r.Spectrum.Count == 0)) return null;
        double k = criteria.PeakNoiseFactor;
        var leadsTest = Leads(seeds, r => CurveMove.Fall($"the test {metric}", r.Points.Select(p => (p.Step, p.Test)).ToList(), k), criteria);
        var leadsP = pUnreliable is not null
            ? new Verdict(VerdictOutcome.Inconclusive, $"{pName}'s drop cannot be timed: {pUnreliable}")
            : Leads(seeds, r => CurveMove.DropFromPeak($"{pName} (from its peak)", pTest(r), k), criteria);
        return new SpectrumFinding(leadsTest, leadsP, Agreement(leadsTest, effective, pName));
    }

    /// <summary>Whether the alignment's half rise comes no later than <paramref name="other"/>'s half move, over the seeds.</summary>
    public static Verdict Leads(IReadOnlyList<GrokkingRun> seeds, Func<GrokkingRun, CurveMove> other, VerdictCriteria criteria)
    {
        double k = criteria.PeakNoiseFactor;
        var rows = seeds.Select(r =>
        {
            var alignment = r.Spectrum.Select(p => (p.Step, p.TestAlignment)).ToList();
            return (Tag: seeds.Count > 1 ? $"seed {r.Seed}: " : "", Rise: CurveMove.Rise(Alignment, alignment, k),
                Fall: CurveMove.Fall(Alignment, alignment, k), Other: other(r));
        }).ToList();
        var still = rows.Where(x => !x.Other.Clear).ToList();
        if (still.Count > 0)
            return new Verdict(VerdictOutcome.Inconclusive, string.Join("; ", still.Select(x => x.Tag + x.Other.Text)) + " — not beyond its noise, nothing to time");
        var falling = rows.Where(x => !x.Rise.Clear && x.Fall.Clear).ToList();
        if (falling.Count > 0)
            return new Verdict(VerdictOutcome.Disagrees, string.Join("; ", falling.Select(x =>
                $"{x.Tag}the test alignment does not rise beyond its noise ({x.Rise.Text}) but falls ({x.Fall.Text}) while {x.Other.Text}")));
        var flat = rows.Where(x => !x.Rise.Clear).ToList();
        if (flat.Count > 0)
            return new Verdict(VerdictOutcome.Inconclusive, string.Join("; ", flat.Select(x => x.Tag + x.Rise.Text)) + " — no rise to time");
        string pairs = string.Join("; ", rows.Select(x => $"{x.Tag}{x.Rise.Text}; {x.Other.Text}"));
        if (rows.Count == 1)
        {
            var (a, b) = (rows[0].Rise.HalfStep!.Value, rows[0].Other.HalfStep!.Value);
            return a <= b
                ? new Verdict(VerdictOutcome.Agrees, $"{pairs} (one seed, judged on the logging grid: {a} ≤ {b})")
                : new Verdict(VerdictOutcome.Disagrees, $"{pairs} — the alignment is half way later (one seed, judged on the logging grid: {a} > {b})");
        }
        var lags = rows.Select(x => Math.Log10(Math.Max(x.Rise.HalfStep!.Value, 1)) - Math.Log10(Math.Max(x.Other.HalfStep!.Value, 1))).ToList();
        var (mean, sd, n) = SeedAggregate.MeanSd(lags);
        double se = sd is double s ? s / Math.Sqrt(n) : double.NaN, factor = criteria.GapSeFactor;
        string numbers = $"{pairs}; mean log10(t_alignment / t_other) {GrokkingText.F(mean)}, SE {GrokkingText.F(se)} over {n} seeds (seed spread), criterion {GrokkingText.F(factor)} SE";
        return mean - factor * se > 0 ? new Verdict(VerdictOutcome.Disagrees, $"{numbers}: the alignment is half way clearly later")
            : mean + factor * se <= 0 ? new Verdict(VerdictOutcome.Agrees, $"{numbers}: the alignment is half way no later")
            : new Verdict(VerdictOutcome.Inconclusive, $"{numbers}: not clear either way");
    }

    /// <summary>
    /// The two stories agree when they reach the same decided outcome: both see grokking's mark (the alignment leads the
    /// test metric, and p_test ends clearly below p_train) or neither does; one undecided verdict leaves it undecided.
    /// </summary>
    public static Verdict Agreement(Verdict spectral, Verdict? effective, string pName)
    {
        if (effective is null) return new Verdict(VerdictOutcome.Inconclusive, "no effective parameters were measured (smoother and p_net off)");
        string both = $"spectral story (the test alignment leads the test metric): {spectral.Tag}; effective-parameter story ({pName} ends clearly below p_train): {effective.Tag}";
        if (spectral.Outcome == VerdictOutcome.Inconclusive || effective.Outcome == VerdictOutcome.Inconclusive)
            return new Verdict(VerdictOutcome.Inconclusive, $"{both} — one of them is undecided, so they cannot be compared");
        return spectral.Outcome == effective.Outcome
            ? new Verdict(VerdictOutcome.Agrees, $"{both} — the same outcome")
            : new Verdict(VerdictOutcome.Disagrees, $"{both} — opposite outcomes");
    }
}
