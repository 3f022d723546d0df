using Telescope.Verdicts;

namespace Telescope.Recipes.GrokkingModular;

/// <summary>
/// The events of one sub-run read off its logged steps (docs/recipes/grokking-modular.md, "Definitions"): when the
/// training set is fitted, when the run groks, when the test accuracy and the test-target alignment have risen half
/// way, and p_net at those moments. An event is only known to lie between the logged step before it and the logged
/// step where it is first seen; the bounds are kept so the verdicts can respect the logging grid.
/// </summary>
internal sealed class ModularEvents
{
    public ModularEvents(ModularRun run, double trainThreshold, double testThreshold, double noiseFactor)
    {
        Run = run;
        var points = run.Points;
        StepFit = points.FirstOrDefault(p => p.TrainAccuracy >= trainThreshold)?.Step;
        if (StepFit is int fit) StepGrok = points.FirstOrDefault(p => p.Step >= fit && p.TestAccuracy >= testThreshold)?.Step;
        TestAccuracyAtFit = StepFit is int f ? points.First(p => p.Step == f).TestAccuracy : null;
        FinalTestAccuracy = points[^1].TestAccuracy;
        AccuracyHalfRise = HalfRise(points.Select(p => (p.Step, (double?)p.TestAccuracy)).ToList());
        Alignment = AlignmentEvents.Of(points.Select(p => (p.Step, p.Spectrum?.TestAlignment)).ToList(), noiseFactor);
        CenteredAlignment = AlignmentEvents.Of(points.Select(p => (p.Step, p.Spectrum?.TestAlignmentCentered)).ToList(), noiseFactor);
        if (StepGrok is int grok)
            PNetAtGrok = points.FirstOrDefault(p => p.Step >= grok && p.Sensitivity?.Train is not null && p.Sensitivity.Test is not null)?.Sensitivity;
        if (StepFit is int fitted)
            PNetAtFit = points.FirstOrDefault(p => p.Step >= fitted && p.Sensitivity?.Train is not null && p.Sensitivity.Test is not null)?.Sensitivity;
        PNetAtEnd = points.LastOrDefault(p => p.Sensitivity?.Train is not null && p.Sensitivity.Test is not null)?.Sensitivity;
    }

    public ModularRun Run { get; }
    /// <summary>First logged step with training accuracy ≥ the threshold (null: never).</summary>
    public int? StepFit { get; }
    /// <summary>First logged step, at or after <see cref="StepFit"/>, with test accuracy ≥ the threshold (null: never).</summary>
    public int? StepGrok { get; }
    public double? TestAccuracyAtFit { get; }
    public double FinalTestAccuracy { get; }
    /// <summary>First logged step where the test accuracy has covered half its rise from step 0 to its maximum.</summary>
    public int? AccuracyHalfRise { get; }
    /// <summary>The test-target alignment's events (null: fewer than three logs).</summary>
    public AlignmentEvents? Alignment { get; }
    /// <summary>The same for the output-centred alignment (null: not logged).</summary>
    public AlignmentEvents? CenteredAlignment { get; }
    public Sensitivity.SensitivityPoint? PNetAtFit { get; }
    public Sensitivity.SensitivityPoint? PNetAtGrok { get; }
    public Sensitivity.SensitivityPoint? PNetAtEnd { get; }

    /// <summary>The grokking delay StepGrok / StepFit (null unless both happened).</summary>
    public double? DelayRatio => StepFit is int f && StepGrok is int g ? g / (double)Math.Max(f, 1) : null;

    /// <summary>
    /// The smallest and largest delay ratio the logging grid allows: grokking happened after the logged step before
    /// StepGrok, fitting after the one before StepFit.
    /// </summary>
    public (double Low, double High)? DelayRange
    {
        get
        {
            if (StepFit is not int f || StepGrok is not int g) return null;
            int grokLow = Previous(g) + 1, fitLow = Previous(f) + 1;
            return (grokLow / (double)Math.Max(f, 1), g / (double)Math.Max(fitLow, 1));
        }
    }

    /// <summary>The logged step before <paramref name="step"/> (0 for the first).</summary>
    public int Previous(int step) => Run.Points.Where(p => p.Step < step).Select(p => p.Step).DefaultIfEmpty(0).Max();

    /// <summary>The first step at which the series has covered half of its rise from its first value to its maximum.</summary>
    public static int? HalfRise(IReadOnlyList<(int Step, double? Value)> series)
    {
        var values = series.Where(v => v.Value is double d && double.IsFinite(d)).Select(v => (v.Step, Value: v.Value!.Value)).ToList();
        if (values.Count == 0) return null;
        double start = values[0].Value, half = start + 0.5 * (values.Max(v => v.Value) - start);
        return values.First(v => v.Value >= half).Step;
    }
}

/// <summary>
/// The rise (or fall) of one test-alignment series of a sub-run, judged against its own roughness (the noise unit of
/// docs/method.md §8), and the logged step at which it has covered half its rise.
/// </summary>
internal sealed record AlignmentEvents(int? HalfRise, double Rise, double Fall, double Noise, bool Rises, bool Falls, double First, double Last,
    IReadOnlyList<(int Step, double Value)> Logged)
{
    /// <summary>Half way from the first value to the maximum: the level the half rise crosses.</summary>
    public double HalfLevel => First + 0.5 * Rise;

    /// <summary>The value at the first logged step at or after <paramref name="step"/> (the last value when none is).</summary>
    public double ValueAt(int step) => Logged.FirstOrDefault(v => v.Step >= step, Logged[^1]).Value;

    /// <summary>The events of the series' logged values (null entries skipped); null with fewer than three.</summary>
    public static AlignmentEvents? Of(IReadOnlyList<(int Step, double? Value)> series, double noiseFactor)
    {
        var logged = series.Where(a => a.Value is not null).ToList();
        if (logged.Count < 3) return null;
        var values = logged.Select(a => a.Value!.Value).ToArray();
        double rise = values.Max() - values[0], fall = values[0] - values[^1], noise = PeakCheck.Roughness(values);
        bool rises = rise > noiseFactor * noise;
        return new AlignmentEvents(ModularEvents.HalfRise(logged), rise, fall, noise, rises, !rises && fall > noiseFactor * noise, values[0], values[^1],
            logged.Select(v => (v.Step, v.Value!.Value)).ToList());
    }
}
