namespace Telescope.Spectrum;

/// <summary>How <see cref="KernelSpectrumTracker"/> finds the top eigenpairs.</summary>
public enum KernelSpectrumMethod
{
    /// <summary><see cref="Exact"/> when n·k ≤ <see cref="KernelSpectrumOptions.ExactMaxDimension"/>, else <see cref="Lanczos"/>.</summary>
    Auto,
    /// <summary>Matrix-free: Lanczos on K v = J(Jᵀv); ‖K‖_F exact when the Krylov space spans all n·k dimensions, else Hutchinson.</summary>
    Lanczos,
    /// <summary>The explicit kernel from per-example Jacobians and torch.linalg.eigh; every quantity exact. Small models only.</summary>
    Exact,
}

/// <summary>Settings of the tangent-kernel spectrum tracker (docs/method.md §11).</summary>
public sealed record KernelSpectrumOptions
{
    /// <summary>k: how many top eigenpairs are logged, the span of the energy share and the rotation.</summary>
    public int TopK { get; init; } = 10;
    public KernelSpectrumMethod Method { get; init; } = KernelSpectrumMethod.Auto;
    /// <summary>Largest n·k for which <see cref="KernelSpectrumMethod.Auto"/> forms the explicit kernel.</summary>
    public long ExactMaxDimension { get; init; } = 512;
    /// <summary>Lanczos iterations m (kernel products per log); null = min(n·k, 2·TopK + 40).</summary>
    public int? LanczosIterations { get; init; }
    /// <summary>Rademacher probes S of the Hutchinson estimate of ‖K‖_F (Lanczos method, when m &lt; n·k).</summary>
    public int FrobeniusProbes { get; init; } = 32;
    /// <summary>Seed of the Lanczos start vector and the Hutchinson probes (the same at every log).</summary>
    public int Seed { get; init; }
    /// <summary>Probe rows per autograd graph (bounds memory); null = all at once.</summary>
    public int? ChunkSize { get; init; }
    /// <summary>
    /// Also log the output-centred alignment (docs/method.md §11.3): that of P K P with P y, P = I_n ⊗ (I_k − 11ᵀ/k),
    /// which ignores the directions that shift all k outputs of a probe together — the directions a softmax
    /// cross-entropy cannot see. Needs k ≥ 2 outputs; costs one VJP and, for the Lanczos method, S kernel products per set.
    /// </summary>
    public bool OutputCentered { get; init; }

    /// <summary>Throws <see cref="TelescopeException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (TopK < 1) throw new TelescopeException($"KernelSpectrumOptions.TopK must be at least 1, got {TopK}.");
        if (LanczosIterations is int m && m < TopK)
            throw new TelescopeException($"LanczosIterations ({m}) must be at least TopK ({TopK}); leave it null for 2·TopK + 40.");
        if (FrobeniusProbes < 1) throw new TelescopeException($"FrobeniusProbes must be at least 1, got {FrobeniusProbes}.");
        if (ExactMaxDimension < 0) throw new TelescopeException($"ExactMaxDimension must be non-negative, got {ExactMaxDimension}.");
    }
}
