using System.Runtime.InteropServices;

namespace Telescope;

/// <summary>Process-level settings of the native LibTorch runtime that must be made before its first use.</summary>
public static partial class TorchRuntime
{
    /// <summary>
    /// Asks LibTorch's OpenMP threads to sleep rather than spin while they wait for work
    /// (OMP_WAIT_POLICY=PASSIVE), unless the user has chosen a policy. With the default (spinning) policy,
    /// a run measured on this project's 2-core machine took 124 s instead of 10 s whenever anything else
    /// was running: the spinning threads starve the thread doing the work. Single-process speed is unchanged.
    /// OpenMP reads the variable when LibTorch is loaded, so call this before any TorchSharp call.
    /// .NET's Environment.SetEnvironmentVariable does not reach native code on Unix, hence setenv.
    /// </summary>
    public static void PreferPassiveThreadWaiting()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        if (Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is not null) return;
        _ = SetEnv("OMP_WAIT_POLICY", "PASSIVE", 0);
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
