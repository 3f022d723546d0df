using Telescope.Spectrum;

namespace Telescope.Recipes.Grokking;

/// <summary>
/// One log of the tangent kernel's spectrum on the probes (docs/method.md §11): the top-k eigenvalues of the
/// training-probe kernel, the kernel-target alignment yᵀKy / (‖K‖_F‖y‖²) on the training and the test probes (each
/// with its own kernel), the share of the training target's energy in the top-k eigendirections, and the rotation
/// of that eigenspace since the previous log (null at the first). JSON-serializable (checkpoints, shard files).
/// </summary>
internal sealed record GrokkingSpectrumPoint(int Step, double[] Eigenvalues, double TrainAlignment, double TestAlignment,
    double EnergyShare, double? Rotation);

/// <summary>
/// The spectrum view both grokking recipes add when <c>spectrum_probes</c> &gt; 0: the engine's
/// <see cref="KernelSpectrumTracker"/> on the first training and test inputs, always with the explicit kernel of the
/// MLP (<see cref="MlpTangentKernel"/>) and eigh, so every logged number is exact (no Lanczos or Hutchinson noise in
/// the alignment the verdicts time), plus its metrics.csv columns.
/// </summary>
internal static class GrokkingSpectrum
{
    /// <summary>The metrics.csv columns the spectrum adds (none when it is off, so metrics.csv keeps its bytes).</summary>
    public static string[] Columns(GrokkingSettings s) => s.UseSpectrum
        ? ["kernel_lambda_1", "kernel_lambda_k", "alignment_train", "alignment_test", "energy_top_k", "rotation"]
        : [];

    /// <summary>The row values of <see cref="Columns"/> at <paramref name="step"/> (none when the spectrum is off).</summary>
    public static double?[] Values(GrokkingSettings s, GrokkingRun run, int step)
    {
        if (!s.UseSpectrum) return [];
        var p = run.Spectrum.FirstOrDefault(x => x.Step == step);
        return p is null ? [null, null, null, null, null, null]
            : [p.Eigenvalues[0], p.Eigenvalues[^1], p.TrainAlignment, p.TestAlignment, p.EnergyShare, p.Rotation];
    }

    /// <summary>The summary.json entry with the spectrum's final values and cost added (unchanged when the spectrum is off).</summary>
    public static Dictionary<string, object?> WithSpectrum(this Dictionary<string, object?> entry, GrokkingSettings s, GrokkingRun r)
    {
        if (!s.UseSpectrum || r.Spectrum.Count == 0) return entry;
        var last = r.Spectrum[^1];
        entry["kernel_lambda_1_final"] = last.Eigenvalues[0];
        entry["alignment_train_initial"] = r.Spectrum[0].TrainAlignment;
        entry["alignment_train_final"] = last.TrainAlignment;
        entry["alignment_test_initial"] = r.Spectrum[0].TestAlignment;
        entry["alignment_test_final"] = last.TestAlignment;
        entry["alignment_test_max"] = r.Spectrum.Max(p => p.TestAlignment);
        entry["spectrum_seconds"] = Math.Round(r.SpectrumTime.TotalSeconds, 1);
        return entry;
    }

    /// <summary>How many probes of each set the tracker uses: spectrum_probes, at most the set sizes.</summary>
    public static int ProbeCount(GrokkingSettings s, long trainCount, long testCount) =>
        (int)Math.Min(s.SpectrumProbes, Math.Min(trainCount, testCount));

    /// <summary>The tracker on the first probes of each set (null when the spectrum is off).</summary>
    /// <param name="train">Training inputs and targets [n, k] (one-hot classes, or the regression labels).</param>
    /// <param name="seed">The tracker's seed (unused by the exact method; stored for a switch to Lanczos).</param>
    public static KernelSpectrumTracker? Create(GrokkingSettings s, Mlp network, (Tensor Inputs, Tensor Targets) train,
        (Tensor Inputs, Tensor Targets) test, int seed)
    {
        if (!s.UseSpectrum) return null;
        int n = ProbeCount(s, train.Inputs.shape[0], test.Inputs.shape[0]);
        long outputs = train.Targets.shape[1];
        if (s.SpectrumTopK > n * outputs)
            throw new TelescopeException($"{GrokkingSettings.SpectrumTopKName} = {s.SpectrumTopK} exceeds the kernel's size n·k = {n * outputs} ({n} probes × {outputs} outputs).")
            { Hint = $"Lower {GrokkingSettings.SpectrumTopKName} or raise {GrokkingSettings.SpectrumProbesName}." };
        return new KernelSpectrumTracker(network,
            new KernelProbes(train.Inputs.narrow(0, 0, n), train.Targets.narrow(0, 0, n)),
            new KernelProbes(test.Inputs.narrow(0, 0, n), test.Targets.narrow(0, 0, n)),
            new KernelSpectrumOptions { TopK = s.SpectrumTopK, Method = KernelSpectrumMethod.Exact, Seed = seed },
            kernelEngine: new MlpTangentKernel(network));
    }
}
