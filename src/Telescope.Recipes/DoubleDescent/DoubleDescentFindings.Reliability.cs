namespace Telescope.Recipes.DoubleDescent;

/// <summary>
/// What the report itself flags about a p curve's values, so that a verdict over them can be no stronger than they are
/// (docs/method.md §8; docs/recipes/double-descent.md, "Verdict rules").
/// </summary>
/// <param name="Flag">The flag in words, e.g. "the p_net_test response is not linear at σ".</param>
/// <param name="IsFlagged">Whether one network's value carries the flag.</param>
/// <param name="StandardError">The estimator's own standard error of one network's value (over the D directions), 0 when exact.</param>
internal sealed record CurveFlags(string Flag, Func<WidthRun, bool> IsFlagged, Func<WidthRun, double>? StandardError = null);

/// <summary>The rules that turn a verdict over flagged or estimator-noisy values into "inconclusive".</summary>
internal sealed partial class DoubleDescentFindings
{
    /// <summary>
    /// Whether the smoother's final p of <paramref name="r"/> is trustworthy: stable, not blown up and agreeing with p_net
    /// at every logged step compared (<see cref="SensitivityFindings.Trust"/>); null when it was never compared with p_net.
    /// </summary>
    public bool? SmootherTrusted(WidthRun r)
    {
        if (!Settings.HasSmoother) return null;
        var (compared, trusted) = SensitivityFindings.Trust(r.Sensitivity, bound,
            r.Points.Select(p => (p.Step, p.PTrain.Value, p.PTest.Value)).ToList(), Settings.PTrainLimit * TrainCount,
            Settings.Sensitivity.AgreementSe, Settings.Sensitivity.AgreementRelative);
        return compared.Count == 0 ? null : trusted.Count == compared.Count;
    }

    /// <summary>The flag on the smoother's p: not trustworthy at the final step by the comparison with p_net.</summary>
    private CurveFlags SmootherFlags(Func<WidthRun, double>? standardError) =>
        new("the smoother's p is not trustworthy at the final step (unstable, blown up or disagreeing with p_net)",
            r => SmootherTrusted(r) == false, standardError);

    /// <summary>
    /// The curve the noise criterion judges. With several seeds the noise unit must be the seed spread, so widths where
    /// fewer than two seeds are in the curve are left out of it (and named); one seed keeps every width and the curve's
    /// roughness is the noise unit.
    /// </summary>
    private (SeededSeries Curve, IReadOnlyList<int> LeftOut) NoiseCurve(SeededSeries curve)
    {
        if (!Seeded) return (curve, []);
        var keep = Enumerable.Range(0, curve.Count).Where(i => curve.Samples[i].Length >= 2).ToList();
        if (keep.Count == curve.Count) return (curve, []);
        return (SeededSeries.FromSeeds(keep.Select(i => curve.X[i]).ToList(), keep.Select(i => (IReadOnlyList<double>)curve.Samples[i]).ToList()),
            Enumerable.Range(0, curve.Count).Except(keep).Select(i => (int)curve.X[i]).ToList());
    }

    /// <summary>
    /// Why a peak verdict over <paramref name="members"/> (the networks in the curve) must read "inconclusive": the flag
    /// at a width that decides the peak (the candidate or its higher side minimum) or at more than half of the networks;
    /// or, for a peak found, an estimator standard error of the prominence at least as large as the prominence's margin
    /// over the criterion. Also returns a note on the standard error when it does not decide.
    /// </summary>
    private (List<string> Reasons, string? Note) PeakCaveats(SeededSeries judgedCurve, PeakResult judged, IReadOnlyList<WidthRun> members, CurveFlags flags)
    {
        var reasons = new List<string>();
        string? note = null;
        var deciding = DecidingWidths(judgedCurve, judged);
        var flagged = members.Where(flags.IsFlagged).ToList();
        var atDeciding = flagged.Where(r => deciding.Contains(r.Width)).ToList();
        if (atDeciding.Count > 0)
            reasons.Add($"{flags.Flag} at {string.Join(", ", atDeciding.Select(r => r.Label(Seeded)))}, which decide(s) the peak");
        else if (MostFlagged(members, flags) is { } most)
            reasons.Add(most);
        if (judged.Found && flags.StandardError is { } se && deciding.Count == 2)
        {
            double margin = judged.Prominence - Settings.Verdicts.PeakNoiseFactor * judged.Noise;
            double seProminence = Math.Sqrt(deciding.Sum(w => Math.Pow(MeanStandardError(members, w, se), 2)));
            string numbers = $"the prominence exceeds the criterion by {F(margin)}, against an estimator standard error of the prominence of {F(seProminence)} (over the estimator's directions)";
            if (!(margin > seProminence)) reasons.Add(numbers + ", so the margin is within the estimator's own noise");
            else note = numbers;
        }
        return (reasons, note);
    }

    /// <summary>Why a verdict over <paramref name="members"/> must read "inconclusive" when the flag is at more than half of them (else null).</summary>
    private static string? MostFlagged(IReadOnlyList<WidthRun> members, CurveFlags flags)
    {
        int flagged = members.Count(flags.IsFlagged);
        return 2 * flagged > members.Count ? $"{flags.Flag} at {flagged} of the {members.Count} networks in the curve" : null;
    }

    /// <summary>A trend verdict, made inconclusive when the report flags most of the values it is fitted to.</summary>
    private TrendResult Trend(SeededSeries series, IReadOnlyList<WidthRun> members, CurveFlags flags)
    {
        var trend = TrendCheck.Judge(series, Settings.Verdicts, TrendDirection.Grows, Math.Log);
        return MostFlagged(members, flags) is { } reason ? trend with { Verdict = Downgrade(trend.Verdict, [reason]) } : trend;
    }

    private static Verdict Downgrade(Verdict verdict, IReadOnlyList<string> reasons) => reasons.Count == 0 ? verdict
        : new Verdict(VerdictOutcome.Inconclusive, $"{verdict.Statement}; but {string.Join("; and ", reasons)} — a quantity the report flags cannot decide a verdict");

    /// <summary>The candidate's width and that of its higher side minimum (the two values whose difference is the prominence).</summary>
    private static HashSet<int> DecidingWidths(SeededSeries curve, PeakResult judged)
    {
        var widths = new HashSet<int>();
        if (curve.Count == 0 || !double.IsFinite(judged.X)) return widths;
        int top = judged.Index;
        widths.Add((int)curve.X[top]);
        var m = curve.Means;
        var before = Enumerable.Range(0, top).Where(i => double.IsFinite(m[i])).ToList();
        var after = Enumerable.Range(top + 1, curve.Count - top - 1).Where(i => double.IsFinite(m[i])).ToList();
        if (before.Count == 0 || after.Count == 0) return widths;
        int lowBefore = before.MinBy(i => m[i]), lowAfter = after.MinBy(i => m[i]);
        widths.Add((int)curve.X[m[lowBefore] >= m[lowAfter] ? lowBefore : lowAfter]);
        return widths;
    }

    /// <summary>Standard error of the curve's mean at <paramref name="width"/>: √(Σ se²)/k over its k networks.</summary>
    private static double MeanStandardError(IReadOnlyList<WidthRun> members, int width, Func<WidthRun, double> se)
    {
        var at = members.Where(r => r.Width == width).ToList();
        return at.Count == 0 ? double.NaN : Math.Sqrt(at.Sum(r => se(r) * se(r))) / at.Count;
    }

    private static string F(double v) => v.ToString("G3", CultureInfo.InvariantCulture);
}
