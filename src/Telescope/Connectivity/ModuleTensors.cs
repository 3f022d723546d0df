using Telescope.Autodiff;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Connectivity;

/// <summary>
/// In-memory copies of a module's full state (trainable parameters and buffers) and exact loading of them: the tensors
/// of a <see cref="NetworkState"/>. (<see cref="Checkpointing.ModuleState"/> stores a module's state in a checkpoint instead.)
/// </summary>
public static class ModuleTensors
{
    /// <summary>Detached clones of every buffer (running statistics, counters) in <c>buffers()</c> order, owned by the caller.</summary>
    public static Tensor[] CloneBuffers(nn.Module module)
    {
        using var _ = torch.no_grad();
        return module.buffers().Select(b => b.detach().clone().DetachFromDisposeScope()).ToArray();
    }

    /// <summary>Copies <paramref name="parameters"/> and <paramref name="buffers"/> into the module (exact, no arithmetic).</summary>
    public static void Load(TrainableParameters trainable, nn.Module module, IReadOnlyList<Tensor> parameters, IReadOnlyList<Tensor> buffers)
    {
        var target = module.buffers().ToArray();
        if (parameters.Count != trainable.Tensors.Count)
            throw new ArgumentException($"Expected {trainable.Tensors.Count} parameter tensors, got {parameters.Count}.", nameof(parameters));
        if (buffers.Count != target.Length)
            throw new ArgumentException($"Expected {target.Length} buffers, got {buffers.Count}.", nameof(buffers));
        using var _ = torch.no_grad();
        for (int i = 0; i < parameters.Count; i++) trainable.Tensors[i].copy_(parameters[i]);
        for (int i = 0; i < target.Length; i++) target[i].copy_(buffers[i]);
    }
}
