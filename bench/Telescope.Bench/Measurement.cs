using System.Diagnostics;

namespace Telescope.Bench;

/// <summary>
/// Times an action honestly: warm-up runs first (first-touch page faults and lazy initialization are not
/// the steady state), then several measured repetitions, reporting the median and the spread.
/// </summary>
public sealed record Measurement(string Name, double MedianMs, double MinMs, double MaxMs, int Repetitions)
{
    public static Measurement Time(string name, Action action, int warmup = 3, int repetitions = 15)
    {
        for (int i = 0; i < warmup; i++) action();
        var samples = new double[repetitions];
        for (int i = 0; i < repetitions; i++)
        {
            long start = Stopwatch.GetTimestamp();
            action();
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        return Summarize(name, samples);
    }

    /// <summary>
    /// Two actions timed in alternation (a, b, a, b, …) after their warm-ups, so that a slow spell of a shared
    /// machine falls on both rather than on whichever ran second.
    /// </summary>
    public static (Measurement A, Measurement B) TimeAlternating(string nameA, Action a, string nameB, Action b,
        int warmup = 1, int repetitions = 5)
    {
        for (int i = 0; i < warmup; i++) { a(); b(); }
        var samplesA = new double[repetitions];
        var samplesB = new double[repetitions];
        for (int i = 0; i < repetitions; i++)
        {
            long start = Stopwatch.GetTimestamp();
            a();
            samplesA[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            start = Stopwatch.GetTimestamp();
            b();
            samplesB[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        return (Summarize(nameA, samplesA), Summarize(nameB, samplesB));
    }

    private static Measurement Summarize(string name, double[] samples)
    {
        Array.Sort(samples);
        return new Measurement(name, samples[samples.Length / 2], samples[0], samples[^1], samples.Length);
    }
}
