using Telescope.Autodiff;
using Telescope.Optim;
using Telescope.Runs;

namespace Telescope.Recipes;

/// <summary>
/// The optimizer configurations recipes sweep, by name. Their hyperparameters other than the learning rate
/// come from the recipe's settings (<see cref="AddSettings"/>), so each run records them in config.json.
/// </summary>
public static class OptimizerChoice
{
    public const string Sgd = "sgd";
    public const string SgdMomentum = "sgd_momentum";
    public const string SgdMomentumWeightDecay = "sgd_momentum_wd";
    public const string Adam = "adam";
    public const string AdamW = "adamw";
    public static readonly string[] All = [Sgd, SgdMomentum, SgdMomentumWeightDecay, Adam, AdamW];

    /// <summary>Adds <c>momentum</c>, <c>sgd_weight_decay</c>, <c>adam_weight_decay</c>, <c>adamw_weight_decay</c>.</summary>
    public static RecipeSettings AddSettings(RecipeSettings settings) => settings
        .AddDouble("momentum", 0.9, "Momentum β of sgd_momentum and sgd_momentum_wd", min: 0, max: 0.999)
        .AddDouble("sgd_weight_decay", 5e-4, "Weight decay λ of sgd_momentum_wd (coupled, PyTorch SGD)", min: 0)
        .AddDouble("adam_weight_decay", 0, "Weight decay λ of adam (coupled L2, PyTorch Adam)", min: 0)
        .AddDouble("adamw_weight_decay", 0.01, "Weight decay λ of adamw (decoupled, PyTorch AdamW)", min: 0);

    /// <summary>A one-line description of the named configuration with the run's hyperparameters.</summary>
    public static string Describe(string name, RecipeSettings s) => name switch
    {
        Sgd => "SGD",
        SgdMomentum => FormattableString.Invariant($"SGD, momentum {s.GetDouble("momentum")}"),
        SgdMomentumWeightDecay => FormattableString.Invariant($"SGD, momentum {s.GetDouble("momentum")}, weight decay {s.GetDouble("sgd_weight_decay")}"),
        Adam => FormattableString.Invariant($"Adam (β = 0.9, 0.999; ε = 1e-8), weight decay {s.GetDouble("adam_weight_decay")}"),
        AdamW => FormattableString.Invariant($"AdamW (β = 0.9, 0.999; ε = 1e-8), weight decay {s.GetDouble("adamw_weight_decay")}"),
        _ => throw Unknown(name),
    };

    /// <summary>Creates the named optimizer at learning rate <paramref name="learningRate"/>.</summary>
    public static ExactOptimizer Create(string name, TrainableParameters parameters, double learningRate, RecipeSettings s) => name switch
    {
        Sgd => ExactOptimizers.Sgd(parameters, learningRate),
        SgdMomentum => ExactOptimizers.Sgd(parameters, learningRate, momentum: s.GetDouble("momentum")),
        SgdMomentumWeightDecay => ExactOptimizers.Sgd(parameters, learningRate, momentum: s.GetDouble("momentum"),
            weightDecay: s.GetDouble("sgd_weight_decay")),
        Adam => ExactOptimizers.Adam(parameters, learningRate, weightDecay: s.GetDouble("adam_weight_decay")),
        AdamW => ExactOptimizers.AdamW(parameters, learningRate, weightDecay: s.GetDouble("adamw_weight_decay")),
        _ => throw Unknown(name),
    };

    private static TelescopeException Unknown(string name) =>
        new($"Unknown optimizer '{name}'.") { Hint = $"Use one of: {string.Join(", ", All)}." };
}
