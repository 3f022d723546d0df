using Telescope.Optim;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Telescoping;

/// <summary>
/// Black-box mode of the <see cref="TelescopingTracker"/>: tracks f̃ and f_lin under any optimizer that moves the
/// parameters in place — <c>torch.optim.SGD/Adam/AdamW</c>, a <c>torch.optim.lr_scheduler</c>, gradient clipping,
/// a third-party optimizer — without one of Telescope's exact optimizers (docs/method.md §2).
/// </summary>
/// <remarks>
/// <para><c>tracker.Step(() =&gt; optimizer.step())</c> snapshots θ_{t−1}, runs the user's step, measures
/// Δθ_t = θ_t − θ_{t−1}, loads θ_{t−1} back into the parameters for the JVP (the swap the stride path makes for a
/// window's start), records J_{t−1}·Δθ_t through <see cref="TelescopingTracker.Record"/> — so f̃, f_lin, strides and
/// checkpoints are exactly those of the exact path given the same Δθ — and restores θ_t by copy, bit for bit:
/// training continues exactly as it would without the tracker.</para>
/// <para>What it cannot give:</para>
/// <list type="bullet">
/// <item>the component decomposition: the update has no named parts (gradient, momentum, weight decay), so a
/// tracker with <see cref="TelescopingOptions.TrackComponents"/> is refused;</item>
/// <item>an update taken from the optimizer's computation: Δθ is measured from the parameters, so it is everything
/// the step did to them (weight decay, clipping, a scheduler's rate, anything else the callback changes), with the
/// rounding of the parameter update included. For the same optimizer it agrees with an exact optimizer's Δθ to
/// that rounding (one ulp of θ).</item>
/// </list>
/// <para>Cost over the exact path: a few passes over θ per step (the snapshot, the difference, and the swap:
/// θ_t saved, θ_{t−1} loaded, θ_t restored), small next to the JVP pass. The state is the tracker's own:
/// <see cref="TelescopingTracker.SaveState"/> covers it; the optimizer's state is checkpointed by its owner.</para>
/// </remarks>
public static class BlackBoxStepping
{
    private static readonly IReadOnlyDictionary<string, IReadOnlyList<Tensor>> NoComponents =
        new Dictionary<string, IReadOnlyList<Tensor>>();

    /// <summary>
    /// Runs <paramref name="optimizerStep"/> (which must update the tracked model's parameters in place, e.g.
    /// <c>() =&gt; optimizer.step()</c>, after <c>loss.backward()</c>) and records the update it made, Δθ_t = θ_t − θ_{t−1},
    /// with the Jacobian at θ_{t−1}. Call a learning-rate scheduler's <c>step()</c> inside or after it as usual.
    /// </summary>
    /// <exception cref="TelescopeException">The tracker tracks update components, which a measured Δθ does not have.</exception>
    public static void Step(this TelescopingTracker tracker, Action optimizerStep)
    {
        ArgumentNullException.ThrowIfNull(tracker);
        ArgumentNullException.ThrowIfNull(optimizerStep);
        if (tracker.Options.TrackComponents)
            throw new TelescopeException(
                "A black-box step measures Δθ from the parameters, so it has no named update components. " +
                "Set TrackComponents = false, or use one of Telescope's exact optimizers: tracker.Step(IExactOptimizer).");

        var parameters = tracker.Parameters;
        var before = parameters.CloneValues();   // θ_{t−1}, bit for bit
        try
        {
            optimizerStep();   // outside any dispose scope of ours: the optimizer's own tensors must survive it
            Tensor[] delta;
            using (torch.no_grad())
                delta = parameters.Tensors.Select((p, i) => p.sub(before[i])).ToArray();
            // Record reads only Total; the step number and rate of a measured update are not known here.
            using var update = new ParameterUpdate(tracker.StepCount + 1, double.NaN, delta, NoComponents);
            using (parameters.Load(before))   // θ_{t−1} for J_{t−1}; disposing copies θ_t back
                tracker.Record(update);
        }
        finally
        {
            foreach (var t in before) t.Dispose();
        }
    }
}
