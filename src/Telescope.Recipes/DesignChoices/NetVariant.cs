namespace Telescope.Recipes.DesignChoices;

/// <summary>An MLP variant of the weight-decay identity check: its activation and whether its layers have biases.</summary>
internal sealed record NetVariant(string Name, Activation Activation, bool Bias)
{
    /// <summary>Values of the <c>identity_nets</c> setting.</summary>
    public static readonly string[] Choices = ["relu-nobias", "relu-bias", "tanh-nobias", "tanh-bias", "sigmoid-nobias", "sigmoid-bias"];

    /// <summary>Parses "relu-nobias", "tanh-bias", …</summary>
    public static NetVariant Parse(string name)
    {
        int dash = name.LastIndexOf('-');
        if (dash <= 0 || !Choices.Contains(name))
            throw new TelescopeException($"Unknown network variant '{name}'.") { Hint = $"Use one of: {string.Join(", ", Choices)}." };
        return new NetVariant(name, Activation.Parse(name[..dash]), name[(dash + 1)..] == "bias");
    }
}
