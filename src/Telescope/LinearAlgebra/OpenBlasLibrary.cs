using System.Runtime.InteropServices;

namespace Telescope.LinearAlgebra;

/// <summary>
/// The system's OpenBLAS, loaded at run time by its soname (Debian/Ubuntu: package <c>libopenblas0-pthread</c>,
/// which provides <c>libopenblas.so.0</c>). Nothing is linked at build time, so Telescope runs without it and
/// <see cref="GemmChoice"/> falls back to LibTorch. Only the CBLAS products and the thread and build queries
/// are bound; calls go through unmanaged function pointers (no marshalling: every argument is blittable).
/// </summary>
internal sealed unsafe class OpenBlasLibrary
{
    internal const int RowMajor = 101, NoTrans = 111, Trans = 112;

    private static readonly Lazy<(OpenBlasLibrary? Library, string Failure)> Shared = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly delegate* unmanaged[Cdecl]<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> _sgemm;
    private readonly delegate* unmanaged[Cdecl]<int, int, int, int, int, int, double, double*, int, double*, int, double, double*, int, void> _dgemm;
    private readonly delegate* unmanaged[Cdecl]<int, void> _setThreads;
    private int _threads = -1;

    private OpenBlasLibrary(IntPtr handle, string name)
    {
        Name = name;
        _sgemm = (delegate* unmanaged[Cdecl]<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)
            NativeLibrary.GetExport(handle, "cblas_sgemm");
        _dgemm = (delegate* unmanaged[Cdecl]<int, int, int, int, int, int, double, double*, int, double*, int, double, double*, int, void>)
            NativeLibrary.GetExport(handle, "cblas_dgemm");
        _setThreads = NativeLibrary.TryGetExport(handle, "openblas_set_num_threads", out var set)
            ? (delegate* unmanaged[Cdecl]<int, void>)set : null;
        Config = Query(handle, "openblas_get_config");
        CoreName = Query(handle, "openblas_get_corename");
    }

    /// <summary>The name it was loaded by, e.g. "libopenblas.so.0".</summary>
    internal string Name { get; }

    /// <summary>OpenBLAS's build line, e.g. "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64".</summary>
    internal string? Config { get; }

    /// <summary>The kernel family OpenBLAS chose for this CPU (its DYNAMIC_ARCH dispatch, or OPENBLAS_CORETYPE), e.g. "Haswell".</summary>
    internal string? CoreName { get; }

    /// <summary>The library, or null and why not.</summary>
    internal static OpenBlasLibrary? TryGet(out string failure)
    {
        var (library, why) = Shared.Value;
        failure = why;
        return library;
    }

    /// <summary>The sonames tried, in order.</summary>
    internal static IReadOnlyList<string> CandidateNames =>
        OperatingSystem.IsWindows() ? ["libopenblas.dll", "openblas.dll"]
        : OperatingSystem.IsMacOS() ? ["libopenblas.0.dylib", "libopenblas.dylib", "/opt/homebrew/opt/openblas/lib/libopenblas.dylib", "/usr/local/opt/openblas/lib/libopenblas.dylib"]
        : ["libopenblas.so.0", "libopenblas.so"];

    private static (OpenBlasLibrary?, string) Load()
    {
        foreach (string name in CandidateNames)
        {
            if (!NativeLibrary.TryLoad(name, out var handle)) continue;
            if (!NativeLibrary.TryGetExport(handle, "cblas_sgemm", out _) || !NativeLibrary.TryGetExport(handle, "cblas_dgemm", out _))
                return (null, $"{name} loaded but has no cblas_sgemm/cblas_dgemm");
            return (new OpenBlasLibrary(handle, name), "");
        }
        return (null, $"OpenBLAS not found ({string.Join(", ", CandidateNames)}); on Debian/Ubuntu: apt-get install libopenblas0-pthread");
    }

    private static string? Query(IntPtr handle, string export) =>
        NativeLibrary.TryGetExport(handle, export, out var address)
            ? Marshal.PtrToStringUTF8(((delegate* unmanaged[Cdecl]<IntPtr>)address)())
            : null;

    /// <summary>Makes OpenBLAS use <paramref name="threads"/> threads (LibTorch's count, so both paths use the same cores).</summary>
    internal void UseThreads(int threads)
    {
        if (_setThreads is null || threads < 1 || threads == Volatile.Read(ref _threads)) return;
        _setThreads(threads);
        Volatile.Write(ref _threads, threads);
    }

    /// <summary>C = α·op(A)·op(B) + β·C, row-major, float32.</summary>
    internal void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc) =>
        _sgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    /// <summary>C = α·op(A)·op(B) + β·C, row-major, float64.</summary>
    internal void Dgemm(bool transA, bool transB, int m, int n, int k, double alpha, double* a, int lda, double* b, int ldb, double beta, double* c, int ldc) =>
        _dgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
