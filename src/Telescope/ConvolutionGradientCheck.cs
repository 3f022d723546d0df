using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope;

/// <summary>
/// Checks, on this machine, that LibTorch's float32 convolution gradients agree with an independent computation:
/// the same two stacked 3×3 convolutions (3 → c → c, stride 1, padding 1) written as unfold + matrix product in
/// float64, whose backward pass goes through col2im and a float64 GEMM instead of any convolution kernel.
/// The channel counts cover the ones that showed the AVX-512 fault (c = 2, 4, 8, 12: not multiples of 16) and one that
/// did not (16). Run once per process (≈ 20–60 ms) and recorded in config.json. Before a convolutional network
/// trains, <see cref="EnsurePassed"/> requires it: when oneDNN fails it, the process switches to LibTorch's native
/// convolutions and checks again (see docs/numerics.md).
/// </summary>
/// <example>
/// <code>
/// TorchRuntime.Configure();
/// ConvolutionGradientCheck.EnsurePassed();          // before training a CNN: checks once, falls back, or throws
/// Console.WriteLine(ConvolutionGradientCheck.Result.Describe());   // "passed: worst relative error 3.6e-07 (c = 4, first weight) over 30 gradients"
/// Console.WriteLine(TorchRuntime.Convolutions.Describe());        // which backend, and why
/// </code>
/// </example>
public static class ConvolutionGradientCheck
{
    /// <summary>Largest allowed max|g₃₂ − g₆₄| / max|g₆₄| per gradient tensor: float32 rounding over ≤ 108-term sums is ≈ 1e-6.</summary>
    public const double Tolerance = 1e-4;

    private static readonly int[] Channels = [2, 4, 8, 12, 16];
    private const int Repetitions = 2;
    private static readonly Lock Gate = new();
    private static ConvolutionCheckResult? _result;

    /// <summary>The check's result for this process with the convolution backend in force (run on first access).</summary>
    public static ConvolutionCheckResult Result
    {
        get
        {
            lock (Gate) return _result ??= Run(Repetitions);
        }
    }

    /// <summary>
    /// <see cref="Result"/>, after switching to LibTorch's native convolutions when oneDNN failed it and the user did not
    /// force oneDNN (then checked again): what <see cref="EnsurePassed"/> requires and config.json records. Never throws.
    /// </summary>
    public static ConvolutionCheckResult Settle()
    {
        var result = Result;
        var choice = TorchRuntime.Convolutions;
        if (result.Passed || choice.Backend != ConvolutionBackend.OneDnn || choice.Source == ConvolutionBackendSource.User) return result;
        TorchRuntime.FallBackToNativeConvolutions(result);
        lock (Gate) return _result = Run(Repetitions);
    }

    /// <summary>
    /// Makes sure this process computes correct convolution gradients: passes when <see cref="Result"/> passed; when
    /// oneDNN failed it and the user did not force oneDNN, switches to LibTorch's native convolutions
    /// (<see cref="TorchRuntime.Convolutions"/> records the failed check) and checks again; otherwise throws.
    /// </summary>
    /// <exception cref="TelescopeException">The gradients are wrong with every backend allowed, naming the fault and the remedy.</exception>
    public static void EnsurePassed()
    {
        var result = Settle();
        if (result.Passed) return;
        var choice = TorchRuntime.Convolutions;
        throw new TelescopeException(
            $"LibTorch's float32 convolution gradients are wrong on this CPU ({result.Describe()}; {choice.Describe()}), " +
            "so a convolutional network would train on corrupted gradients.")
        {
            Hint = choice.Source == ConvolutionBackendSource.User
                ? $"{TorchRuntime.ConvolutionBackendVariable} was set in the environment; unset it (Telescope then picks and checks the backend) or set it to native."
                : "Report the CPU (lscpu) and this message: no convolution backend of this LibTorch build is correct here.",
        };
    }

    /// <summary>
    /// Runs every case <paramref name="repetitions"/> times (the AVX-512 fault is non-deterministic) and returns the
    /// worst relative error. Uses its own generator; leaves the global RNG and autograd state as they were.
    /// </summary>
    public static ConvolutionCheckResult Run(int repetitions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(repetitions, 1);
        _ = TorchRuntime.Convolutions;   // the backend must be in force before the first convolution
        var clock = Stopwatch.StartNew();
        double worst = 0;
        string worstCase = "";
        int cases = 0;
        using var generator = new Generator(20261207, device: CPU);
        for (int r = 0; r < repetitions; r++)
        {
            foreach (int c in Channels)
            {
                foreach (var (name, error) in CompareOnce(c, generator))
                {
                    cases++;
                    if (double.IsNaN(worst)) continue;   // a non-finite gradient already decided the outcome
                    if (double.IsNaN(error) || error > worst) { worst = error; worstCase = $"c = {c}, {name}"; }
                }
            }
        }
        return new ConvolutionCheckResult(worst <= Tolerance, worst, worstCase, cases, clock.Elapsed.TotalMilliseconds);
    }

    private static IEnumerable<(string Name, double Error)> CompareOnce(int c, Generator generator)
    {
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        var x = randn([16, 3, 12, 12], generator: generator);
        var w1 = randn([c, 3, 3, 3], generator: generator);
        var w2 = randn([c, c, 3, 3], generator: generator);
        var weight = randn([16, c, 12, 12], generator: generator);   // a random loss weight sees every output element

        var fast = Gradients(x, w1, w2, weight, (a, k) => nn.functional.conv2d(a, k, padding: [1, 1]));
        var exact = Gradients(x.to(ScalarType.Float64), w1.to(ScalarType.Float64), w2.to(ScalarType.Float64),
            weight.to(ScalarType.Float64), UnfoldConvolution);
        string[] names = ["input", "first weight", "second weight"];
        var errors = new List<(string, double)>(3);
        for (int i = 0; i < 3; i++) errors.Add((names[i], RelativeError(fast[i], exact[i])));
        return errors;
    }

    private static Tensor[] Gradients(Tensor x, Tensor w1, Tensor w2, Tensor weight, Func<Tensor, Tensor, Tensor> convolve)
    {
        var inputs = new[] { x.detach().requires_grad_(true), w1.detach().requires_grad_(true), w2.detach().requires_grad_(true) };
        var output = convolve(convolve(inputs[0], inputs[1]), inputs[2]);
        var loss = output.mul(weight).sum();
        return torch.autograd.grad([loss], inputs).ToArray();
    }

    /// <summary>3×3 convolution, stride 1, padding 1, as im2col (unfold) and one matrix product: no oneDNN kernel.</summary>
    private static Tensor UnfoldConvolution(Tensor input, Tensor kernel)
    {
        long n = input.shape[0], h = input.shape[2], w = input.shape[3], outChannels = kernel.shape[0];
        var columns = nn.functional.unfold(input, kernel_size: 3, padding: 1);            // [n, cin·9, h·w]
        var product = kernel.reshape(outChannels, -1).matmul(columns);                     // [n, cout, h·w]
        return product.reshape(n, outChannels, h, w);
    }

    private static double RelativeError(Tensor fast, Tensor exact)
    {
        using var fast64 = fast.to(ScalarType.Float64);
        using var difference = fast64.sub(exact);
        using var absolute = difference.abs();
        using var deviation = absolute.max();
        using var referenceAbs = exact.abs();
        using var scale = referenceAbs.max();
        double d = deviation.ToDouble(), s = scale.ToDouble();
        return double.IsFinite(d) ? d / Math.Max(s, double.Epsilon) : double.NaN;
    }
}

/// <summary>The outcome of <see cref="ConvolutionGradientCheck.Run"/>.</summary>
/// <param name="Passed">Every gradient was finite and within <see cref="ConvolutionGradientCheck.Tolerance"/>.</param>
/// <param name="WorstRelativeError">The largest max|g₃₂ − g₆₄| / max|g₆₄| seen; NaN when a gradient was not finite.</param>
/// <param name="WorstCase">Which channel count and gradient gave it.</param>
/// <param name="Cases">Gradient tensors compared.</param>
/// <param name="Milliseconds">What the check cost.</param>
public sealed record ConvolutionCheckResult(bool Passed, double WorstRelativeError, string WorstCase, int Cases, double Milliseconds)
{
    /// <summary>One line, e.g. "passed: worst relative error 3.1e-07 (c = 8, input) over 30 gradients".</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{(Passed ? "passed" : "FAILED")}: worst relative error {(double.IsNaN(WorstRelativeError) ? "non-finite" : WorstRelativeError.ToString("0.#e+00", CultureInfo.InvariantCulture))} ({WorstCase}) over {Cases} gradients");
}
