using System.Runtime.InteropServices;

namespace Telescope.Bench;

/// <summary>
/// BLIS (Debian: libblis4-pthread, <c>libblis.so.4</c>), loaded only by the benchmark to compare its GEMM with
/// LibTorch's and OpenBLAS's. Not a Telescope path: docs/performance.md §1 has the numbers that say why.
/// </summary>
internal sealed unsafe class BlisLibrary
{
    private readonly delegate* unmanaged[Cdecl]<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> _sgemm;
    private readonly delegate* unmanaged[Cdecl]<int, int, int, int, int, int, double, double*, int, double*, int, double, double*, int, void> _dgemm;
    private readonly delegate* unmanaged[Cdecl]<long, void> _setThreads;

    private BlisLibrary(IntPtr handle)
    {
        _sgemm = (delegate* unmanaged[Cdecl]<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)
            NativeLibrary.GetExport(handle, "cblas_sgemm");
        _dgemm = (delegate* unmanaged[Cdecl]<int, int, int, int, int, int, double, double*, int, double*, int, double, double*, int, void>)
            NativeLibrary.GetExport(handle, "cblas_dgemm");
        _setThreads = (delegate* unmanaged[Cdecl]<long, void>)NativeLibrary.GetExport(handle, "bli_thread_set_num_threads");
        // bli_init first: with BLIS_ARCH_TYPE set, querying the architecture before BLIS has initialized aborts.
        ((delegate* unmanaged[Cdecl]<void>)NativeLibrary.GetExport(handle, "bli_init"))();
        var version = (delegate* unmanaged[Cdecl]<IntPtr>)NativeLibrary.GetExport(handle, "bli_info_get_version_str");
        var archId = (delegate* unmanaged[Cdecl]<int>)NativeLibrary.GetExport(handle, "bli_arch_query_id");
        var archName = (delegate* unmanaged[Cdecl]<int, IntPtr>)NativeLibrary.GetExport(handle, "bli_arch_string");
        Build = $"BLIS {Marshal.PtrToStringUTF8(version())} (arch {Marshal.PtrToStringUTF8(archName(archId()))})";
    }

    /// <summary>Version and the sub-configuration BLIS picked for this CPU.</summary>
    public string Build { get; }

    public static BlisLibrary? TryLoad() =>
        NativeLibrary.TryLoad("libblis.so.4", out var handle) && NativeLibrary.TryGetExport(handle, "bli_thread_set_num_threads", out _)
            ? new BlisLibrary(handle) : null;

    public void UseThreads(int threads) => _setThreads(threads);

    /// <summary>C = A·B for contiguous row-major n×n matrices.</summary>
    public void Square(int n, float* a, float* b, float* c) => _sgemm(101, 111, 111, n, n, n, 1f, a, n, b, n, 0f, c, n);

    /// <summary>C = A·B for contiguous row-major n×n matrices.</summary>
    public void Square(int n, double* a, double* b, double* c) => _dgemm(101, 111, 111, n, n, n, 1.0, a, n, b, n, 0.0, c, n);
}
