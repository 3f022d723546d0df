namespace Telescope.LinearAlgebra;

/// <summary>
/// Which library computes the dense matrix products that Telescope's own engines issue (docs/performance.md §2).
/// </summary>
public enum GemmPath
{
    /// <summary>LibTorch's own <c>mm</c>/<c>addmm</c>/<c>linear</c> (its bundled BLAS, MKL on x86-64).</summary>
    LibTorch,
    /// <summary>The system's OpenBLAS (<c>libopenblas.so.0</c>), called through its CBLAS interface on the tensors' memory.</summary>
    OpenBlas,
}

/// <summary>What was asked for: a path, or the rule of <see cref="GemmChoice"/> (<c>TELESCOPE_GEMM=auto</c>, the default).</summary>
public enum GemmRequest
{
    /// <summary>OpenBLAS on x86-64 CPUs not made by Intel when it loads and is correct; LibTorch otherwise.</summary>
    Auto,
    /// <summary>Always LibTorch.</summary>
    LibTorch,
    /// <summary>OpenBLAS when the library loads and passes the correctness check; LibTorch otherwise, with a note.</summary>
    OpenBlas,
}
