namespace Telescope.LinearAlgebra;

/// <summary>
/// The GEMM path of this process and the evidence for it (docs/performance.md §2). Decided once, at the first
/// product, from <c>TELESCOPE_GEMM</c> (<c>auto</c>, the default; <c>libtorch</c>; <c>openblas</c>), or by
/// <see cref="Use"/>. <c>auto</c> takes OpenBLAS on x86-64 CPUs not made by Intel, when the library loads and its
/// products agree with a float64 reference; everywhere else LibTorch. The rule is the measured cause: LibTorch's
/// bundled MKL picks slow kernels on non-Intel CPUs (docs/performance.md §1: about half of OpenBLAS's float32
/// throughput on AMD EPYC), and is at the machine's limit on Intel, where nothing changes. It is a rule, not a
/// timing at start-up, because the path decides the last bits of every product: a timing near a threshold could
/// pick different paths in a run and its resumption. A forced <c>openblas</c> that cannot be honoured falls back
/// to LibTorch and says why. <see cref="Description"/> is the line to record in config.json.
/// </summary>
public sealed class GemmChoice
{
    /// <summary>The environment variable that forces a path.</summary>
    public const string Variable = "TELESCOPE_GEMM";

    private static readonly Lock Gate = new();
    private static readonly AsyncLocal<GemmPath?> ScopedPath = new();
    private static GemmChoice? _current;

    private GemmChoice(GemmRequest requested, GemmPath path, string reason)
    {
        Requested = requested;
        Path = path;
        Reason = reason;
    }

    /// <summary>The path in force for this process; decided from <c>TELESCOPE_GEMM</c> on first read.</summary>
    public static GemmChoice Current
    {
        get
        {
            var current = Volatile.Read(ref _current);
            if (current is not null) return current;
            lock (Gate)
                return _current ??= Evaluate(ParseRequest(Environment.GetEnvironmentVariable(Variable), Variable));
        }
    }

    /// <summary>
    /// The path <see cref="Gemm"/>'s products take on this thread (and the async flow it starts): the innermost
    /// <see cref="Scope"/>, else <see cref="Current"/>.
    /// </summary>
    public static GemmPath ActivePath => ScopedPath.Value ?? Current.Path;

    /// <summary>
    /// Runs this thread's products on <paramref name="path"/> until the returned scope is disposed, without
    /// touching <see cref="Current"/> or other threads: how the benchmark and the tests run one engine on both
    /// paths in one process. OpenBLAS here still falls back to LibTorch when the library is absent.
    /// </summary>
    public static IDisposable Scope(GemmPath path)
    {
        var previous = ScopedPath.Value;
        ScopedPath.Value = path;
        return new PathScope(previous);
    }

    private sealed class PathScope(GemmPath? previous) : IDisposable
    {
        public void Dispose() => ScopedPath.Value = previous;
    }

    /// <summary>What was asked for.</summary>
    public GemmRequest Requested { get; }

    /// <summary>The path the engines use.</summary>
    public GemmPath Path { get; }

    /// <summary>Why: the setting, the CPU vendor, or the reason OpenBLAS could not be used.</summary>
    public string Reason { get; }

    /// <summary>OpenBLAS's build line and kernel family when the library was loaded, e.g. "OpenBLAS 0.3.21 … Haswell (core Haswell)".</summary>
    public string? OpenBlasBuild { get; private init; }

    /// <summary>The path's name as <c>TELESCOPE_GEMM</c> spells it: "libtorch" or "openblas".</summary>
    public string PathName => Path == GemmPath.OpenBlas ? "openblas" : "libtorch";

    /// <summary>One line for config.json and reports, e.g. "openblas (auto: AuthenticAMD CPU; OpenBLAS 0.3.21 … (core Haswell); products under 2^22 multiply-adds on LibTorch)".</summary>
    public string Description => OpenBlasBuild is null || Path != GemmPath.OpenBlas && Requested == GemmRequest.LibTorch
        ? $"{PathName} ({Reason})"
        : Path == GemmPath.OpenBlas ? $"{PathName} ({Reason}; {OpenBlasBuild}; products under 2^22 multiply-adds on LibTorch)"
        : $"{PathName} ({Reason}; {OpenBlasBuild})";

    /// <summary>
    /// OpenBLAS's build line and kernel family when the library loads (whatever the path in force), or null;
    /// <paramref name="failure"/> then says why it did not load.
    /// </summary>
    public static string? LoadedOpenBlas(out string failure) =>
        OpenBlasLibrary.TryGet(out failure) is OpenBlasLibrary library ? Build(library) : null;

    private static string Build(OpenBlasLibrary library) => $"{library.Config ?? library.Name} (core {library.CoreName ?? "unknown"})";

    /// <summary>Decides anew for <paramref name="request"/> and makes that the path of this process; returns it.</summary>
    public static GemmChoice Use(GemmRequest request)
    {
        var choice = Evaluate(request);
        lock (Gate) _current = choice;
        return choice;
    }

    /// <summary>
    /// "auto", "libtorch" or "openblas" (any case; null or empty = auto). Anything else is a
    /// <see cref="TelescopeException"/> naming <paramref name="source"/> and the accepted values.
    /// </summary>
    public static GemmRequest ParseRequest(string? text, string source = Variable) =>
        (text ?? "").Trim().ToLowerInvariant() switch
        {
            "" or "auto" => GemmRequest.Auto,
            "libtorch" or "torch" => GemmRequest.LibTorch,
            "openblas" => GemmRequest.OpenBlas,
            _ => throw new TelescopeException(
                $"{source} is '{text}', which is not a GEMM path: use auto (OpenBLAS on non-Intel x86-64 CPUs when installed, the default), libtorch or openblas."),
        };

    /// <summary>
    /// The decision for <paramref name="request"/> on this machine, made now (loading OpenBLAS and checking its
    /// products when they could be used) without making it the process's path.
    /// </summary>
    public static GemmChoice Evaluate(GemmRequest request)
    {
        if (request == GemmRequest.LibTorch) return new GemmChoice(request, GemmPath.LibTorch, $"{Variable}=libtorch");
        string? vendor = CpuFacts.Vendor();
        if (request == GemmRequest.Auto && vendor is null or "GenuineIntel")
            return new GemmChoice(request, GemmPath.LibTorch, $"auto: {vendor ?? "non-x86"} CPU, where LibTorch's own BLAS is kept");
        var library = OpenBlasLibrary.TryGet(out string failure);
        if (library is null) return new GemmChoice(request, GemmPath.LibTorch, Fallback(request, failure));
        string build = Build(library);
        if (GemmProbe.CheckAgreement() is string disagreement)
            return new GemmChoice(request, GemmPath.LibTorch, Fallback(request, $"OpenBLAS gave wrong products: {disagreement}")) { OpenBlasBuild = build };
        if (request == GemmRequest.OpenBlas) return new GemmChoice(request, GemmPath.OpenBlas, $"{Variable}=openblas") { OpenBlasBuild = build };

        return new GemmChoice(request, GemmPath.OpenBlas, $"auto: {vendor} CPU") { OpenBlasBuild = build };
    }

    private static string Fallback(GemmRequest request, string why)
    {
        string reason = request == GemmRequest.OpenBlas ? $"{Variable}=openblas, but {why}; using LibTorch" : $"auto: {why}";
        if (request == GemmRequest.OpenBlas) Console.Error.WriteLine($"note: {reason}.");
        return reason;
    }
}
