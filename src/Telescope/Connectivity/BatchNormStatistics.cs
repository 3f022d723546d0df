using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Telescope.Connectivity;

/// <summary>How the BatchNorm statistics of an interpolated network θ(α) are obtained (docs/method.md §7).</summary>
public enum BatchNormMode
{
    /// <summary>Recomputed: running mean and variance averaged over training batches in training mode, without augmentation (default).</summary>
    Recompute,
    /// <summary>Interpolated like the parameters: α·stats¹ + (1−α)·stats² (option).</summary>
    Interpolate,
}

/// <summary>Recomputes the running statistics of every BatchNorm layer of a module from training batches.</summary>
public static class BatchNormStatistics
{
    /// <summary>Whether the module has BatchNorm layers (otherwise nothing needs recomputing).</summary>
    public static bool HasBatchNorm(nn.Module module) => module.modules().Any(m => m is BatchNorm2d or BatchNorm1d);

    /// <summary>
    /// Resets every BatchNorm layer's statistics and sets them to the equal-weight average over the first
    /// <paramref name="batches"/> consecutive batches of <paramref name="batchSize"/> images of <paramref name="images"/>
    /// (training mode, no augmentation, no gradient): momentum = None in PyTorch's terms, i.e. a cumulative average
    /// of the per-batch means and unbiased variances. Leaves the module in evaluation mode.
    /// </summary>
    public static void Recompute(nn.Module<Tensor, Tensor> module, Tensor images, int batchSize, int batches)
    {
        if (batchSize < 2) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "BatchNorm needs at least 2 images per batch.");
        if (batches < 1) throw new ArgumentOutOfRangeException(nameof(batches), batches, "At least one batch is needed.");
        var layers = module.modules().OfType<BatchNorm2d>().ToArray();
        if (layers.Length == 0) return;
        int usable = (int)Math.Min(batches, images.shape[0] / batchSize);
        if (usable < 1) throw new ArgumentException($"{images.shape[0]} images do not make one batch of {batchSize}.", nameof(images));
        var saved = layers.Select(l => l.momentum).ToArray();
        using var _ = torch.no_grad();
        try
        {
            foreach (var l in layers) l.reset_running_stats();
            module.train();
            for (int b = 0; b < usable; b++)
            {
                // momentum 1/(b+1) makes the running value the plain mean of the b+1 batch statistics so far.
                foreach (var l in layers) l.momentum = 1.0 / (b + 1);
                using var scope = torch.NewDisposeScope();
                module.forward(images.narrow(0, (long)b * batchSize, batchSize));
            }
        }
        finally
        {
            for (int i = 0; i < layers.Length; i++) layers[i].momentum = saved[i];
            module.eval();
        }
    }
}
