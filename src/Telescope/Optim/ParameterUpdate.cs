using static TorchSharp.torch;

namespace Telescope.Optim;

/// <summary>
/// The exact update Δθ_t an optimizer applies at one step, per trainable parameter, with its named
/// components (which sum to <see cref="Total"/> up to rounding of the sum itself).
/// Taken from the update computation, never as a difference of weights.
/// </summary>
public sealed class ParameterUpdate : IDisposable
{
    public ParameterUpdate(int step, double learningRate, IReadOnlyList<Tensor> total,
        IReadOnlyDictionary<string, IReadOnlyList<Tensor>> components)
    {
        Step = step;
        LearningRate = learningRate;
        Total = total;
        Components = components;
    }

    /// <summary>t, counting from 1.</summary>
    public int Step { get; }
    public double LearningRate { get; }
    public IReadOnlyList<Tensor> Total { get; }
    /// <summary>Component name (see <see cref="UpdateComponent"/>) → per-parameter tensors.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<Tensor>> Components { get; }

    public void Dispose()
    {
        foreach (var t in Total) t.Dispose();
        foreach (var c in Components.Values) foreach (var t in c) t.Dispose();
    }
}
