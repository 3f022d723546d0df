using Telescope.Autodiff;
using Telescope.LinearAlgebra;
using Telescope.Optim;
using Telescope.Telescoping;
using static TorchSharp.torch;

namespace Telescope.Bench;

/// <summary>
/// The forward-mode JVP over the probe inputs, the tracked SGD step and the trace tangent kernel, each on the
/// LibTorch and the OpenBLAS GEMM path, alternating (docs/performance.md §3). The paths are set with
/// <see cref="GemmChoice.Scope"/>, so the process's own choice is untouched.
/// </summary>
public static class GemmPathBench
{
    /// <summary>Only the JVP on each path (bench/compare-pytorch.sh alternates this with Debian PyTorch's functorch.jvp).</summary>
    public static Dictionary<string, object> JvpOnly(ForwardModeJvp engine, Tensor probeInputs, IReadOnlyList<Tensor> tangent)
    {
        var report = new Dictionary<string, object> { ["gemm_choice"] = GemmChoice.Current.Description };
        var paths = GemmChoice.LoadedOpenBlas(out _) is null ? new[] { GemmPath.LibTorch } : [GemmPath.LibTorch, GemmPath.OpenBlas];
        var samples = paths.ToDictionary(p => p, _ => new List<double>());
        for (int round = -3; round < 15; round++)   // three warm-up rounds, then fifteen alternating
            foreach (var path in paths)
            {
                long start = System.Diagnostics.Stopwatch.GetTimestamp();
                using (GemmChoice.Scope(path)) engine.Compute(probeInputs, [tangent]).Dispose();
                if (round >= 0) samples[path].Add(System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        foreach (var (path, list) in samples)
        {
            list.Sort();
            string name = path == GemmPath.OpenBlas ? "openblas" : "libtorch";
            report[$"jvp_forward_mode_ms_{name}"] = Math.Round(list[list.Count / 2], 3);
            report[$"jvp_forward_mode_min_max_ms_{name}"] = new[] { Math.Round(list[0], 3), Math.Round(list[^1], 3) };
        }
        return report;
    }

    public static Dictionary<string, object> Run(ForwardModeJvp engine, MlpTangentKernel kernel, Tensor probeInputs, Tensor kernelInputs,
        IReadOnlyList<Tensor> tangent, IExactOptimizer optimizer, Action<int> backward, int steps, Action<string> log)
    {
        var report = new Dictionary<string, object> { ["gemm_choice"] = GemmChoice.Current.Description };
        if (GemmChoice.LoadedOpenBlas(out string failure) is null)
        {
            report["gemm_paths"] = $"OpenBLAS not loaded ({failure}): only LibTorch measured";
            return report;
        }
        Action On(GemmPath path, Action action) => () => { using (GemmChoice.Scope(path)) action(); };

        log("JVP, tracked step and trace kernel on each GEMM path, alternating");
        var (jvpTorch, jvpBlas) = Measurement.TimeAlternating(
            "jvp_libtorch", On(GemmPath.LibTorch, () => engine.Compute(probeInputs, [tangent]).Dispose()),
            "jvp_openblas", On(GemmPath.OpenBlas, () => engine.Compute(probeInputs, [tangent]).Dispose()), warmup: 3, repetitions: 15);
        var options = new TelescopingOptions { TrackLinearized = false };
        void Tracked()
        {
            using var tracker = new TelescopingTracker(engine, [new TrackedSet("probe", probeInputs)], options);
            for (int t = 0; t < steps; t++) { backward(t); tracker.Step(optimizer).Dispose(); }
        }
        var (trackedTorch, trackedBlas) = Measurement.TimeAlternating(
            "tracked_step_libtorch", On(GemmPath.LibTorch, Tracked), "tracked_step_openblas", On(GemmPath.OpenBlas, Tracked), warmup: 1, repetitions: 5);
        var (kernelTorch, kernelBlas) = Measurement.TimeAlternating(
            "kernel_trace_libtorch", On(GemmPath.LibTorch, () => kernel.Compute(probeInputs, kernelInputs, KernelOutputMode.Trace).Dispose()),
            "kernel_trace_openblas", On(GemmPath.OpenBlas, () => kernel.Compute(probeInputs, kernelInputs, KernelOutputMode.Trace).Dispose()),
            warmup: 1, repetitions: 7);

        double Round(double v) => Math.Round(v, 4);
        report["jvp_forward_mode_ms_libtorch"] = Round(jvpTorch.MedianMs);
        report["jvp_forward_mode_ms_openblas"] = Round(jvpBlas.MedianMs);
        report["tracked_step_ms_libtorch"] = Round(trackedTorch.MedianMs / steps);
        report["tracked_step_ms_openblas"] = Round(trackedBlas.MedianMs / steps);
        report["kernel_trace_1000x128_ms_libtorch"] = Round(kernelTorch.MedianMs);
        report["kernel_trace_1000x128_ms_openblas"] = Round(kernelBlas.MedianMs);
        report["spread_ms_gemm_paths"] = new[] { jvpTorch, jvpBlas, trackedTorch, trackedBlas, kernelTorch, kernelBlas }
            .ToDictionary(m => m.Name, m => new { median = Round(m.MedianMs), min = Round(m.MinMs), max = Round(m.MaxMs), repetitions = m.Repetitions });
        return report;
    }
}
