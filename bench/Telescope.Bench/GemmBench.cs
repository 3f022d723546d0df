using System.Diagnostics;
using Telescope.LinearAlgebra;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Bench;

/// <summary>
/// Square GEMM throughput of every path available on this machine, side by side in one process: LibTorch's
/// <c>mm</c> (as TorchSharp calls it), OpenBLAS through <see cref="Gemm"/>, and BLIS when libblis.so.4 loads.
/// For each (threads, dtype, n) the paths take turns, round after round, so a slow spell of a shared machine falls
/// on all of them; each sample times enough back-to-back products to last ~20 ms. Reports the median and the best
/// sample in GFLOP/s (2n³ flops per product).
/// </summary>
public static class GemmBench
{
    public static Dictionary<string, object> Run(int[] sizes, int[] threadCounts, int rounds, Action<string> log)
    {
        var blis = BlisLibrary.TryLoad();
        string? openBlas = GemmChoice.LoadedOpenBlas(out string openBlasFailure);
        var table = new Dictionary<string, object>();
        var best = new Dictionary<string, double>();
        foreach (int threads in threadCounts)
        {
            torch.set_num_threads(threads);
            blis?.UseThreads(threads);
            foreach (var dtype in new[] { ScalarType.Float32, ScalarType.Float64 })
                foreach (int n in sizes)
                {
                    string key = $"t{threads}_{(dtype == ScalarType.Float32 ? "f32" : "f64")}_n{n}";
                    log($"GEMM {key}");
                    var paths = new List<(string Name, Action<Tensor, Tensor, Tensor> Product)>
                    {
                        ("libtorch", (a, b, _) => a.mm(b).Dispose()),
                    };
                    if (openBlas is not null) paths.Add(("openblas", (a, b, _) => Gemm.MatMul(a, b, GemmPath.OpenBlas).Dispose()));
                    if (blis is not null) paths.Add(("blis", (a, b, c) => Blis(blis, a, b, c)));
                    var row = Measure(n, dtype, paths, rounds);
                    table[key] = row;
                    foreach (var (name, stats) in row) best[$"{key}_{name}"] = stats.Median;
                }
        }
        var report = new Dictionary<string, object>
        {
            ["gemm_openblas"] = openBlas ?? $"not loaded: {openBlasFailure}",
            ["gemm_blis"] = blis?.Build ?? "not loaded (libblis.so.4)",
            ["gemm_gflops"] = table,
        };
        // The issue's criterion: LibTorch's share of the best BLAS at n = 1024 (medians).
        foreach (int threads in threadCounts)
            foreach (string dt in new[] { "f32", "f64" })
            {
                string key = $"t{threads}_{dt}_n1024";
                if (!best.TryGetValue($"{key}_libtorch", out double lt)) continue;
                double top = best.Where(kv => kv.Key.StartsWith(key + "_", StringComparison.Ordinal) && !kv.Key.EndsWith("_libtorch", StringComparison.Ordinal))
                    .Select(kv => kv.Value).DefaultIfEmpty(double.NaN).Max();
                if (!double.IsNaN(top)) report[$"gemm_libtorch_share_of_best_blas_{key}"] = Math.Round(lt / top, 3);
            }
        return report;
    }

    private static Dictionary<string, GemmRate> Measure(int n, ScalarType dtype,
        List<(string Name, Action<Tensor, Tensor, Tensor> Product)> paths, int rounds)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        using var g = new Generator(1);
        var a = torch.randn(n, n, dtype: dtype, generator: g);
        var b = torch.randn(n, n, dtype: dtype, generator: g);
        var c = torch.empty(n, n, dtype: dtype);
        double flops = 2.0 * n * n * n;
        // Products per sample: ~20 ms at 150 GFLOP/s.
        int reps = Math.Max(1, (int)(3e9 / flops));
        var samples = paths.ToDictionary(p => p.Name, _ => new List<double>());
        for (int r = -1; r < rounds; r++)
            foreach (var (name, product) in paths)
            {
                long start = Stopwatch.GetTimestamp();
                for (int i = 0; i < reps; i++) product(a, b, c);
                double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
                if (r >= 0) samples[name].Add(flops * reps / seconds / 1e9);   // r = −1 is the warm-up round
            }
        return samples.ToDictionary(kv => kv.Key, kv =>
        {
            var s = kv.Value.Order().ToArray();
            return new GemmRate(Math.Round(s[s.Length / 2], 1), Math.Round(s[^1], 1));
        });
    }

    /// <summary>GFLOP/s of one path: the median and the best sample.</summary>
    public sealed record GemmRate(double Median, double Best);

    private static unsafe void Blis(BlisLibrary blis, Tensor a, Tensor b, Tensor c)
    {
        int n = (int)a.shape[0];
        if (a.dtype == ScalarType.Float32)
            fixed (byte* pa = a.bytes, pb = b.bytes, pc = c.bytes) blis.Square(n, (float*)pa, (float*)pb, (float*)pc);
        else
            fixed (byte* pa = a.bytes, pb = b.bytes, pc = c.bytes) blis.Square(n, (double*)pa, (double*)pb, (double*)pc);
    }
}
