using System.Runtime.Intrinsics.X86;

namespace Telescope;

/// <summary>
/// The CPU a run used, as far as it bears on numeric code paths: LibTorch's oneDNN and MKL pick kernels by
/// instruction set, so the same run can round differently (or, with a faulty kernel, fail) on another CPU
/// (docs/numerics.md). Recorded in config.json.
/// </summary>
public static class CpuFacts
{
    /// <summary>The model name and instruction sets, e.g. "AMD EPYC 9R14 (avx avx2 fma avx512f avx512bw avx512vbmi avx-vnni)".</summary>
    public static string Describe() => $"{ModelName() ?? "unknown CPU"} ({string.Join(' ', InstructionSets())})";

    /// <summary>The SIMD instruction sets .NET reports as usable by this process (CPU and OS support).</summary>
    public static IReadOnlyList<string> InstructionSets()
    {
        var sets = new List<string>();
        if (Avx.IsSupported) sets.Add("avx");
        if (Avx2.IsSupported) sets.Add("avx2");
        if (Fma.IsSupported) sets.Add("fma");
        if (Avx512F.IsSupported) sets.Add("avx512f");
        if (Avx512BW.IsSupported) sets.Add("avx512bw");
        if (Avx512Vbmi.IsSupported) sets.Add("avx512vbmi");
        if (AvxVnni.IsSupported) sets.Add("avx-vnni");
        if (sets.Count == 0) sets.Add(System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant());
        return sets;
    }

    /// <summary>The CPUID vendor string, e.g. "AuthenticAMD" or "GenuineIntel"; null on a CPU without CPUID (not x86).</summary>
    public static string? Vendor()
    {
        if (!X86Base.IsSupported) return null;
        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        Span<byte> name = stackalloc byte[12];
        BitConverter.TryWriteBytes(name[..4], ebx);
        BitConverter.TryWriteBytes(name[4..8], edx);
        BitConverter.TryWriteBytes(name[8..], ecx);
        return System.Text.Encoding.ASCII.GetString(name);
    }

    private static string? ModelName()
    {
        try
        {
            if (!OperatingSystem.IsLinux() || !File.Exists("/proc/cpuinfo")) return null;
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith("model name", StringComparison.Ordinal) && line.IndexOf(':') is int colon and > 0)
                    return line[(colon + 1)..].Trim();
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }
}
