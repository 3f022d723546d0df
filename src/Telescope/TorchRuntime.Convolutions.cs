using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using TorchSharp;

namespace Telescope;

public static partial class TorchRuntime
{
    /// <summary>Environment variable that forces the convolution backend: <c>onednn</c>, <c>native</c> or <c>auto</c> (the default).</summary>
    public const string ConvolutionBackendVariable = "TELESCOPE_CONVOLUTION";

    private static readonly Lock ConvolutionLock = new();
    private static ConvolutionBackendChoice? _convolutions;

    /// <summary>
    /// Which implementation LibTorch uses for this process's CPU convolutions, and why (decided and applied once, on
    /// first read; <see cref="Configure"/> reads it). Recorded in every run's config.json. See docs/numerics.md.
    /// </summary>
    /// <exception cref="TelescopeException"><c>TELESCOPE_CONVOLUTION</c> has a value other than onednn, native or auto.</exception>
    public static ConvolutionBackendChoice Convolutions
    {
        get
        {
            if (_convolutions is not null) return _convolutions;
            lock (ConvolutionLock)
            {
                _convolutions ??= Apply(ConvolutionBackendChoice.Decide(Avx512F.IsSupported, Environment.GetEnvironmentVariable(ConvolutionBackendVariable)));
                return _convolutions;
            }
        }
    }

    /// <summary>
    /// Switches this process to LibTorch's native convolutions after the start-up check found oneDNN's gradients wrong
    /// (<see cref="ConvolutionGradientCheck.EnsurePassed"/>); records the failed check in <see cref="Convolutions"/>.
    /// </summary>
    internal static ConvolutionBackendChoice FallBackToNativeConvolutions(ConvolutionCheckResult failed)
    {
        var current = Convolutions;
        lock (ConvolutionLock)
        {
            _convolutions = Apply(current with
            {
                Backend = ConvolutionBackend.Native,
                Source = ConvolutionBackendSource.FallbackAfterCheck,
                FailedOneDnnCheck = failed.Describe(),
            });
            return _convolutions;
        }
    }

    /// <summary>
    /// Sets ATen's switches: oneDNN (mkldnn) on or off for CPU convolutions, and NNPACK off on the native path (it
    /// rejects many CPUs with a warning per call, and the im2col + GEMM path is what the checks verify). The switches
    /// are process-wide and may change at any time before a convolution runs. They are C++ members of
    /// <c>at::Context</c> that TorchSharp does not expose, reached through their exported symbols; where they are
    /// missing (another LibTorch build or OS), the choice says so and the start-up check still guards every CNN.
    /// </summary>
    private static ConvolutionBackendChoice Apply(ConvolutionBackendChoice choice)
    {
        try
        {
            _ = torch.get_num_threads();   // makes TorchSharp load LibTorch before the first call into it
            IntPtr context = GlobalContext();
            SetUserEnabledMkldnn(context, choice.Backend == ConvolutionBackend.OneDnn);
            if (choice.Backend == ConvolutionBackend.Native) SetUserEnabledNnpack(context, false);
            return choice with { Applied = UserEnabledMkldnn(context) == (choice.Backend == ConvolutionBackend.OneDnn) };
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return choice with { Applied = false };
        }
    }

    /// <summary>Whether ATen currently lets oneDNN run CPU convolutions (null when the switch cannot be read here).</summary>
    public static bool? OneDnnConvolutionsEnabled()
    {
        try { return UserEnabledMkldnn(GlobalContext()); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return null; }
    }

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at13globalContextEv")]
    private static extern IntPtr GlobalContext();

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledMkldnnEb")]
    private static extern void SetUserEnabledMkldnn(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [DllImport("libtorch_cpu", EntryPoint = "_ZNK2at7Context17userEnabledMkldnnEv")]
    [return: MarshalAs(UnmanagedType.U1)]
    private static extern bool UserEnabledMkldnn(IntPtr context);

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledNNPACKEb")]
    private static extern void SetUserEnabledNnpack(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);
}
