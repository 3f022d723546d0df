using Telescope.Autodiff;
using Telescope.Checkpointing;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.UpdateAnalysis;

/// <summary>
/// How much the Jacobian moves, measured along one fixed random direction v (our definition): u_t(x) = J_t(x)·v on
/// a probe set, and the relative change ‖u_t − u_s‖_F / ‖u_s‖_F between two measurements (per input as well).
/// v has independent N(0, 1) entries per parameter, drawn once from a seeded generator, so successive
/// measurements compare the same linear functional of the parameters.
/// </summary>
/// <example>
/// <code>
/// using var drift = new JacobianDrift(engine, probes, seed: 7);
/// drift.Measure();                      // J_s·v, remembered
/// // ... W training steps ...
/// var change = drift.Measure();         // ‖J_t v − J_s v‖ / ‖J_s v‖ over the last W steps
/// </code>
/// </example>
public sealed class JacobianDrift : ICheckpointable, IDisposable
{
    private readonly IJvpEngine _engine;
    private readonly Tensor _inputs;
    private readonly Tensor[] _direction;
    private Tensor? _last;

    public JacobianDrift(IJvpEngine engine, Tensor inputs, ulong seed)
    {
        _engine = engine ?? throw new ArgumentNullException(nameof(engine));
        _inputs = inputs ?? throw new ArgumentNullException(nameof(inputs));
        using var generator = new torch.Generator(seed, device: torch.CPU);
        _direction = engine.Parameters.Tensors
            .Select(p => torch.randn(p.shape, dtype: ScalarType.Float64, generator: generator).to(p.dtype, p.device).DetachFromDisposeScope())
            .ToArray();
    }

    /// <summary>Per-input relative change of the last measurement (NaN for the first).</summary>
    public double[] LastPerInput { get; private set; } = [];

    /// <summary>
    /// Computes J_t·v at the current parameters; returns its relative change since the previous call (NaN the first time).
    /// </summary>
    public double Measure()
    {
        using var scope = torch.NewDisposeScope();
        using var result = _engine.Compute(_inputs, [_direction]);
        var now = result.Jvps[0].to_type(ScalarType.Float64).DetachFromDisposeScope();
        double change = double.NaN;
        if (_last is not null)
        {
            var diff = now - _last;
            change = diff.norm().item<double>() / _last.norm().item<double>();
            LastPerInput = (diff.pow(TorchScalars.Two).sum(1L).sqrt() / _last.pow(TorchScalars.Two).sum(1L).sqrt()).data<double>().ToArray();
            _last.Dispose();
        }
        _last = now;
        return change;
    }

    /// <summary>
    /// Adds the last measurement J_s·v under <paramref name="prefix"/> (v itself is a function of the seed and is
    /// drawn again by a new instance), so a restored instance's next <see cref="Measure"/> returns what this one's would.
    /// </summary>
    public void SaveState(CheckpointState state, string prefix)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.Set(prefix + "measured", _last is null ? 0L : 1L);
        if (_last is not null) state.Set(prefix + "last", _last);
    }

    /// <summary>Restores what <see cref="SaveState"/> stored into an instance built with the same engine, inputs and seed.</summary>
    public void LoadState(CheckpointState state, string prefix)
    {
        ArgumentNullException.ThrowIfNull(state);
        _last?.Dispose();
        _last = state.GetLong(prefix + "measured") == 0 ? null : state.GetTensor(prefix + "last").to(_inputs.device).DetachFromDisposeScope();
    }

    public void Dispose()
    {
        _last?.Dispose();
        foreach (var t in _direction) t.Dispose();
    }
}
