using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Telescope;

public static partial class TorchRuntime
{
    /// <summary>The environment variable oneDNN reads (once, at its first primitive) to cap its instruction set.</summary>
    public const string OneDnnIsaVariable = "ONEDNN_MAX_CPU_ISA";

    /// <summary>oneDNN's older name for the same cap; a value the user set under either name is respected.</summary>
    public const string LegacyOneDnnIsaVariable = "DNNL_MAX_CPU_ISA";

    /// <summary>The cap Telescope applies on CPUs with AVX-512.</summary>
    public const string SafeOneDnnIsa = "AVX2";

    private static readonly Lock ConvolutionGuardLock = new();
    private static ConvolutionIsaChoice? _convolutionIsa;

    /// <summary>
    /// What <see cref="AvoidFaultyConvolutionKernels"/> decided for this process (the decision is made once;
    /// reading this makes it if nobody has yet). Recorded in every run's config.json.
    /// </summary>
    public static ConvolutionIsaChoice ConvolutionIsa
    {
        get
        {
            AvoidFaultyConvolutionKernels();
            return _convolutionIsa!;
        }
    }

    /// <summary>
    /// Caps oneDNN at AVX2 (<c>ONEDNN_MAX_CPU_ISA=AVX2</c>) on CPUs with AVX-512, unless the user set
    /// <c>ONEDNN_MAX_CPU_ISA</c> or <c>DNNL_MAX_CPU_ISA</c>. LibTorch 2.10's oneDNN backward-data convolution on
    /// AVX-512 returns non-finite or wrong input gradients, non-deterministically, when the channel count is not a
    /// multiple of 16 (ResNet-20 at widths 2–8, two stacked 3×3 convolutions with 4–12 channels); with the AVX2
    /// kernels every such case is correct, and capping at any AVX-512 level does not help. See docs/numerics.md.
    /// The cap touches only oneDNN (convolutions, pooling, batch norm); matrix products go through MKL and keep
    /// their AVX-512 kernels. oneDNN reads the variable when it creates its first primitive, so this must run before
    /// the first convolution in the process: <see cref="Configure"/> calls it, and so does this assembly's module
    /// initializer, so a library user who never calls Configure gets it too. Idempotent and thread-safe.
    /// </summary>
    public static void AvoidFaultyConvolutionKernels()
    {
        if (_convolutionIsa is not null) return;
        lock (ConvolutionGuardLock)
        {
            if (_convolutionIsa is not null) return;
            _convolutionIsa = DecideConvolutionIsa();
        }
    }

    private static ConvolutionIsaChoice DecideConvolutionIsa() => ConvolutionIsaChoice.Decide(
        Avx512F.IsSupported,
        Environment.GetEnvironmentVariable(OneDnnIsaVariable) ?? Environment.GetEnvironmentVariable(LegacyOneDnnIsaVariable),
        // setenv, not Environment.SetEnvironmentVariable: the latter does not reach native code on Unix.
        () => (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) && SetEnv(OneDnnIsaVariable, SafeOneDnnIsa, 0) == 0);

#pragma warning disable CA2255 // A library module initializer is deliberate: the cap must precede LibTorch's first convolution.
    [ModuleInitializer]
    internal static void InitializeConvolutionGuard() => AvoidFaultyConvolutionKernels();
#pragma warning restore CA2255
}

/// <summary>Who chose oneDNN's instruction-set cap for this process.</summary>
public enum ConvolutionIsaSource
{
    /// <summary>The CPU has no AVX-512: oneDNN's kernels are the AVX2 ones anyway; nothing was set.</summary>
    NotNeeded,
    /// <summary>The CPU has AVX-512 and Telescope set <c>ONEDNN_MAX_CPU_ISA=AVX2</c>.</summary>
    Telescope,
    /// <summary>The user set <c>ONEDNN_MAX_CPU_ISA</c> (or <c>DNNL_MAX_CPU_ISA</c>); Telescope left it alone.</summary>
    User,
    /// <summary>The CPU has AVX-512 but the variable could not be set (no setenv on this OS).</summary>
    CouldNotSet,
}

/// <summary>The instruction-set decision for oneDNN: whether the CPU has AVX-512, the cap in force and who set it.</summary>
/// <param name="CpuHasAvx512">AVX-512 Foundation is available (and enabled by the OS).</param>
/// <param name="MaxIsa">The value of <c>ONEDNN_MAX_CPU_ISA</c> in force; null when none is set (oneDNN's default: the best the CPU has).</param>
/// <param name="Source">Who decided.</param>
public sealed record ConvolutionIsaChoice(bool CpuHasAvx512, string? MaxIsa, ConvolutionIsaSource Source)
{
    /// <summary>
    /// The rule: a value the user set wins; a CPU without AVX-512 needs nothing; otherwise cap at
    /// <see cref="TorchRuntime.SafeOneDnnIsa"/> through <paramref name="trySetCap"/> (which sets the variable and
    /// says whether it could).
    /// </summary>
    public static ConvolutionIsaChoice Decide(bool cpuHasAvx512, string? userValue, Func<bool> trySetCap)
    {
        ArgumentNullException.ThrowIfNull(trySetCap);
        if (userValue is not null) return new ConvolutionIsaChoice(cpuHasAvx512, userValue, ConvolutionIsaSource.User);
        if (!cpuHasAvx512) return new ConvolutionIsaChoice(false, null, ConvolutionIsaSource.NotNeeded);
        return trySetCap()
            ? new ConvolutionIsaChoice(true, TorchRuntime.SafeOneDnnIsa, ConvolutionIsaSource.Telescope)
            : new ConvolutionIsaChoice(true, null, ConvolutionIsaSource.CouldNotSet);
    }

    /// <summary>One line for config.json and reports, e.g. "oneDNN capped at AVX2 by Telescope (CPU has AVX-512)".</summary>
    public string Describe() => Source switch
    {
        ConvolutionIsaSource.NotNeeded => "oneDNN default kernels (CPU has no AVX-512; no cap needed)",
        ConvolutionIsaSource.Telescope => $"oneDNN capped at {MaxIsa} by Telescope (CPU has AVX-512)",
        ConvolutionIsaSource.User => $"oneDNN cap {MaxIsa} set by the user (CPU {(CpuHasAvx512 ? "has" : "has no")} AVX-512)",
        _ => "oneDNN default kernels on an AVX-512 CPU: the cap could not be set on this OS",
    };
}
