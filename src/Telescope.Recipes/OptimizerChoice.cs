namespace Telescope.Recipes;

/// <summary>
/// The optimizer configurations recipes sweep, by name. Their hyperparameters other than the learning rate
/// come from the recipe's settings (<see cref="OptimizerSettings"/>), so each run records them in config.json.
/// </summary>
public static class OptimizerChoice
{
    public const string Sgd = "sgd";
    public const string SgdMomentum = "sgd_momentum";
    public const string SgdMomentumWeightDecay = "sgd_momentum_wd";
    public const string Adam = "adam";
    public const string AdamW = "adamw";
    public static readonly string[] All = [Sgd, SgdMomentum, SgdMomentumWeightDecay, Adam, AdamW];

    /// <summary>A one-line description of the named configuration with the run's hyperparameters.</summary>
    public static string Describe(string name, OptimizerSettings s) => name switch
    {
        Sgd => "SGD",
        SgdMomentum => FormattableString.Invariant($"SGD, momentum {s.Momentum}"),
        SgdMomentumWeightDecay => FormattableString.Invariant($"SGD, momentum {s.Momentum}, weight decay {s.SgdWeightDecay}"),
        Adam => FormattableString.Invariant($"Adam (β = 0.9, 0.999; ε = 1e-8), weight decay {s.AdamWeightDecay}"),
        AdamW => FormattableString.Invariant($"AdamW (β = 0.9, 0.999; ε = 1e-8), weight decay {s.AdamWWeightDecay}"),
        _ => throw Unknown(name),
    };

    /// <summary>Creates the named optimizer at learning rate <paramref name="learningRate"/>.</summary>
    public static ExactOptimizer Create(string name, TrainableParameters parameters, double learningRate, OptimizerSettings s) => name switch
    {
        Sgd => ExactOptimizers.Sgd(parameters, learningRate),
        SgdMomentum => ExactOptimizers.Sgd(parameters, learningRate, momentum: s.Momentum),
        SgdMomentumWeightDecay => ExactOptimizers.Sgd(parameters, learningRate, momentum: s.Momentum,
            weightDecay: s.SgdWeightDecay),
        Adam => ExactOptimizers.Adam(parameters, learningRate, weightDecay: s.AdamWeightDecay),
        AdamW => ExactOptimizers.AdamW(parameters, learningRate, weightDecay: s.AdamWWeightDecay),
        _ => throw Unknown(name),
    };

    private static TelescopeException Unknown(string name) =>
        new($"Unknown optimizer '{name}'.") { Hint = $"Use one of: {string.Join(", ", All)}." };
}

/// <summary>The hyperparameters of <see cref="OptimizerChoice"/>'s configurations other than the learning rate.</summary>
public sealed record OptimizerSettings(double Momentum, double SgdWeightDecay, double AdamWeightDecay,
    double AdamWWeightDecay)
{
    /// <summary>momentum, sgd_weight_decay, adam_weight_decay, adamw_weight_decay.</summary>
    public static Runs.SettingsSchema<OptimizerSettings> Schema { get; } = new Runs.SettingsSchema<OptimizerSettings>()
        .Double(x => x.Momentum, "momentum", 0.9, "Momentum β of sgd_momentum and sgd_momentum_wd", min: 0, max: 0.999)
        .Double(x => x.SgdWeightDecay, "sgd_weight_decay", 5e-4, "Weight decay λ of sgd_momentum_wd (coupled, PyTorch SGD)", min: 0)
        .Double(x => x.AdamWeightDecay, "adam_weight_decay", 0, "Weight decay λ of adam (coupled L2, PyTorch Adam)", min: 0)
        .Double(x => x.AdamWWeightDecay, "adamw_weight_decay", 0.01, "Weight decay λ of adamw (decoupled, PyTorch AdamW)", min: 0);
}
