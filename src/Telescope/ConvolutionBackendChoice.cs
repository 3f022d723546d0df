using System.Runtime.Intrinsics.X86;

namespace Telescope;

/// <summary>The implementation of LibTorch's CPU convolutions (forward and both backward passes).</summary>
public enum ConvolutionBackend
{
    /// <summary>oneDNN's JIT kernels, chosen by instruction set (LibTorch's default).</summary>
    OneDnn,
    /// <summary>LibTorch's own im2col + matrix-product path (oneDNN and NNPACK off).</summary>
    Native,
}

/// <summary>Who chose the <see cref="ConvolutionBackend"/>.</summary>
public enum ConvolutionBackendSource
{
    /// <summary>No AVX-512: LibTorch's default, oneDNN, guarded by the start-up check.</summary>
    Default,
    /// <summary>The CPU has AVX-512: native, because oneDNN's gradients are wrong on such CPUs (docs/numerics.md).</summary>
    Avx512Rule,
    /// <summary>The user set <c>TELESCOPE_CONVOLUTION</c>.</summary>
    User,
    /// <summary>oneDNN failed the start-up check in this process, so Telescope switched to native.</summary>
    FallbackAfterCheck,
}

/// <summary>The convolution backend of this process, who chose it, and whether the switch took effect.</summary>
/// <param name="CpuHasAvx512">AVX-512 Foundation is available.</param>
/// <param name="Backend">The backend in force.</param>
/// <param name="Source">Who chose it.</param>
public sealed record ConvolutionBackendChoice(bool CpuHasAvx512, ConvolutionBackend Backend, ConvolutionBackendSource Source)
{
    /// <summary>Whether LibTorch's switch was set and reads back as chosen (false where its symbols are missing).</summary>
    public bool Applied { get; init; } = true;

    /// <summary>The failed oneDNN check that caused a <see cref="ConvolutionBackendSource.FallbackAfterCheck"/>, else null.</summary>
    public string? FailedOneDnnCheck { get; init; }

    /// <summary>
    /// The rule (docs/numerics.md): a value of <c>TELESCOPE_CONVOLUTION</c> (onednn, native) wins; otherwise a CPU with
    /// AVX-512 gets the native path — LibTorch 2.10's oneDNN returned wrong or non-finite convolution gradients on the
    /// AVX-512 CPUs measured, and on one of them (AMD EPYC with avx512_vp2intersect) even with oneDNN capped at AVX2 —
    /// and any other CPU keeps oneDNN, which the start-up check verifies before a CNN trains.
    /// </summary>
    /// <exception cref="TelescopeException"><paramref name="userValue"/> is not onednn, native or auto.</exception>
    public static ConvolutionBackendChoice Decide(bool cpuHasAvx512, string? userValue)
    {
        switch (userValue?.Trim().ToLowerInvariant())
        {
            case "onednn": return new(cpuHasAvx512, ConvolutionBackend.OneDnn, ConvolutionBackendSource.User);
            case "native": return new(cpuHasAvx512, ConvolutionBackend.Native, ConvolutionBackendSource.User);
            case null or "" or "auto":
                return cpuHasAvx512
                    ? new(true, ConvolutionBackend.Native, ConvolutionBackendSource.Avx512Rule)
                    : new(false, ConvolutionBackend.OneDnn, ConvolutionBackendSource.Default);
            default:
                throw new TelescopeException($"{TorchRuntime.ConvolutionBackendVariable}='{userValue}' is not a convolution backend.")
                { Hint = $"Use onednn, native or auto (the default), or unset {TorchRuntime.ConvolutionBackendVariable}." };
        }
    }

    /// <summary>The rule applied to this CPU with no user value: what <c>auto</c> means here.</summary>
    public static ConvolutionBackendChoice ForThisCpu() => Decide(Avx512F.IsSupported, null);

    /// <summary>One line for config.json and reports, e.g. "native im2col convolutions (CPU has AVX-512)".</summary>
    public string Describe()
    {
        string backend = Backend == ConvolutionBackend.OneDnn ? "oneDNN convolutions" : "native im2col convolutions (oneDNN off)";
        string why = Source switch
        {
            ConvolutionBackendSource.Default => "CPU has no AVX-512: LibTorch's default, checked at start-up",
            ConvolutionBackendSource.Avx512Rule => "CPU has AVX-512, where oneDNN's convolution gradients are wrong",
            ConvolutionBackendSource.User => $"set by the user with {TorchRuntime.ConvolutionBackendVariable}; CPU {(CpuHasAvx512 ? "has" : "has no")} AVX-512",
            _ => $"oneDNN failed the start-up check here: {FailedOneDnnCheck}",
        };
        return $"{backend} ({why}){(Applied ? "" : "; LibTorch's switch could not be set in this build, so LibTorch's default is in force")}";
    }
}
