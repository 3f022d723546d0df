namespace Telescope.Recipes.DoubleDescent;

/// <summary>
/// One curve's peak, judged twice: by the descriptive ratio criterion (<see cref="Ratio"/>) and against the noise
/// (<see cref="Judged"/>: verdict, noise unit and its source), with the expectation it was judged against.
/// </summary>
/// <param name="IsPeak">The ratio criterion's prominence reaches peak_prominence.</param>
/// <param name="NearThreshold">The ratio peak's width is within near_factor of h*.</param>
/// <param name="SameWidth">The ratio peak is the noise criterion's candidate (the grid's maximum beyond the first width).</param>
/// <param name="Verdict">The verdict the report prints: <see cref="PeakResult.Verdict"/> of <see cref="Judged"/>, made
/// inconclusive where the values that decide it are flagged or within their estimator's standard error
/// (<see cref="DoubleDescentFindings.Peak"/>).</param>
/// <param name="LeftOut">Widths of the curve left out of the noise test: with several seeds, those with fewer than two seeds in the curve.</param>
internal sealed record PeakFinding(SeededSeries Curve, SeriesPeak Ratio, PeakResult Judged, bool ExpectPeak,
    bool IsPeak, bool NearThreshold, bool SameWidth, Verdict Verdict, IReadOnlyList<int> LeftOut)
{
    /// <summary>A peak near the threshold that survives the noise (and every flag) where the paper expects one.</summary>
    public bool AsThePaperFinds => Verdict.Outcome == VerdictOutcome.Agrees && Judged.Found && SameWidth && NearThreshold && ExpectPeak;
}

/// <summary>The smoother's p at one noise level: the reliable widths' curves, the growth of p_train and the p_test peak.</summary>
/// <param name="StepsUp">Steps up the grid that do not decrease p_train by more than the tolerance.</param>
/// <param name="Drops">Grid indices i where p_train falls from i − 1 to i by more than the tolerances.</param>
/// <param name="DropTrainMse">Mean train MSE of the same networks (reliable, in the curve), for the drops' context.</param>
/// <param name="DropsWithWorseFit">Drops at which the wider networks also end with a higher mean train MSE.</param>
/// <param name="BeyondThreshold">Grid indices beyond h*.</param>
/// <param name="BenignBeyond">Indices beyond h* with mean p_test below mean p_train (benign overfitting, docs/method.md §5.1).</param>
/// <param name="Trusted">Networks in the curve whose final smoother p is trustworthy by the comparison with p_net.</param>
/// <param name="Rated">Networks in the curve whose smoother p was compared with p_net at all (0 without p_net).</param>
internal sealed record SmootherPFindings(SeededSeries PTrain, SeededSeries PTest, int StepsUp, int Steps,
    IReadOnlyList<int> Drops, SeededSeries DropTrainMse, int DropsWithWorseFit, TrendResult PTrainTrend, PeakFinding PTestPeak,
    IReadOnlyList<int> BeyondThreshold, int BenignBeyond, int Trusted, int Rated);

/// <summary>The network's own p_net (retraining) at one noise level, over the networks in the curve that have it.</summary>
/// <param name="BenignBeyond">Networks beyond h* whose p_net_test is below their p_net_train.</param>
internal sealed record NetworkPFindings(IReadOnlyList<WidthRun> Networks, SeededSeries Train, SeededSeries Test,
    IReadOnlyList<WidthRun> Linear, TrendResult TrainTrend, PeakFinding TestPeak, IReadOnlyList<WidthRun> BeyondThreshold,
    int BenignBeyond, IReadOnlyList<WidthRun> SmootherUnreliable);

/// <summary>Everything judged at one label-noise level.</summary>
/// <param name="Unreliable">Networks in the curve whose smoother p is flagged (empty without a smoother).</param>
/// <param name="P">The smoother's p findings; null without a smoother or with fewer than three reliable widths.</param>
/// <param name="Net">The p_net findings; null when no network in the curve has p_net.</param>
internal sealed record NoiseLevelFindings(double Noise, PeakFinding TestMse, int? InterpolationWidth,
    SeriesPeak PTestRatio, IReadOnlyList<WidthRun> Unreliable, SmootherPFindings? P, NetworkPFindings? Net);

/// <summary>
/// The analysis step of double descent: from the sub-runs' results (one network per noise level × width × seed) to
/// the curves and verdicts, without any text. Networks that hit the step cap or fit worse than a narrower one
/// (optimization failures) are not part of the curves; with several seeds a curve's value at a width is the mean
/// over the seeds in the curve and its noise the seed spread.
/// </summary>
/// <param name="runs">The networks (no pair sub-runs).</param>
/// <param name="settings">The limits and verdict criteria the findings are judged with, and the smoother.</param>
/// <param name="bound">The surrogate's stability bound (docs/method.md §5.3), part of whether the smoother's p is trustworthy; null when λ was not measured.</param>
internal sealed partial class DoubleDescentFindings(IReadOnlyList<WidthRun> runs, int trainCount, int featureCount, DoubleDescentSettings settings,
    StabilityBound? bound = null)
{
    public IReadOnlyList<WidthRun> Runs { get; } = runs;
    public int TrainCount => trainCount;
    public DoubleDescentSettings Settings { get; } = settings;
    public IReadOnlyList<double> Noises { get; } = runs.Select(r => r.LabelNoise).Distinct().ToList();
    public IReadOnlyList<long> Seeds { get; } = runs.Select(r => r.Seed).Distinct().ToList();
    public bool Seeded => Seeds.Count > 1;
    public double ThresholdWidth => DoubleDescentAnalysis.ThresholdWidth(trainCount, featureCount);
    /// <summary>The findings per noise level, in the order the noise levels first appear.</summary>
    public IReadOnlyList<NoiseLevelFindings> Levels => _levels ??= Noises.Select(Level).ToList();
    private List<NoiseLevelFindings>? _levels;
    /// <summary>Optimization failures and the narrower network of the same sweep each fits worse than.</summary>
    public IReadOnlyDictionary<WidthRun, WidthRun> WorseThan { get; } = WorseFits(runs, settings.WorseFitTolerance);
    /// <summary>The fewest, most and median steps the networks trained.</summary>
    public (double Min, double Max, double Median) StepRange =>
        (Runs.Min(r => (double)r.Steps), Runs.Max(r => (double)r.Steps), Median(Runs.Select(r => (double)r.Steps)));
    /// <summary>The network with the largest |f̂ − f| on the test probes and the median of that gap over all networks (null without a smoother).</summary>
    public (WidthRun Worst, double Median)? TestFidelity => Runs.Where(r => r.TestFidelity is not null).ToList() is { Count: > 0 } gaps
        ? (gaps.MaxBy(r => r.TestFidelity!.SurrogateVsNetwork)!, Median(gaps.Select(r => r.TestFidelity!.SurrogateVsNetwork)))
        : null;

    /// <summary>Per sweep (noise level, seed), each optimization failure and the narrower network it fits worse than.</summary>
    private static Dictionary<WidthRun, WidthRun> WorseFits(IReadOnlyList<WidthRun> runs, double tolerance)
    {
        var worseThan = new Dictionary<WidthRun, WidthRun>();
        foreach (var sweep in runs.GroupBy(r => (r.LabelNoise, r.Seed)))
        {
            var ordered = sweep.OrderBy(r => r.Width).ToList();
            foreach (var (i, j) in DoubleDescentAnalysis.WorseFitThanNarrower(ordered.Select(r => r.Final.TrainMse).ToList(), tolerance))
                worseThan[ordered[i]] = ordered[j];
        }
        return worseThan;
    }

    /// <summary>Part of the curve: converged (not capped) and no optimization failure.</summary>
    public bool InCurve(WidthRun r) => !r.Capped && !WorseThan.ContainsKey(r);

    /// <summary>
    /// p describes the network only while the surrogate stays close to it. With Adam the surrogate freezes the
    /// realized preconditioner, which becomes huge once the network interpolates (tiny gradients); fed its own
    /// residuals, the surrogate can then diverge. Such widths are flagged and left out of the p findings.
    /// </summary>
    /// <remarks>
    /// The fidelity gap tests the surrogate only along V = Y; other label directions can blow up while it stays
    /// small, so p_train far above n (the value of an interpolating least-squares smoother) is flagged too.
    /// </remarks>
    public bool Reliable(WidthRun r) => r.TrainFidelity is { } f && double.IsFinite(f.SurrogateVsNetwork) && f.SurrogateVsNetwork <= Settings.FidelityLimit
        && double.IsFinite(r.Final.PTrain.Value) && double.IsFinite(r.Final.PTest.Value)
        && r.Final.PTrain.Value <= Settings.PTrainLimit * TrainCount;

    /// <summary>In the curve and with a reliable smoother p.</summary>
    public bool Usable(WidthRun r) => InCurve(r) && Reliable(r);

    /// <summary>The networks of one noise level, by width, then seed.</summary>
    public List<WidthRun> Sweep(double noise) => Runs.Where(r => r.LabelNoise == noise).OrderBy(r => r.Width).ThenBy(r => r.Seed).ToList();

    /// <summary>
    /// A curve over width: at each width the values of the networks that <paramref name="include"/> admits (one per
    /// seed); widths with no admitted network are left out.
    /// </summary>
    public SeededSeries Curve(double noise, Func<WidthRun, double> value, Func<WidthRun, bool> include) =>
        DoubleDescentAnalysis.Curve(Sweep(noise).Select(r => include(r) ? (r.Width, value(r), true) : (r.Width, double.NaN, false)));

    /// <summary>The last sensitivity point with a p_net on the training set.</summary>
    public static SensitivityPoint? Net(WidthRun r) => r.Sensitivity.LastOrDefault(p => p.Train is not null);

    /// <summary>The first logged step at which the smoother's p_train exceeds p_train_limit·n (or p is not finite).</summary>
    public DoubleDescentPoint? FirstBlowUp(WidthRun r) => !Settings.HasSmoother ? null
        : r.Points.FirstOrDefault(p => p.Step > 0 && !(p.PTrain.Value <= Settings.PTrainLimit * TrainCount && double.IsFinite(p.PTest.Value)));

    public static SeriesPeak Ratio(SeededSeries curve) =>
        curve.Count == 0 ? new SeriesPeak(0, 0, double.NaN, 0) : DoubleDescentAnalysis.Peak(WidthsOf(curve), curve.Means);

    public static List<int> WidthsOf(SeededSeries series) => series.X.Select(x => (int)x).ToList();

    /// <summary>
    /// Both peak criteria on one curve. The ratio criterion picks the most prominent interior bump of the means
    /// (descriptive); the noise criterion only accepts the grid's maximum beyond its first point, and only when it
    /// stands out of the noise (the seed spread with several seeds — widths with fewer than two seeds in the curve
    /// left out —, the curve's roughness with one). With <paramref name="flags"/> the verdict is inconclusive where
    /// the report flags the values that decide it, or where the estimator's standard error reaches the margin
    /// (<see cref="PeakCaveats"/>).
    /// </summary>
    /// <param name="members">The networks in the curve (needed with <paramref name="flags"/>).</param>
    public PeakFinding Peak(SeededSeries curve, bool expectPeak, IReadOnlyList<WidthRun>? members = null, CurveFlags? flags = null)
    {
        var ratio = Ratio(curve);
        var (judgedCurve, leftOut) = NoiseCurve(curve);
        var judged = PeakCheck.Find(judgedCurve, Settings.Verdicts, expectPeak, "width");
        bool sameWidth = curve.Count > 0 && judgedCurve.Count > 0 && double.IsFinite(judged.X) && (int)judged.X == ratio.Width;
        var (reasons, note) = flags is not null && members is not null && judgedCurve.Count > 0
            ? PeakCaveats(judgedCurve, judged, members, flags) : ([], null);
        var verdict = Downgrade(judged.Verdict, reasons);
        if (note is not null) verdict = verdict with { Statement = $"{verdict.Statement}; {note}" };
        // The paper's peak is near the threshold: a peak elsewhere does not support it.
        if (expectPeak && verdict.Outcome == VerdictOutcome.Agrees && !DoubleDescentAnalysis.IsNearThreshold((int)judged.X, ThresholdWidth, Settings.NearFactor))
            verdict = new Verdict(VerdictOutcome.Inconclusive, $"{verdict.Statement}; but that peak is NOT within {F(Settings.NearFactor)}× of h* = {F(ThresholdWidth)} (near_factor)");
        if (leftOut.Count > 0)
            verdict = verdict with { Statement = $"width(s) {string.Join(", ", leftOut)} left out of the noise test (fewer than two seeds in the curve there); {verdict.Statement}" };
        return new PeakFinding(curve, ratio, judged, expectPeak, ratio.IsPeak(Settings.PeakProminence),
            DoubleDescentAnalysis.IsNearThreshold(ratio.Width, ThresholdWidth, Settings.NearFactor), sameWidth, verdict, leftOut);
    }

    private NoiseLevelFindings Level(double noise)
    {
        var trainCurve = Curve(noise, r => r.Final.TrainMse, InCurve);
        bool smoother = Settings.HasSmoother;
        return new NoiseLevelFindings(noise, Peak(Curve(noise, r => r.Final.TestMse, InCurve), expectPeak: noise > 0),
            DoubleDescentAnalysis.InterpolationWidth(WidthsOf(trainCurve), trainCurve.Means, Settings.InterpolationTolerance),
            Ratio(Curve(noise, r => r.Final.PTest.Value, Usable)), smoother ? Sweep(noise).Where(r => InCurve(r) && !Reliable(r)).ToList() : [],
            smoother ? SmootherP(noise) : null, NetworkP(noise));
    }

    private SmootherPFindings? SmootherP(double noise)
    {
        var members = Sweep(noise).Where(Usable).ToList();
        var pTrain = Curve(noise, r => r.Final.PTrain.Value, Usable);
        var pTest = Curve(noise, r => r.Final.PTest.Value, Usable);
        if (pTrain.Count < 3) return null;
        // Descriptive step count; the verdict is the slope test. Tolerance: two standard errors of each mean (the
        // Hutchinson SE with one seed, sd/√seeds with several).
        var tolerance = Enumerable.Range(0, pTrain.Count).Select(i => 2 * (pTrain.SeedCount >= 2
            ? pTrain.Sds[i] / Math.Sqrt(pTrain.Samples[i].Length)
            : Sweep(noise).Where(r => Usable(r) && r.Width == (int)pTrain.X[i]).Select(r => r.Final.PTrain.StandardError).DefaultIfEmpty(0).Average())).ToList();
        var (up, steps) = DoubleDescentAnalysis.Growth(pTrain.Means, tolerance);
        var drops = Enumerable.Range(1, pTrain.Count - 1).Where(i => pTrain.Means[i] < pTrain.Means[i - 1] - (tolerance[i] + tolerance[i - 1])).ToList();
        var dropTrainMse = Curve(noise, r => r.Final.TrainMse, Usable);
        var beyond = Enumerable.Range(0, pTrain.Count).Where(i => pTrain.X[i] > ThresholdWidth).ToList();
        return new SmootherPFindings(pTrain, pTest, up, steps, drops, dropTrainMse,
            drops.Count(i => dropTrainMse.Means[i] > dropTrainMse.Means[i - 1]),
            Trend(pTrain, members, SmootherFlags(null)),
            Peak(pTest, expectPeak: true, members, SmootherFlags(r => r.Final.PTest.StandardError)),
            beyond, beyond.Count(i => pTest.Means[i] < pTrain.Means[i]),
            members.Count(r => SmootherTrusted(r) == true), members.Count(r => SmootherTrusted(r) is not null));
    }

    private NetworkPFindings? NetworkP(double noise)
    {
        var networks = Sweep(noise).Where(r => InCurve(r) && Net(r) is { Train: not null, Test: not null }).ToList();
        if (networks.Count == 0) return null;
        var train = Curve(noise, r => Net(r)!.Train!.Value, networks.Contains);
        var test = Curve(noise, r => Net(r)!.Test!.Value, networks.Contains);
        var beyond = networks.Where(r => r.Width > ThresholdWidth).ToList();
        return new NetworkPFindings(networks, train, test,
            networks.Where(r => Net(r) is { Train.IsLinear: true, Test.IsLinear: true }).ToList(),
            Trend(train, networks, new CurveFlags("the p_net_train response is not linear at σ (a finite-σ response, not a measurement)", r => Net(r)!.Train!.IsLinear == false)),
            Peak(test, expectPeak: true, networks, new CurveFlags("the p_net_test response is not linear at σ (a finite-σ, floor-dominated response, not a measurement)",
                r => Net(r)!.Test!.IsLinear == false, r => Net(r)!.Test!.StandardError)),
            beyond, beyond.Count(r => Net(r)!.Test!.Value < Net(r)!.Train!.Value),
            Settings.HasSmoother ? networks.Where(r => !Reliable(r)).ToList() : []);
    }

    /// <summary>
    /// The verdicts report.md prints, as findings.json entries, in report order: per label-noise level the test-MSE peak
    /// (or its absence without noise), and where measured the smoother's and the network's p_train trend and p_test peak.
    /// The claims are the paper's (Fig. 3); each verdict is the one the report prints, flags and exclusions included.
    /// </summary>
    public IEnumerable<RunFinding> RunFindings()
    {
        string seeds = Seeded ? $"seeds {string.Join(", ", Seeds)}" : "one seed";
        foreach (var level in Levels)
        {
            int left = Sweep(level.Noise).Count(r => !InCurve(r));
            string where = $"label noise {NoiseName(level.Noise)}, {seeds}" + (left > 0 ? $" ({left} capped or failed network(s) left out)" : "");
            if (level.TestMse.Curve.Count > 0)
                yield return level.Noise > 0
                    ? new("double_descent_test_mse_peak",
                        "With label noise the test MSE peaks near the interpolation threshold and falls beyond it (paper Fig. 3).", where, level.TestMse.Verdict)
                    : new("double_descent_no_peak_without_noise", "Without label noise the test MSE has no peak over width (paper Fig. 3).",
                        where, level.TestMse.Verdict);
            if (level.P is { } p)
            {
                string smoother = $"{where}, smoother p (reliable networks only)";
                yield return new("double_descent_p_train_grows", "The smoother's p_train grows with width (paper Fig. 3).", smoother, p.PTrainTrend.Verdict);
                yield return new("double_descent_p_test_peak", "The smoother's p_test peaks near the interpolation threshold and falls beyond it (paper Fig. 3).",
                    smoother, p.PTestPeak.Verdict);
            }
            if (level.Net is { } net)
            {
                string retraining = $"{where}, p_net (retraining)";
                yield return new("double_descent_p_net_train_grows", "p_train grows with width (paper Fig. 3), here the network's own p_net_train by retraining.",
                    retraining, net.TrainTrend.Verdict);
                yield return new("double_descent_p_net_test_peak",
                    "p_test peaks near the interpolation threshold and falls beyond it (paper Fig. 3), here the network's own p_net_test by retraining.",
                    retraining, net.TestPeak.Verdict);
            }
        }
    }

    /// <summary>A label-noise level as summary.json's peaks and findings.json's places name it.</summary>
    public static string NoiseName(double noise) => noise.ToString("G4", CultureInfo.InvariantCulture);

    /// <summary>The median (mean of the middle two for an even count).</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
