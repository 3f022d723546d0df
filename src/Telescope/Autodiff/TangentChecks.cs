using static TorchSharp.torch;

namespace Telescope.Autodiff;

/// <summary>Validation shared by the engines, so bad input fails with a message instead of a native abort.</summary>
internal static class TangentChecks
{
    /// <summary>
    /// Each tangent must list one tensor per trainable parameter, in <see cref="TrainableParameters"/> order,
    /// with the parameter's shape.
    /// </summary>
    public static void Validate(TrainableParameters parameters, IReadOnlyList<IReadOnlyList<Tensor>> tangents)
    {
        ArgumentNullException.ThrowIfNull(tangents);
        for (int t = 0; t < tangents.Count; t++)
        {
            var tangent = tangents[t] ?? throw new ArgumentException($"Tangent {t} is null.", nameof(tangents));
            if (tangent.Count != parameters.Tensors.Count)
                throw new ArgumentException(
                    $"Tangent {t} has {tangent.Count} tensors but the model has {parameters.Tensors.Count} trainable parameters; " +
                    "give one tensor per TrainableParameters.Tensors entry, in that order.", nameof(tangents));
            for (int p = 0; p < tangent.Count; p++)
            {
                var expected = parameters.Tensors[p].shape;
                if (tangent[p] is null || !tangent[p].shape.SequenceEqual(expected))
                    throw new ArgumentException(
                        $"Tangent {t}, parameter {p}: shape [{Shape(tangent[p])}] but the parameter is [{string.Join(", ", expected)}].",
                        nameof(tangents));
            }
        }
    }

    /// <summary>Inputs must be a batch (at least one dimension, rows first) of the parameters' dtype.</summary>
    public static void ValidateInputs(TrainableParameters parameters, Tensor inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.dim() < 1)
            throw new ArgumentException("Inputs must be a batch with rows first, e.g. [N, d]; got a scalar.", nameof(inputs));
        var dtype = parameters.Tensors[0].dtype;
        if (inputs.dtype != dtype)
            throw new ArgumentException($"Inputs are {inputs.dtype} but the model's parameters are {dtype}; convert the inputs first.",
                nameof(inputs));
    }

    /// <summary>
    /// A model output as [N, k]: a vector output [N] is read as k = 1. Anything else is rejected because
    /// the engines' results are defined per example and per output.
    /// </summary>
    public static Tensor AsMatrix(Tensor output, long rows)
    {
        if (output.dim() == 1 && output.shape[0] == rows) return output.unsqueeze(1);
        if (output.dim() == 2 && output.shape[0] == rows) return output;
        throw new InvalidOperationException(
            $"The module returned shape [{Shape(output)}] for {rows} inputs; the engines need [N, k] (or [N]) outputs.");
    }

    public static string Shape(Tensor? t) => t is null ? "null" : string.Join(", ", t.shape);
}
