using System.Globalization;

namespace Telescope.Optim;

/// <summary>
/// The loss gradient handed to an exact optimizer holds NaN or ±∞. Thrown by
/// <see cref="ExactOptimizer.ComputeUpdate"/> before it touches any state, so the parameters and the optimizer's
/// state are still those after the previous step (and a checkpoint written now would be the last good one).
/// Names the first affected parameter, its layer group (the module path it belongs to) and how many values are bad.
/// </summary>
public sealed class NonFiniteGradientException : TelescopeException
{
    /// <summary>Creates the exception for step <paramref name="step"/>.</summary>
    public NonFiniteGradientException(int step, string parameter, long nonFinite, long count, IReadOnlyList<string> alsoAffected)
        : base(Describe(step, parameter, nonFinite, count, alsoAffected))
    {
        Step = step;
        Parameter = parameter;
        LayerGroup = LayerGroupOf(parameter);
        NonFiniteCount = nonFinite;
        Count = count;
        AlsoAffected = alsoAffected;
        Hint = "A non-finite gradient from a finite loss comes from the backward pass, not from the size of the step, so " +
            "a lower learning rate does not help: look for NaN/∞ in the inputs, and for a CPU-dependent numeric fault " +
            $"(docs/numerics.md; this process: {TorchRuntime.Convolutions.Describe()}).";
    }

    /// <summary>The step whose update was refused (1-based).</summary>
    public int Step { get; }
    /// <summary>The first trainable parameter (module path, e.g. "layer1.0.conv2.weight") with a non-finite gradient.</summary>
    public string Parameter { get; }
    /// <summary>The module the parameter belongs to (its path without the last segment, e.g. "layer1.0.conv2").</summary>
    public string LayerGroup { get; }
    /// <summary>NaN or ±∞ entries in that parameter's gradient.</summary>
    public long NonFiniteCount { get; }
    /// <summary>Entries in that parameter's gradient.</summary>
    public long Count { get; }
    /// <summary>The other parameters whose gradients are not finite either, in parameter order.</summary>
    public IReadOnlyList<string> AlsoAffected { get; }

    /// <summary>"layer1.0.conv2.weight" → "layer1.0.conv2"; a name without a dot is its own group.</summary>
    public static string LayerGroupOf(string parameter)
    {
        int dot = parameter.LastIndexOf('.');
        return dot > 0 ? parameter[..dot] : parameter;
    }

    private static string Describe(int step, string parameter, long nonFinite, long count, IReadOnlyList<string> alsoAffected)
    {
        string others = alsoAffected.Count switch
        {
            0 => "",
            <= 4 => $"; so are the gradients of {string.Join(", ", alsoAffected.Select(a => $"'{a}'"))}",
            _ => $"; so are the gradients of {alsoAffected.Count} more parameters ('{alsoAffected[0]}', …, '{alsoAffected[^1]}')",
        };
        return string.Create(CultureInfo.InvariantCulture,
            $"The loss gradient is not finite at step {step}: parameter '{parameter}' (layer group '{LayerGroupOf(parameter)}') has " +
            $"{nonFinite} of {count} values NaN or ±∞{others}. No update was applied: the parameters and the optimizer's state are those after step {step - 1}.");
    }
}
