using Telescope.Models;
using static TorchSharp.torch;

namespace Telescope.Autodiff;

/// <summary>
/// Where each <see cref="Mlp"/> layer's weight and bias sit in the <see cref="TrainableParameters"/> list
/// (−1 when frozen or absent). The layer-wise engines need it to pair tangents and kernel terms with layers.
/// </summary>
internal sealed class MlpLayerMap
{
    public MlpLayerMap(Mlp model, TrainableParameters parameters)
    {
        Model = model;
        var layers = model.Layers;
        WeightIndex = new int[layers.Count];
        BiasIndex = new int[layers.Count];
        int mapped = 0;
        for (int l = 0; l < layers.Count; l++)
        {
            WeightIndex[l] = IndexOf(parameters, layers[l].weight);
            BiasIndex[l] = IndexOf(parameters, layers[l].bias);
            mapped += (WeightIndex[l] >= 0 ? 1 : 0) + (BiasIndex[l] >= 0 ? 1 : 0);
        }
        // Every trainable tensor must belong to a layer, or tangents would be silently ignored.
        if (mapped != parameters.Tensors.Count)
            throw new InvalidOperationException(
                $"Only {mapped} of the Mlp's {parameters.Tensors.Count} trainable tensors are layer weights or biases; " +
                "the layer-wise engines cannot account for the others. Use DoubleBackwardJvp / GenericTangentKernel.");
        LowestTrainableLayer = Enumerable.Range(0, layers.Count).First(l => WeightIndex[l] >= 0 || BiasIndex[l] >= 0);
    }

    public Mlp Model { get; }
    public int LayerCount => WeightIndex.Length;
    public int[] WeightIndex { get; }
    public int[] BiasIndex { get; }
    /// <summary>No sensitivity needs propagating below this layer.</summary>
    public int LowestTrainableLayer { get; }

    public bool IsTrainable(int layer) => WeightIndex[layer] >= 0 || BiasIndex[layer] >= 0;

    private static int IndexOf(TrainableParameters parameters, Tensor? tensor)
    {
        if (tensor is null) return -1;
        for (int i = 0; i < parameters.Tensors.Count; i++)
            if (ReferenceEquals(parameters.Tensors[i], tensor)) return i;
        return -1;
    }
}
