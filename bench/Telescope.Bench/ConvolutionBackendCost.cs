using System.Diagnostics;
using System.Globalization;
using System.Reflection;

namespace Telescope.Bench;

/// <summary>
/// What the convolution backend (docs/numerics.md) costs: the ResNet-20 (w = 16) training step measured in child
/// processes of this benchmark (the backend is a process-wide choice), once with TELESCOPE_CONVOLUTION=native and once
/// with onednn (the speed only: on AVX-512 CPUs oneDNN's gradients are wrong, so the oneDNN child times corrupted
/// training). The two alternate, so both see the same load. Which one Telescope picks on this CPU is printed beside.
/// </summary>
public static class ConvolutionBackendCost
{
    /// <summary>The child's flag: measure <c>N</c> ResNet steps, print the median ms per step, exit.</summary>
    public const string ChildFlag = "--resnet-step-only";

    public static Dictionary<string, object> Run(int steps, int rounds, int threads, Action<string> log)
    {
        var native = new List<double>();
        var oneDnn = new List<double>();
        string? oneDnnRefused = null;
        for (int round = 0; round < rounds; round++)
        {
            log($"convolution backend cost, round {round + 1}/{rounds}: ResNet-20 step in a child process with native convolutions, then with oneDNN");
            native.Add(Child(steps, threads, "native") ?? throw new InvalidOperationException("The native-convolution child was refused."));
            if (oneDnnRefused is null && Child(steps, threads, "onednn", e => oneDnnRefused = e) is { } ms) oneDnn.Add(ms);
        }
        var report = new Dictionary<string, object>
        {
            ["convolution_backend_how"] = $"{rounds} alternating rounds, each a child process timing {steps} ResNet-20 (w = 16) training steps at batch 128 (median of 3 after 1 warm-up)",
            ["convolution_backend_this_cpu"] = TorchRuntime.Convolutions.Describe(),
            ["resnet20_step_ms_native"] = native.Select(v => Math.Round(v, 1)).ToArray(),
        };
        if (oneDnnRefused is not null) report["resnet20_step_onednn"] = $"refused: {oneDnnRefused}";
        else
        {
            report["resnet20_step_ms_onednn"] = oneDnn.Select(v => Math.Round(v, 1)).ToArray();
            report["ratio_resnet20_step_native_to_onednn"] = Math.Round(Median(native) / Median(oneDnn), 3);
        }
        return report;
    }

    /// <summary>The child's ms per step, or null when it refused to train (oneDNN failing the gradient check: <paramref name="refused"/> gets why).</summary>
    private static double? Child(int steps, int threads, string backend, Action<string>? refused = null)
    {
        string self = Environment.ProcessPath ?? throw new InvalidOperationException("No process path.");
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        foreach (string a in new[] { ChildFlag, steps.ToString(CultureInfo.InvariantCulture), "--threads", threads.ToString(CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(a);
        start.Environment[TorchRuntime.ConvolutionBackendVariable] = backend;
        using var process = Process.Start(start)!;
        string stdout = process.StandardOutput.ReadToEnd();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0 && refused is not null && stderr.Contains("convolution gradients are wrong", StringComparison.Ordinal))
        {
            refused(stderr.Split('\n').First(l => l.Contains("convolution gradients are wrong", StringComparison.Ordinal)).Trim());
            return null;
        }
        if (process.ExitCode != 0) throw new InvalidOperationException($"The child benchmark failed ({process.ExitCode}): {stderr}");
        return double.Parse(stdout.Trim(), CultureInfo.InvariantCulture);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
