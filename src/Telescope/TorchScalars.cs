using TorchSharp;

namespace Telescope;

/// <summary>
/// TorchSharp Scalars that live as long as the process, for the constants the solution passes to LibTorch.
/// <para>
/// A Scalar must stay reachable until the native call that reads it returns: TorchSharp reads its handle and
/// then calls LibTorch without keeping it alive, so an implicit <c>2.0 → Scalar</c> can be finalized (freed) by
/// a garbage collection on another thread while LibTorch still reads it. Every other Scalar in the solution is
/// a <c>using</c> variable (disposed after the call); build/Telescope.Analyzers rejects the implicit kind.
/// These static ones are never freed, and LibTorch only reads them, so any thread may share them.
/// </para>
/// </summary>
public static class TorchScalars
{
    /// <summary>The Int32 1, the alpha TorchSharp's <c>add(other)</c> would create: <c>a.add_(b, TorchScalars.One)</c>.</summary>
    public static Scalar One { get; } = 1.ToScalar();

    /// <summary>The Int32 0.</summary>
    public static Scalar Zero { get; } = 0.ToScalar();

    /// <summary>The Int32 2 (halving a sum, Rademacher signs 2b − 1).</summary>
    public static Scalar Two { get; } = 2.ToScalar();

    /// <summary>The Int32 −1, for <c>a.add_(b, TorchScalars.MinusOne)</c> = a − b in place of an allocation.</summary>
    public static Scalar MinusOne { get; } = (-1).ToScalar();
}
