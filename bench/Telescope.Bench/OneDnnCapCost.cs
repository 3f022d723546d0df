using System.Diagnostics;
using System.Globalization;
using System.Reflection;

namespace Telescope.Bench;

/// <summary>
/// What the oneDNN instruction-set cap (docs/numerics.md) costs: the ResNet-20 (w = 16) training step measured in
/// child processes of this benchmark, because oneDNN fixes its kernels when a process creates its first primitive.
/// "With" is the process as Telescope configures it; "without" sets ONEDNN_MAX_CPU_ISA=ALL, which Telescope respects
/// as the user's choice, so oneDNN takes the best kernels the CPU has. The two alternate, so both see the same load.
/// On a CPU without AVX-512 the cap is not applied and both sides run the same kernels (the ratio then shows noise).
/// </summary>
public static class OneDnnCapCost
{
    /// <summary>The child's flag: measure <c>N</c> ResNet steps, print the median ms per step, exit.</summary>
    public const string ChildFlag = "--resnet-step-only";

    public static Dictionary<string, object> Run(int steps, int rounds, int threads, Action<string> log)
    {
        var with = new List<double>();
        var without = new List<double>();
        for (int round = 0; round < rounds; round++)
        {
            log($"oneDNN cap cost, round {round + 1}/{rounds}: ResNet-20 step in a child process as configured, then with ONEDNN_MAX_CPU_ISA=ALL");
            with.Add(Child(steps, threads, isa: null));
            without.Add(Child(steps, threads, isa: "ALL"));
        }
        double medianWith = Median(with), medianWithout = Median(without);
        return new Dictionary<string, object>
        {
            ["onednn_cap_how"] = $"{rounds} alternating rounds, each a child process timing {steps} ResNet-20 (w = 16) training steps at batch 128 (median of 3 after 1 warm-up)",
            ["onednn_cap_this_cpu"] = TorchRuntime.ConvolutionIsa.Describe(),
            ["resnet20_step_ms_as_configured"] = with.Select(v => Math.Round(v, 1)).ToArray(),
            ["resnet20_step_ms_onednn_uncapped"] = without.Select(v => Math.Round(v, 1)).ToArray(),
            ["ratio_resnet20_step_configured_to_uncapped"] = Math.Round(medianWith / medianWithout, 3),
        };
    }

    private static double Child(int steps, int threads, string? isa)
    {
        string self = Environment.ProcessPath ?? throw new InvalidOperationException("No process path.");
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        foreach (string a in new[] { ChildFlag, steps.ToString(CultureInfo.InvariantCulture), "--threads", threads.ToString(CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(a);
        start.Environment.Remove(TorchRuntime.OneDnnIsaVariable);
        start.Environment.Remove(TorchRuntime.LegacyOneDnnIsaVariable);
        if (isa is not null) start.Environment[TorchRuntime.OneDnnIsaVariable] = isa;
        using var process = Process.Start(start)!;
        string stdout = process.StandardOutput.ReadToEnd();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"The child benchmark failed ({process.ExitCode}): {stderr}");
        return double.Parse(stdout.Trim(), CultureInfo.InvariantCulture);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
