using Telescope.Autodiff;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Connectivity;

/// <summary>Accuracy and mean cross-entropy of a classifier in evaluation mode.</summary>
public readonly record struct ClassifierScore(double Accuracy, double Loss);

/// <summary>Evaluates a classifier in evaluation mode (BatchNorm running statistics), in chunks.</summary>
public static class ClassifierEvaluation
{
    /// <summary>Chunk size that keeps activations small (fresh large allocations dominate CPU time otherwise).</summary>
    public const int DefaultChunk = 250;

    /// <summary>Accuracy and mean cross-entropy over all of <paramref name="data"/>; leaves the module in eval mode.</summary>
    public static ClassifierScore Evaluate(nn.Module<Tensor, Tensor> model, ImageClassifierData data, int chunk = DefaultChunk)
    {
        model.eval();
        using var _ = torch.no_grad();
        double correct = 0, loss = 0;
        foreach (var range in InputChunks.Ranges(data.Count, chunk))
        {
            using var scope = torch.NewDisposeScope();
            var x = data.Images.narrow(0, range.Start, range.Length);
            var y = data.Labels.narrow(0, range.Start, range.Length);
            var logits = model.forward(x);
            correct += logits.argmax(1).eq(y).sum().ToDouble();
            loss += nn.functional.cross_entropy(logits, y, reduction: nn.Reduction.Sum).ToDouble();
        }
        return new ClassifierScore(correct / data.Count, loss / data.Count);
    }

    /// <summary>Logits [N, k] in evaluation mode (detached).</summary>
    public static Tensor Logits(nn.Module<Tensor, Tensor> model, Tensor inputs, int chunk = DefaultChunk)
    {
        model.eval();
        using var _ = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var parts = InputChunks.Ranges(inputs.shape[0], chunk).Select(r => model.forward(inputs.narrow(0, r.Start, r.Length))).ToArray();
        return torch.cat(parts, 0).MoveToOuterDisposeScope();
    }
}
