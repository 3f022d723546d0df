namespace Telescope.Recipes.Grokking;

/// <summary>One grokking-mnist configuration: the initialization scale α and the hidden activation.</summary>
/// <param name="Alpha">α, the factor applied to every initial parameter.</param>
public sealed record MnistConfiguration(double Alpha, Activation Activation)
{
    /// <summary>The <c>run</c> label of metrics.csv, e.g. "relu_alpha=8".</summary>
    public string Label => string.Create(CultureInfo.InvariantCulture, $"{Activation}_alpha={Alpha:G6}");

    /// <summary>Parses "ACTIVATION:ALPHA", e.g. "relu:8" or "sigmoid:1".</summary>
    /// <exception cref="TelescopeException">The text is not of that form.</exception>
    public static MnistConfiguration Parse(string text)
    {
        var parts = text.Split(':', 2);
        if (parts.Length != 2 || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double alpha)
            || !(alpha > 0) || !double.IsFinite(alpha))
            throw new TelescopeException($"Configuration '{text}' is not of the form ACTIVATION:ALPHA with α > 0.")
            { Hint = "E.g. --set configs=relu:8,relu:1,sigmoid:1" };
        try { return new MnistConfiguration(alpha, Activation.Parse(parts[0])); }
        catch (ArgumentException e) { throw new TelescopeException($"Configuration '{text}': {e.Message}"); }
    }
}
