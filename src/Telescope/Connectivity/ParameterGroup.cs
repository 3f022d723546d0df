using Telescope.Autodiff;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Connectivity;

/// <summary>A named layer group: the indices of its tensors in <see cref="TrainableParameters"/> order.</summary>
public sealed record ParameterGroup(string Name, IReadOnlyList<int> Indices)
{
    /// <summary>
    /// Groups from (name, submodule) pairs, e.g. <see cref="Models.ResNet.LayerGroups"/>: each group gets the trainable
    /// tensors of its submodule. Every trainable tensor must belong to exactly one group.
    /// </summary>
    public static IReadOnlyList<ParameterGroup> FromModules(TrainableParameters parameters, IEnumerable<(string Name, nn.Module Module)> modules)
    {
        var index = new Dictionary<IntPtr, int>();
        for (int i = 0; i < parameters.Tensors.Count; i++) index[parameters.Tensors[i].Handle] = i;
        var owner = new string?[parameters.Tensors.Count];
        var groups = new List<ParameterGroup>();
        foreach (var (name, module) in modules)
        {
            var indices = new List<int>();
            foreach (var p in module.parameters().Where(p => p.requires_grad))
            {
                if (!index.TryGetValue(p.Handle, out int i))
                    throw new ArgumentException($"Group '{name}' holds a parameter that is not among the model's trainable parameters.");
                if (owner[i] is not null) throw new ArgumentException($"A parameter belongs to both '{owner[i]}' and '{name}'.");
                owner[i] = name;
                indices.Add(i);
            }
            if (indices.Count == 0) throw new ArgumentException($"Group '{name}' has no trainable parameters.");
            groups.Add(new ParameterGroup(name, indices));
        }
        int missing = Array.IndexOf(owner, null);
        if (missing >= 0) throw new ArgumentException($"Trainable parameter #{missing} belongs to no group.");
        return groups;
    }
}
