using System.Reflection;
using System.Runtime.InteropServices;

namespace Telescope.Runs;

/// <summary>Facts about the machine and software a run used, recorded in config.json and the report.</summary>
public sealed record MachineInfo
{
    public required string OperatingSystem { get; init; }
    /// <summary>Process architecture (X64, Arm64, …).</summary>
    public required string Architecture { get; init; }
    /// <summary>Logical processors visible to the process.</summary>
    public required int LogicalProcessors { get; init; }
    public required string DotNet { get; init; }
    public required string TorchSharpVersion { get; init; }
    /// <summary>TorchSharp intra-op threads at the start of the run.</summary>
    public required int TorchThreads { get; init; }
    public required string DefaultDType { get; init; }
    public required bool CudaAvailable { get; init; }
    /// <summary>CPU model name (Linux: /proc/cpuinfo) and the SIMD instruction sets .NET sees, e.g. "AMD EPYC (avx2 fma avx512f)".</summary>
    public string? Cpu { get; init; }
    /// <summary>The CPU convolution backend and who chose it (<see cref="TorchRuntime.Convolutions"/>; docs/numerics.md).</summary>
    public string? Convolutions { get; init; }
    /// <summary>The path of the engines' matrix products and why (<see cref="Telescope.LinearAlgebra.GemmChoice"/>; docs/performance.md §2).</summary>
    public string? Gemm { get; init; }
    /// <summary>The float32-vs-float64 convolution gradient check of this process (<see cref="Telescope.ConvolutionGradientCheck"/>).</summary>
    public string? ConvolutionGradientCheck { get; init; }

    /// <summary>Reads the facts of the current process (loads LibTorch if it is not loaded yet).</summary>
    public static MachineInfo Capture()
    {
        var check = Telescope.ConvolutionGradientCheck.Settle();   // first: it may switch the convolution backend
        return new()
        {
            OperatingSystem = RuntimeInformation.OSDescription,
            Architecture = RuntimeInformation.ProcessArchitecture.ToString(),
            LogicalProcessors = Environment.ProcessorCount,
            DotNet = RuntimeInformation.FrameworkDescription,
            TorchSharpVersion = typeof(torch).Assembly.GetName().Version?.ToString() ?? "unknown",
            TorchThreads = torch.get_num_threads(),
            DefaultDType = torch.get_default_dtype().ToString().ToLowerInvariant(),
            CudaAvailable = torch.cuda.is_available(),
            Cpu = CpuFacts.Describe(),
            Convolutions = TorchRuntime.Convolutions.Describe(),
            Gemm = Telescope.LinearAlgebra.GemmChoice.Current.Description,
            ConvolutionGradientCheck = check.Describe(),
        };
    }

    /// <summary>The facts as (name, value) pairs for tables.</summary>
    public IReadOnlyList<(string Name, string Value)> ToRows() =>
    [
        ("OS", OperatingSystem), ("architecture", Architecture), ("logical processors", LogicalProcessors.ToString()),
        (".NET", DotNet), ("TorchSharp", TorchSharpVersion), ("torch threads", TorchThreads.ToString()),
        ("default dtype", DefaultDType), ("CUDA available", CudaAvailable ? "yes" : "no"),
        ("CPU", Cpu ?? "not recorded"), ("convolutions", Convolutions ?? "not recorded"), ("matrix products", Gemm ?? "not recorded"),
        ("convolution gradient check", ConvolutionGradientCheck ?? "not recorded"),
    ];

    /// <summary>Informational version of the Telescope library (e.g. "1.0.0+abc123").</summary>
    public static string TelescopeVersion { get; } =
        typeof(MachineInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(MachineInfo).Assembly.GetName().Version?.ToString() ?? "unknown";
}
