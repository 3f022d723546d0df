using static TorchSharp.torch;

namespace Telescope.Spectrum;

/// <summary>A probe set for the spectrum tracker: inputs X [n, …] and targets Y [n, k] (or [n] for k = 1), e.g. one-hot classes.</summary>
public sealed record KernelProbes(Tensor Inputs, Tensor Targets);

/// <summary>One log of <see cref="KernelSpectrumTracker"/> (docs/method.md §11).</summary>
public sealed record KernelSpectrumLog
{
    public required int Step { get; init; }
    /// <summary>The method actually used (Auto resolved).</summary>
    public required KernelSpectrumMethod Method { get; init; }
    /// <summary>λ_1 ≥ … ≥ λ_k of the train-probe kernel K = J Jᵀ.</summary>
    public required double[] Eigenvalues { get; init; }
    /// <summary>‖K u_i − λ_i u_i‖ per pair (0 for the exact method, and for Lanczos spanning the space).</summary>
    public required double[] Residuals { get; init; }
    /// <summary>‖K‖_F on the train probes.</summary>
    public required double FrobeniusNorm { get; init; }
    /// <summary>Whether <see cref="FrobeniusNorm"/> is exact (else a Hutchinson estimate).</summary>
    public required bool FrobeniusExact { get; init; }
    /// <summary>yᵀKy / (‖K‖_F ‖y‖²) on the train probes.</summary>
    public required double TrainAlignment { get; init; }
    /// <summary>The same on the test probes (their own kernel); null without test probes.</summary>
    public double? TestAlignment { get; init; }
    /// <summary>Whether the test alignment's ‖K‖_F is exact.</summary>
    public bool? TestFrobeniusExact { get; init; }
    /// <summary>
    /// (Py)ᵀ K (Py) / (‖P K P‖_F ‖Py‖²) on the train probes, P removing each probe's mean output (§11.3); null unless
    /// <see cref="KernelSpectrumOptions.OutputCentered"/>. ‖P K P‖_F is exact for the exact method, Hutchinson's estimate for Lanczos.
    /// </summary>
    public double? TrainAlignmentCentered { get; init; }
    /// <summary>The same on the test probes (their own kernel); null without test probes or without the option.</summary>
    public double? TestAlignmentCentered { get; init; }
    /// <summary>‖U_kᵀ y‖² / ‖y‖² on the train probes.</summary>
    public required double TopKEnergyShare { get; init; }
    /// <summary>‖U_tᵀ U_{t−1}‖_F² / k against the previous log; null at the first.</summary>
    public double? SubspaceOverlap { get; init; }
    /// <summary>1 − <see cref="SubspaceOverlap"/>: 0 when the top-k eigenspace did not move.</summary>
    public double? Rotation => SubspaceOverlap is double o ? 1 - o : null;
}
