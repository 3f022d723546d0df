using Telescope.Autodiff;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Connectivity;

/// <summary>The telescoping view of one spawn (docs/method.md §7, our definition), on the probe inputs.</summary>
/// <param name="PathNonlinearity">mean |f_θ(½) − ½(f_θ¹ + f_θ²)| over probes and logits.</param>
/// <param name="LinearizationGap">mean |f_θ(½) − f_lin,t′(θ(½))|.</param>
/// <param name="ChildGap1">mean |f_θ¹ − f_lin,t′(θ¹)| (how far child 1 left the first-order picture from t′).</param>
/// <param name="ChildGap2">the same for child 2.</param>
/// <param name="FunctionChange">mean over the two children of mean |f_θ^c − f_θt′|: the scale the gaps compare to.</param>
public sealed record SpawnLinearizationResult(double PathNonlinearity, double LinearizationGap, double ChildGap1, double ChildGap2, double FunctionChange);

/// <summary>
/// Compares the real functions of a spawn's children and of their midpoint with the linearization at the spawn point,
/// f_lin,t′(θ) = f_θt′ + J_t′·(θ − θ_t′), evaluated at θ¹_T, θ²_T and θ(½). All functions are taken in evaluation
/// mode: J_t′ and f_θt′ with θ_t′'s BatchNorm statistics (the linearization is over the trainable parameters only),
/// each real function with its own statistics (θ(½)'s as loaded by the caller, e.g. recomputed).
/// </summary>
/// <example>
/// <code>
/// path.Load(child1, child2, 0.5);                                   // θ(½) with its BatchNorm statistics
/// using var midpoint = ClassifierEvaluation.Logits(net, probes);
/// var view = SpawnLinearization.Measure(net, spawn, child1, child2, midpoint, probes);
/// Console.WriteLine($"path non-linearity {view.PathNonlinearity}, linearization gap {view.LinearizationGap}");
/// </code>
/// </example>
public static class SpawnLinearization
{
    /// <param name="module">Any module of the architecture; its state is overwritten (the caller reloads what it needs).</param>
    /// <param name="spawn">θ_t′ with its buffers.</param>
    /// <param name="midpointLogits">f_θ(½) on the probes, already evaluated with θ(½)'s statistics.</param>
    public static SpawnLinearizationResult Measure(nn.Module<Tensor, Tensor> module, NetworkState spawn, NetworkState child1, NetworkState child2,
        Tensor midpointLogits, Tensor probes)
    {
        using var scope = torch.NewDisposeScope();
        var engine = new DoubleBackwardJvp(module, chunkSize: 64);
        var parameters = engine.Parameters;
        var f1 = LogitsAt(module, parameters, child1, probes);
        var f2 = LogitsAt(module, parameters, child2, probes);
        var f0 = LogitsAt(module, parameters, spawn, probes);
        using var mid = WeightInterpolation.Interpolate(child1.Parameters, child2.Parameters, 0.5).AsDisposable();
        var tangents = new[] { child1.Parameters, child2.Parameters, mid.Items }
            .Select(theta => (IReadOnlyList<Tensor>)theta.Select((t, i) => t - spawn.Parameters[i]).ToArray()).ToArray();
        // The module holds θ_t′ with its buffers now (LogitsAt loaded it last).
        module.eval();
        using var jvp = engine.Compute(probes, tangents);
        var lin1 = jvp.Output.add(jvp.Jvps[0], TorchScalars.One);
        var lin2 = jvp.Output.add(jvp.Jvps[1], TorchScalars.One);
        var linMid = jvp.Output.add(jvp.Jvps[2], TorchScalars.One);
        double Mean(Tensor t) => t.abs().mean().ToDouble();
        return new SpawnLinearizationResult(
            PathNonlinearity: Mean(midpointLogits - f1.add(f2, TorchScalars.One).div_(TorchScalars.Two)),
            LinearizationGap: Mean(midpointLogits - linMid),
            ChildGap1: Mean(f1 - lin1),
            ChildGap2: Mean(f2 - lin2),
            FunctionChange: (Mean(f1 - f0) + Mean(f2 - f0)) / 2);
    }

    private static Tensor LogitsAt(nn.Module<Tensor, Tensor> module, TrainableParameters parameters, NetworkState state, Tensor probes)
    {
        ModuleTensors.Load(parameters, module, state.Parameters, state.Buffers);
        return ClassifierEvaluation.Logits(module, probes);
    }

    private sealed class OwnedTensors(Tensor[] items) : IDisposable
    {
        public Tensor[] Items { get; } = items;
        public void Dispose() { foreach (var t in Items) t.Dispose(); }
    }

    private static OwnedTensors AsDisposable(this Tensor[] items) => new(items);
}
