using Telescope.Autodiff;
using Telescope.Checkpointing;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Connectivity;

/// <summary>A point of a network: trainable parameter values and buffers (BatchNorm statistics). Owns its tensors.</summary>
public sealed class NetworkState(Tensor[] parameters, Tensor[] buffers) : IDisposable
{
    public IReadOnlyList<Tensor> Parameters { get; } = parameters;
    public IReadOnlyList<Tensor> Buffers { get; } = buffers;

    /// <summary>Copies of the module's trainable parameters (<see cref="TrainableParameters"/> order) and buffers now.</summary>
    public static NetworkState Capture(nn.Module<Tensor, Tensor> module) =>
        new(new TrainableParameters(module).CloneValues().Select(t => t.DetachFromDisposeScope()).ToArray(), ModuleTensors.CloneBuffers(module));

    /// <summary>Adds the parameters and buffers to a checkpoint under <paramref name="prefix"/> (raw bytes).</summary>
    public void Save(CheckpointState state, string prefix)
    {
        state.SetGroup(prefix + "parameters", Parameters);
        state.SetGroup(prefix + "buffers", Buffers);
    }

    /// <summary>
    /// Reads a state written by <see cref="Save"/>, shaped like <paramref name="like"/>'s parameters and buffers
    /// (a module of the same architecture).
    /// </summary>
    public static NetworkState Load(CheckpointState state, string prefix, nn.Module<Tensor, Tensor> like)
    {
        var loaded = Capture(like);
        state.CopyGroupTo(prefix + "parameters", loaded.Parameters);
        state.CopyGroupTo(prefix + "buffers", loaded.Buffers);
        return loaded;
    }

    public void Dispose() { foreach (var t in Parameters.Concat(Buffers)) t.Dispose(); }
}
