using TorchSharp;

namespace Telescope.Checkpointing;

/// <summary>Saves and restores every parameter and buffer of a module (by its module path) in a <see cref="CheckpointState"/>.</summary>
public static class ModuleState
{
    /// <summary>Adds the module's parameters and buffers under <paramref name="prefix"/>.</summary>
    public static void Save(torch.nn.Module module, CheckpointState state, string prefix)
    {
        foreach (var (name, parameter) in module.named_parameters()) state.Set(prefix + "parameter/" + name, parameter);
        foreach (var (name, buffer) in module.named_buffers()) state.Set(prefix + "buffer/" + name, buffer);
    }

    /// <summary>Overwrites the module's parameters and buffers (in place, so optimizers keep their references).</summary>
    /// <exception cref="CheckpointMismatchException">An entry is missing or has another dtype/shape.</exception>
    public static void Load(torch.nn.Module module, CheckpointState state, string prefix)
    {
        foreach (var (name, parameter) in module.named_parameters()) state.CopyTo(prefix + "parameter/" + name, parameter);
        foreach (var (name, buffer) in module.named_buffers()) state.CopyTo(prefix + "buffer/" + name, buffer);
    }
}
