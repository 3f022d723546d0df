using System.Globalization;
using Telescope.Recipes.Sensitivity;
using Telescope.Runs;
using Telescope.Verdicts;

namespace Telescope.Recipes.GrokkingModular;

/// <summary>One (training fraction, weight decay) grid point: its runs' events, one per seed in seed order.</summary>
internal sealed record ModularGridPoint(double Fraction, double WeightDecay, IReadOnlyList<ModularEvents> Seeds)
{
    public string Label => string.Create(CultureInfo.InvariantCulture, $"fraction {Fraction:G4}, λ = {WeightDecay:G4}");
}

/// <summary>
/// grokking-modular's numbers and verdicts from the sub-run results (docs/recipes/grokking-modular.md): per grid point
/// the events of every seed, and the noise-aware verdicts on the four expectations — test accuracy rises long after
/// the training set is fitted; p_net_test is clearly below p_net_train when the run groks; the test target's alignment
/// rises before or with the test accuracy; grokking comes sooner with more weight decay. Computes, writes nothing:
/// <see cref="GrokkingModularReport"/> turns it into prose.
/// </summary>
internal sealed class GrokkingModularFindings
{
    private readonly GrokkingModularSettings _s;

    public GrokkingModularFindings(GrokkingModularSettings s, IReadOnlyList<ModularRun> runs)
    {
        _s = s;
        Grid = runs.GroupBy(r => r.GridPoint).OrderBy(g => g.Key.Fraction).ThenBy(g => g.Key.WeightDecay)
            .Select(g => new ModularGridPoint(g.Key.Fraction, g.Key.WeightDecay,
                g.OrderBy(r => r.Seed).Select(r => new ModularEvents(r, s.TrainAccuracyThreshold, s.TestAccuracyThreshold, s.Verdicts.PeakNoiseFactor)).ToList()))
            .ToList();
    }

    public IReadOnlyList<ModularGridPoint> Grid { get; }

    /// <summary>findings.json, in report order: three verdicts per grid point (four with the centred alignment), one trend per training fraction.</summary>
    public IReadOnlyList<RunFinding> RunFindings()
    {
        var list = new List<RunFinding>();
        foreach (var g in Grid)
        {
            list.Add(new("grokking_delay", $"test accuracy reaches {F(_s.TestAccuracyThreshold)} at least {F(_s.DelayFactor)}× later than training accuracy reaches {F(_s.TrainAccuracyThreshold)} ({GrokkingModularSettings.DelayFactorName})", g.Label, Delay(g)));
            list.Add(new("p_net_test_below_train", "when the run groks, p_net_test is clearly below p_net_train", g.Label, PNetAtGrok(g)));
            list.Add(new("alignment_leads_accuracy", "the test target's kernel alignment rises (half way) before or with the test accuracy", g.Label, AlignmentLeads(g)));
            if (g.Seeds.Any(e => e.CenteredAlignment is not null))
                list.Add(new("centered_alignment_leads_accuracy", "the test target's output-centred kernel alignment (docs/method.md §11.3) rises (half way) before or with the test accuracy", g.Label, AlignmentLeads(g, centered: true)));
        }
        foreach (var fraction in Grid.Select(g => g.Fraction).Distinct())
            list.Add(new("grokking_step_falls_with_weight_decay", "the grokking step falls as the weight decay grows (log step against log λ)",
                string.Create(CultureInfo.InvariantCulture, $"fraction {fraction:G4}"), WeightDecayTrend(fraction)));
        return list;
    }

    /// <summary>The delay: judged per run on the logging grid with one grokked seed, against the seed spread of log10(ratio) with several.</summary>
    public Verdict Delay(ModularGridPoint g)
    {
        var decided = g.Seeds.Where(e => e.DelayRatio is not null).ToList();
        string missing = Missing(g);
        if (decided.Count == 0)
            return new Verdict(VerdictOutcome.Inconclusive, $"no seed both fitted the training set and grokked within {_s.Steps} steps{missing}; whether it would grok later cannot be told from this run");
        if (decided.Count == 1)
        {
            var e = decided[0];
            var (low, high) = e.DelayRange!.Value;
            string numbers = $"fitted at logged step {e.StepFit}, grokked at {e.StepGrok}: ratio {F(e.DelayRatio!.Value)} (between {F(low)} and {F(high)} on the logging grid){missing}";
            return low >= _s.DelayFactor ? new Verdict(VerdictOutcome.Agrees, $"{numbers} ≥ {F(_s.DelayFactor)} throughout")
                : high < _s.DelayFactor ? new Verdict(VerdictOutcome.Disagrees, $"{numbers} < {F(_s.DelayFactor)} throughout")
                : new Verdict(VerdictOutcome.Inconclusive, $"{numbers}: the logging grid straddles {F(_s.DelayFactor)}");
        }
        var (mean, sd, n) = SeedAggregate.MeanSd(decided.Select(e => Math.Log10(e.DelayRatio!.Value)));
        var verdict = GapCheck.ClearlyBelow(Math.Log10(_s.DelayFactor), mean, sd is double x ? x / Math.Sqrt(n) : double.NaN, _s.Verdicts,
            ($"log10 {GrokkingModularSettings.DelayFactorName}", $"mean log10(step_grok / step_fit) over {n} seeds"));
        return verdict with { Statement = verdict.Statement + missing };
    }

    /// <summary>p_net_test against p_net_train at the first logged step at or after grokking: paired SE over directions with one seed, seed spread with several.</summary>
    public Verdict PNetAtGrok(ModularGridPoint g)
    {
        var measured = g.Seeds.Where(e => e.PNetAtGrok is not null).ToList();
        if (g.Seeds.All(e => e.StepGrok is null))
            return new Verdict(VerdictOutcome.Inconclusive, $"no seed grokked within {_s.Steps} steps");
        if (measured.Count == 0)
            return new Verdict(VerdictOutcome.Inconclusive, "p_net was not measured (sensitivity = none)");
        string linear = measured.Any(e => e.PNetAtGrok!.Train!.IsLinear == false || e.PNetAtGrok.Test!.IsLinear == false)
            ? "; p_net is NOT linear in the labels at σ there (a finite-σ response)" : "";
        double minShare = _s.ClearlyBelowFraction;
        if (measured.Count == 1)
        {
            var p = measured[0].PNetAtGrok!;
            var v = GapCheck.ClearlyBelow(p.Test!.Value, p.Train!.Value, SensitivityColumns.GapStandardError(p) ?? double.NaN, _s.Verdicts,
                ($"p_net_test at step {p.Step}", "p_net_train"), minShare);
            return v with { Statement = v.Statement + " (SE paired over the label directions)" + linear };
        }
        var gaps = measured.Select(e => e.PNetAtGrok!.Train!.Value - e.PNetAtGrok.Test!.Value).ToList();
        var (_, sd, n) = SeedAggregate.MeanSd(gaps);
        var verdict = GapCheck.ClearlyBelow(measured.Average(e => e.PNetAtGrok!.Test!.Value), measured.Average(e => e.PNetAtGrok!.Train!.Value),
            sd is double x ? x / Math.Sqrt(n) : double.NaN, _s.Verdicts, ("mean p_net_test at grokking", $"mean p_net_train over {n} seeds"), minShare);
        return verdict with { Statement = verdict.Statement + linear };
    }

    /// <summary>
    /// Whether the alignment's half rise comes no later than the test accuracy's: on the logging grid with one seed;
    /// with several, from the seed spread of log10(t_alignment / t_accuracy) — clearly after (&gt; factor SE above 0)
    /// disagrees, clearly not after (mean + factor SE ≤ 0) agrees. A rise that has fallen back below its half level by the
    /// grokking step disagrees too: it came and went before the accuracy rose.
    /// </summary>
    public Verdict AlignmentLeads(ModularGridPoint g, bool centered = false)
    {
        string name = centered ? "output-centred test alignment" : "test alignment";
        var grokked = g.Seeds.Where(e => e.StepGrok is not null).Select(e => (Events: e, Series: centered ? e.CenteredAlignment : e.Alignment)).ToList();
        if (grokked.Count == 0) return new Verdict(VerdictOutcome.Inconclusive, $"no seed grokked within {_s.Steps} steps");
        if (grokked.All(e => e.Series?.HalfRise is null)) return new Verdict(VerdictOutcome.Inconclusive, "the spectrum was not logged (spectrum_probes = 0)");
        var falling = grokked.Where(e => e.Series?.Falls == true).ToList();
        if (falling.Count > 0)
            return new Verdict(VerdictOutcome.Disagrees, string.Join("; ", falling.Select(e =>
                $"seed {e.Events.Run.Seed}: the {name} does not rise beyond {F(_s.Verdicts.PeakNoiseFactor)}× its roughness {F(e.Series!.Noise)} but falls from {F(e.Series.First)} to {F(e.Series.Last)} while the test accuracy rises (half rise at logged step {e.Events.AccuracyHalfRise})")));
        var flat = grokked.Where(e => e.Series?.Rises != true).ToList();
        if (flat.Count > 0)
            return new Verdict(VerdictOutcome.Inconclusive, string.Join("; ", flat.Select(e =>
                $"seed {e.Events.Run.Seed}: the {name} rises by {F(e.Series?.Rise ?? double.NaN)}, not more than {F(_s.Verdicts.PeakNoiseFactor)}× its roughness {F(e.Series?.Noise ?? double.NaN)}")) + " — no rise to time");
        // A rise that has faded below its half level by the grokking step did not come "with" the accuracy.
        var faded = grokked.Where(e => e.Series!.HalfRise <= e.Events.StepGrok && e.Series.ValueAt(e.Events.StepGrok!.Value) < e.Series.HalfLevel).ToList();
        if (faded.Count > 0)
            return new Verdict(VerdictOutcome.Disagrees, string.Join("; ", faded.Select(e =>
                $"seed {e.Events.Run.Seed}: the {name} rose early (half rise at logged step {e.Series!.HalfRise}, up to {F(e.Series.First + e.Series.Rise)}) but fell back to {F(e.Series.ValueAt(e.Events.StepGrok!.Value))}, below its half level {F(e.Series.HalfLevel)}, by the grokking step {e.Events.StepGrok}")));
        string Pairs() => string.Join(", ", grokked.Select(e => $"alignment at {e.Series!.HalfRise}, accuracy at {e.Events.AccuracyHalfRise}" + (grokked.Count > 1 ? $" (seed {e.Events.Run.Seed})" : "")));
        if (grokked.Count == 1)
        {
            var e = grokked[0];
            return e.Series!.HalfRise <= e.Events.AccuracyHalfRise
                ? new Verdict(VerdictOutcome.Agrees, $"half rise: {Pairs()} (logged steps; one seed, judged on the logging grid)")
                : new Verdict(VerdictOutcome.Disagrees, $"half rise: {Pairs()} — the alignment rises later (logged steps; one seed, judged on the logging grid)");
        }
        var lags = grokked.Select(e => Math.Log10(Math.Max(e.Series!.HalfRise!.Value, 1)) - Math.Log10(Math.Max(e.Events.AccuracyHalfRise!.Value, 1))).ToList();
        var (mean, sd, n) = SeedAggregate.MeanSd(lags);
        double se = sd is double x ? x / Math.Sqrt(n) : double.NaN, k = _s.Verdicts.GapSeFactor;
        string numbers = $"half rise: {Pairs()}; mean log10(t_alignment / t_accuracy) {F(mean)}, SE {F(se)} over {n} seeds, criterion {F(k)} SE";
        return mean - k * se > 0 ? new Verdict(VerdictOutcome.Disagrees, $"{numbers}: the alignment rises clearly later")
            : mean + k * se <= 0 ? new Verdict(VerdictOutcome.Agrees, $"{numbers}: the alignment rises no later")
            : new Verdict(VerdictOutcome.Inconclusive, $"{numbers}: not clear either way");
    }

    /// <summary>TrendCheck of log10(grokking step) against log10 λ over the weight decays of one fraction (every grokked seed a point).</summary>
    public Verdict WeightDecayTrend(double fraction)
    {
        var points = Grid.Where(g => g.Fraction == fraction).ToList();
        if (points.Count < 2)
            return new Verdict(VerdictOutcome.Inconclusive, $"only {points.Count} weight decay ran at this fraction; a trend needs 2 or more");
        bool logX = points.All(g => g.WeightDecay > 0);
        var series = SeededSeries.FromSeeds(points.Select(g => logX ? Math.Log10(g.WeightDecay) : g.WeightDecay).ToList(),
            points.Select(g => (IReadOnlyList<double>)g.Seeds.Where(e => e.StepGrok is not null).Select(e => Math.Log10(Math.Max(e.StepGrok!.Value, 1))).ToArray()).ToList());
        int notGrokked = points.Sum(g => g.Seeds.Count(e => e.StepGrok is null));
        var verdict = TrendCheck.Judge(series, _s.Verdicts, TrendDirection.Falls).Verdict;
        string steps = string.Join("; ", points.Select(g => $"λ = {F(g.WeightDecay)}: " + string.Join(", ", g.Seeds.Select(e => e.StepGrok?.ToString(CultureInfo.InvariantCulture) ?? "not grokked"))));
        return verdict with
        {
            Statement = $"grokking steps {steps} ({(logX ? "log10 λ" : "λ")} as the coordinate) — {verdict.Statement}" +
                (notGrokked > 0 ? $"; {notGrokked} run(s) that did not grok within {_s.Steps} steps are left out, which biases the slope" : ""),
        };
    }

    private string Missing(ModularGridPoint g)
    {
        var notFit = g.Seeds.Where(e => e.StepFit is null).Select(e => e.Run.Seed).ToList();
        var notGrok = g.Seeds.Where(e => e.StepFit is not null && e.StepGrok is null).Select(e => e.Run.Seed).ToList();
        return (notFit.Count > 0 ? $"; seed(s) {string.Join(", ", notFit)} never fitted the training set" : "") +
            (notGrok.Count > 0 ? $"; seed(s) {string.Join(", ", notGrok)} fitted but did not grok within {_s.Steps} steps" : "");
    }

    public static string F(double v) => v.ToString("G3", CultureInfo.InvariantCulture);
}
