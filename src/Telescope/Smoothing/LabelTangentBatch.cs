using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Smoothing;

/// <summary>A step's batch B_t for <see cref="LabelTangentSmoother"/>: its checked indices and the label directions V at its rows.</summary>
internal static class LabelTangentBatch
{
    /// <summary>The batch indices as int64 on <paramref name="device"/>, checked to lie in [0, trainingCount); owned by the caller.</summary>
    public static Tensor Validated(Tensor batch, Device device, int trainingCount)
    {
        if (batch.dim() != 1 || batch.shape[0] == 0)
            throw new ArgumentException($"Batch indices must be a non-empty 1-D tensor; got [{string.Join(", ", batch.shape)}].");
        if (batch.dtype != ScalarType.Int64 && batch.dtype != ScalarType.Int32)
            throw new ArgumentException($"Batch indices must be integers (int64); got {batch.dtype}.");
        var asLong = batch.to(ScalarType.Int64, device);
        // `to` may hand back the caller's own tensor; own a separate handle so disposing it is safe.
        if (ReferenceEquals(asLong, batch)) asLong = batch.alias();
        using var minT = asLong.min();
        using var maxT = asLong.max();
        long min = minT.item<long>(), max = maxT.item<long>();
        if (min < 0 || max >= trainingCount)
        {
            asLong.Dispose();
            throw new ArgumentException($"Batch indices must lie in [0, {trainingCount}); got {min}..{max}.");
        }
        return asLong;
    }

    /// <summary>V_i for the batch rows, all directions: [D_total, b, k].</summary>
    public static Tensor Directions(Tensor batch, Tensor? randomDirections, int labelDirections, Tensor? surrogateLabels,
        int outputCount, ScalarType dtype, Device device)
    {
        long b = batch.shape[0];
        int k = outputCount;
        Tensor labelPart;
        if (randomDirections is not null) labelPart = randomDirections.index_select(1, batch);
        else
        {
            // Basis direction d = i·k + a has a single 1 at row i, output a.
            var flat = torch.zeros([labelDirections, b * k], dtype: dtype, device: device);
            var rows = FlatOutputIndex.Of(batch, k, device).reshape(1, b * k);
            flat.scatter_(0, rows, torch.ones([1, b * k], dtype: dtype, device: device));
            labelPart = flat.view(labelDirections, b, k);
        }
        if (surrogateLabels is null) return labelPart;
        return torch.cat([labelPart, surrogateLabels.index_select(0, batch).unsqueeze(0)], 0);
    }
}
