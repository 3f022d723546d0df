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
        Array.Sort(samples);
        return new Measurement(name, samples[repetitions / 2], samples[0], samples[^1], repetitions);
    }
}
