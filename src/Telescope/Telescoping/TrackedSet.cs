using static TorchSharp.torch;

namespace Telescope.Telescoping;

/// <summary>
/// A named set of inputs on which the telescoping model is tracked (training inputs, test inputs, or a
/// probe subset). Every telescoping quantity is defined relative to such a set (docs/method.md §1).
/// </summary>
/// <param name="Name">E.g. "train", "test", "probe".</param>
/// <param name="Inputs">[N, ...] inputs in the model's dtype and device.</param>
/// <param name="Labels">Optional targets for accuracy: class indices [N] (int64) for k &gt; 1 outputs, or ±1
/// values [N] for a scalar output (accuracy of the sign).</param>
public sealed record TrackedSet(string Name, Tensor Inputs, Tensor? Labels = null)
{
    public long Count => Inputs.shape[0];
}
