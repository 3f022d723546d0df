using static TorchSharp.torch;

namespace Telescope.Connectivity;

/// <summary>A point of a network: trainable parameter values and buffers (BatchNorm statistics). Owns its tensors.</summary>
public sealed class NetworkState(Tensor[] parameters, Tensor[] buffers) : IDisposable
{
    public IReadOnlyList<Tensor> Parameters { get; } = parameters;
    public IReadOnlyList<Tensor> Buffers { get; } = buffers;

    /// <summary>The parameters and buffers of a snapshot (cloned).</summary>
    public static NetworkState Of(TrainingSnapshot snapshot) => new(
        snapshot.Parameters.Select(t => t.clone().DetachFromDisposeScope()).ToArray(),
        snapshot.Buffers.Select(t => t.clone().DetachFromDisposeScope()).ToArray());

    public void Dispose() { foreach (var t in Parameters.Concat(Buffers)) t.Dispose(); }
}
