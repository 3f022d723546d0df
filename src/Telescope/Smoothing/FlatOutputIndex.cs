using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Smoothing;

/// <summary>Where output a of training row i sits in a flattened n·k label vector: i·k + a.</summary>
internal static class FlatOutputIndex
{
    /// <summary>[b, k] Int64 indices i·k + a for the rows i in <paramref name="batch"/> ([b] Int64).</summary>
    public static Tensor Of(Tensor batch, long outputCount, Device device)
    {
        using var k = outputCount.ToScalar();
        using var scope = NewDisposeScope();
        var rowStarts = batch.unsqueeze(1).mul(k);
        var outputs = torch.arange(k, dtype: ScalarType.Int64, device: device).unsqueeze(0);
        return rowStarts.add(outputs, TorchScalars.One).MoveToOuterDisposeScope();
    }
}
