using static TorchSharp.torch;

namespace Telescope.Connectivity;

/// <summary>Images [N, C, H, W] (already normalized) with class labels [N] (int64), on the model's device and dtype.</summary>
public sealed record ImageClassifierData(Tensor Images, Tensor Labels) : IDisposable
{
    public int Count => (int)Images.shape[0];

    public void Dispose() { Images.Dispose(); Labels.Dispose(); }
}
