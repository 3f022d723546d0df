using Telescope.Autodiff;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Spectrum;

/// <summary>
/// The empirical tangent kernel K = J Jᵀ of a module on a probe set X (n inputs × k outputs, so K is (n·k)×(n·k),
/// rows ordered example-major: (i, a) ↦ i·k + a) as a matrix-free operator: K v = J (Jᵀ v), one VJP
/// (<see cref="ParameterVjp"/>) then one JVP (any <see cref="IJvpEngine"/>), never the Jacobian itself
/// (docs/method.md §11.2). Vectors are float64 on the CPU whatever the model's dtype and device.
/// </summary>
public sealed class TangentKernelOperator
{
    private readonly ParameterVjp _vjp;
    private readonly IJvpEngine _jvp;

    /// <param name="module">Any module mapping a batch [N, …] to outputs [N, k] (or [N]), examples independent.</param>
    /// <param name="inputs">The probe set X, in the parameters' dtype.</param>
    /// <param name="jvpEngine">The JVP engine over <paramref name="module"/>; null = <see cref="DoubleBackwardJvp"/> (any module).
    /// Pass a <see cref="ForwardModeJvp"/> for an <c>Mlp</c>: the same products, faster.</param>
    /// <param name="chunkSize">Rows per autograd graph (bounds memory); null = all at once.</param>
    public TangentKernelOperator(nn.Module<Tensor, Tensor> module, Tensor inputs, IJvpEngine? jvpEngine = null, int? chunkSize = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(inputs);
        _vjp = new ParameterVjp(module, chunkSize);
        _jvp = jvpEngine ?? new DoubleBackwardJvp(module, chunkSize);
        if (!ReferenceEquals(_jvp.Parameters.Module, module))
            throw new TelescopeException("The JVP engine given to the tangent-kernel operator was built for a different module; build it from the same module.");
        if (inputs.dim() < 1 || inputs.shape[0] < 1)
            throw new TelescopeException("The kernel's probe set is empty; give at least one probe input (rows first).");
        Inputs = inputs;
        Rows = inputs.shape[0];
        using (torch.no_grad())
        using (var first = module.forward(inputs.narrow(0, 0, 1)))
            Outputs = first.dim() == 1 ? 1 : first.shape[1];
    }

    /// <summary>The probe inputs X.</summary>
    public Tensor Inputs { get; }
    /// <summary>n, the number of probes.</summary>
    public long Rows { get; }
    /// <summary>k, outputs per probe.</summary>
    public long Outputs { get; }
    /// <summary>n·k, the side of K.</summary>
    public long Dimension => Rows * Outputs;

    /// <summary>K V for D vectors at once, [D, n·k] → [D, n·k] (float64, CPU): one forward pass shared per engine.</summary>
    public Tensor Apply(Tensor vectors)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        if (vectors.dim() != 2 || vectors.shape[1] != Dimension)
            throw new ArgumentException($"Vectors have shape [{string.Join(", ", vectors.shape)}]; expected [D, {Dimension}].", nameof(vectors));
        using var scope = torch.NewDisposeScope();
        long d = vectors.shape[0];
        var cotangents = vectors.view(d, Rows, Outputs);
        var pullbacks = _vjp.ComputeMany(Inputs, cotangents);                   // Jᵀ v, per parameter
        using var result = _jvp.Compute(Inputs, pullbacks);                       // J (Jᵀ v)
        return result.Jvps.reshape(d, Dimension).to(ScalarType.Float64, torch.CPU).MoveToOuterDisposeScope();
    }

    /// <summary>yᵀ K y = ‖Jᵀ y‖², exactly, from one VJP (y of n·k entries, example-major).</summary>
    public double QuadraticForm(Tensor y)
    {
        ArgumentNullException.ThrowIfNull(y);
        if (y.numel() != Dimension)
            throw new ArgumentException($"The target has {y.numel()} entries; expected n·k = {Dimension}.", nameof(y));
        using var scope = torch.NewDisposeScope();
        var pullback = _vjp.Compute(Inputs, y.reshape(Rows, Outputs));
        double sum = 0;
        foreach (var t in pullback) sum += t.to_type(ScalarType.Float64).pow(TorchScalars.Two).sum().item<double>();
        return sum;
    }
}
