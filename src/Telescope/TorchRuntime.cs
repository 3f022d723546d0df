using System.Runtime.InteropServices;

namespace Telescope;

/// <summary>Process-level settings of the native LibTorch runtime, made once before its first use.</summary>
public static partial class TorchRuntime
{
    /// <summary>
    /// Applies <see cref="PreferPassiveThreadWaiting"/>, <see cref="ReuseFreedMemory"/>,
    /// <see cref="ReproducibleMathLibrary"/> and chooses the convolution backend (<see cref="Convolutions"/>). The CLI, the
    /// benchmark and the tests call it first thing; a library user may call it at the start of a program.
    /// </summary>
    public static void Configure()
    {
        PreferPassiveThreadWaiting();
        ReuseFreedMemory();
        ReproducibleMathLibrary();
        _ = Convolutions;
    }

    /// <summary>
    /// Puts LibTorch's MKL into strict conditional numerical reproducibility (MKL_CBWR=AUTO,STRICT), unless the
    /// user set MKL_CBWR. Without it MKL picks code paths by the memory alignment of its operands, so the same
    /// matrix product on the same thread count can round differently from one call to the next: measured here,
    /// two identical tabular-gbt trainings in one process gave network predictions differing in the last bit,
    /// which broke the byte-identical comparison of resumed and merged runs with uninterrupted ones. With it,
    /// results depend only on the inputs and the thread count. MKL reads the variable when it initializes,
    /// so this must run before any TorchSharp call.
    /// </summary>
    public static void ReproducibleMathLibrary()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        if (Environment.GetEnvironmentVariable("MKL_CBWR") is not null) return;
        _ = SetEnv("MKL_CBWR", "AUTO,STRICT", 0);
    }

    /// <summary>
    /// Asks LibTorch's OpenMP threads to sleep rather than spin while they wait for work
    /// (OMP_WAIT_POLICY=PASSIVE), unless the user has chosen a policy. With the default (spinning) policy,
    /// a run measured on this project's 2-core machine took 124 s instead of 10 s whenever anything else
    /// was running: the spinning threads starve the thread doing the work.
    /// OpenMP reads the variable when LibTorch is loaded, so this must run before any TorchSharp call.
    /// .NET's Environment.SetEnvironmentVariable does not reach native code on Unix, hence setenv.
    /// </summary>
    public static void PreferPassiveThreadWaiting()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        if (Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is not null) return;
        _ = SetEnv("OMP_WAIT_POLICY", "PASSIVE", 0);
    }

    /// <summary>
    /// Keeps glibc from returning freed tensor memory to the kernel (fixed mmap threshold 256 MiB, trim
    /// threshold 1 GiB), unless the user set MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_. Every training
    /// step frees and reallocates the same few-megabyte activations; with glibc's defaults they were often
    /// unmapped and faulted in again page by page, which made the same JVP take 22 ms in one repetition and
    /// 45 ms in the next (measured, 1000×784 inputs). The cost is that up to 1 GiB of freed memory stays with
    /// the process. Linux (glibc) only.
    /// </summary>
    public static void ReuseFreedMemory()
    {
        if (!OperatingSystem.IsLinux()) return;
        const int MallocTrimThreshold = -1, MallocMmapThreshold = -3;
        try
        {
            if (Environment.GetEnvironmentVariable("MALLOC_MMAP_THRESHOLD_") is null)
                _ = MallOpt(MallocMmapThreshold, 256 << 20);
            if (Environment.GetEnvironmentVariable("MALLOC_TRIM_THRESHOLD_") is null)
                _ = MallOpt(MallocTrimThreshold, 1 << 30);
        }
        catch (EntryPointNotFoundException)
        {
            // Not glibc (e.g. musl): nothing to tune.
        }
    }

    /// <summary>
    /// The variable as native code (LibTorch, oneDNN, MKL) sees it. On Unix .NET keeps its own copy of the
    /// environment taken at start-up, so a value set here with setenv is not visible through
    /// <see cref="Environment.GetEnvironmentVariable(string)"/>.
    /// </summary>
    public static string? NativeEnvironmentVariable(string name)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return Environment.GetEnvironmentVariable(name);
        return Marshal.PtrToStringUTF8(GetEnv(name));
    }

    [LibraryImport("libc", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr GetEnv(string name);

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int MallOpt(int parameter, int value);
}
