using Telescope.Checkpointing;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.UpdateAnalysis;

/// <summary>
/// Heavy-ball momentum as exponential blending, in function space (docs/method.md §2). With b_t = β b_{t−1} + g_t and
/// Δθ_t = −γ b_t (constant γ), the gradient g_s of step s reaches the function through every later Jacobian:
/// <c>f̃_T − f_θ0 = (1/(1−β)) Σ_s (1 − β^{T−s+1}) c_s + Σ_s Σ_{t=s..T} β^{t−s} (J_{t−1} − J_{s−1})(−γ g_s)</c>,
/// where c_s = −γ J_{s−1} g_s is the current-gradient contribution of step s (the <c>gradient</c> and, when coupled,
/// <c>weight_decay</c> components). The first term is what SGD at rate γ/(1−β) would have done with the same
/// gradients, minus the part of each gradient not yet delivered by step T (E_T/(1−β), E_T = β(E_{T−1} + c_T));
/// the second — <see cref="JacobianChangeTerm"/> — is exactly the effect of the Jacobian moving inside the momentum
/// window, and vanishes for a model linear in its parameters.
/// </summary>
/// <example>
/// <code>
/// using var blending = new MomentumBlending(beta: 0.9, shape: tracker.Initial("test"));
/// // after each step, with the per-step increments of the current-gradient components and of f̃:
/// blending.Add(currentIncrement, totalIncrement);
/// using var jacobianPart = blending.JacobianChangeTerm();
/// </code>
/// </example>
public sealed class MomentumBlending : ICheckpointable, IDisposable
{
    private readonly double _beta;
    private readonly Tensor _current;     // Σ_s c_s
    private readonly Tensor _undelivered; // E_T = Σ_s β^{T−s+1} c_s
    private readonly Tensor _change;      // f̃_T − f_θ0

    /// <param name="beta">Momentum β in [0, 1).</param>
    /// <param name="shape">A tensor with the shape, dtype and device of the tracked outputs [N, k] (values unused).</param>
    public MomentumBlending(double beta, Tensor shape)
    {
        if (!(beta >= 0 && beta < 1)) throw new ArgumentOutOfRangeException(nameof(beta), beta, "Momentum must be in [0, 1).");
        ArgumentNullException.ThrowIfNull(shape);
        _beta = beta;
        _current = torch.zeros_like(shape).DetachFromDisposeScope();
        _undelivered = torch.zeros_like(shape).DetachFromDisposeScope();
        _change = torch.zeros_like(shape).DetachFromDisposeScope();
    }

    /// <summary>Steps added so far.</summary>
    public int Steps { get; private set; }

    /// <summary>Adds step t: c_t (its current-gradient contribution) and f̃_t − f̃_{t−1}.</summary>
    public void Add(Tensor currentIncrement, Tensor totalIncrement)
    {
        ArgumentNullException.ThrowIfNull(currentIncrement);
        ArgumentNullException.ThrowIfNull(totalIncrement);
        using var noGrad = torch.no_grad();
        using var beta = _beta.ToScalar();
        _current.add_(currentIncrement, TorchScalars.One);
        _undelivered.add_(currentIncrement, TorchScalars.One).mul_(beta);
        _change.add_(totalIncrement, TorchScalars.One);
        Steps++;
    }

    /// <summary>(Σ_s c_s − E_T)/(1−β): the rescaled-SGD reading of the same gradients, minus what is still in the buffer.</summary>
    public Tensor BlendedGradientTerm()
    {
        using var difference = _current - _undelivered;
        return DivideByOneMinusBeta(difference);
    }

    /// <summary>E_T/(1−β): what the gradients so far would still add with a frozen Jacobian.</summary>
    public Tensor UndeliveredTerm() => DivideByOneMinusBeta(_undelivered);

    private Tensor DivideByOneMinusBeta(Tensor t)
    {
        using var oneMinusBeta = (1 - _beta).ToScalar();
        return t.div(oneMinusBeta);
    }

    /// <summary>f̃_T − f_θ0 − (Σ c − E_T)/(1−β): the Jacobian-change term, exactly (a new tensor).</summary>
    public Tensor JacobianChangeTerm()
    {
        using var blended = BlendedGradientTerm();
        return _change - blended;
    }

    /// <summary>f̃_T − f_θ0 accumulated from the increments (a new tensor).</summary>
    public Tensor Change() => _change.clone();

    /// <summary>Adds the three accumulated sums and the step count under <paramref name="prefix"/> (bit for bit).</summary>
    public void SaveState(CheckpointState state, string prefix)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.Set(prefix + "steps", Steps);
        state.Set(prefix + "current", _current);
        state.Set(prefix + "undelivered", _undelivered);
        state.Set(prefix + "change", _change);
    }

    /// <summary>Restores what <see cref="SaveState"/> stored into a blending built with the same β and shape.</summary>
    /// <exception cref="CheckpointMismatchException">Another shape or dtype.</exception>
    public void LoadState(CheckpointState state, string prefix)
    {
        ArgumentNullException.ThrowIfNull(state);
        Steps = state.GetInt(prefix + "steps");
        state.CopyTo(prefix + "current", _current);
        state.CopyTo(prefix + "undelivered", _undelivered);
        state.CopyTo(prefix + "change", _change);
    }

    public void Dispose()
    {
        _current.Dispose();
        _undelivered.Dispose();
        _change.Dispose();
    }
}
