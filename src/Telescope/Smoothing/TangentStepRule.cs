using Telescope.Optim;
using static TorchSharp.torch;

namespace Telescope.Smoothing;

/// <summary>Which update rule a <see cref="TangentStepRule"/> describes.</summary>
public enum TangentOptimizerKind
{
    /// <summary>SGD with optional momentum, Nesterov and coupled weight decay (PyTorch conventions, dampening 0).</summary>
    Sgd,
    /// <summary>Adam (coupled L2 decay) or, with <see cref="TangentStepRule.DecoupledWeightDecay"/>, AdamW.</summary>
    Adam,
}

/// <summary>
/// Everything the label-tangent propagation (docs/method.md §4.3) needs to know about one realized optimizer step t:
/// the rule, its hyperparameters, γ_t and the realized quantities the surrogate run freezes — Adam's
/// preconditioner T_t = 1/(sqrt(v_t/(1−β2^t)) + ε) and the gradient-clipping factor s_t.
/// Build it with <see cref="FromOptimizer"/> after <see cref="IExactOptimizer.ComputeUpdate"/> and before
/// <see cref="IExactOptimizer.Apply"/>, or by hand for an optimizer of your own.
/// </summary>
public sealed record TangentStepRule
{
    public required TangentOptimizerKind Kind { get; init; }
    /// <summary>t, counting from 1 (enters Adam's bias correction 1 − β1^t).</summary>
    public required int Step { get; init; }
    /// <summary>γ_t.</summary>
    public required double LearningRate { get; init; }
    /// <summary>s_t, the realized factor applied to the loss gradient by clipping (1 without clipping).</summary>
    public double GradientScale { get; init; } = 1.0;
    /// <summary>λ.</summary>
    public double WeightDecay { get; init; }
    /// <summary>SGD momentum β (0 = none).</summary>
    public double Momentum { get; init; }
    /// <summary>SGD Nesterov momentum.</summary>
    public bool Nesterov { get; init; }
    /// <summary>Adam β1.</summary>
    public double Beta1 { get; init; }
    /// <summary>Adam β2 (used only by <see cref="TangentPreconditioner.Differentiated"/>).</summary>
    public double Beta2 { get; init; } = 0.999;
    /// <summary>Adam ε (used only by <see cref="TangentPreconditioner.Differentiated"/>).</summary>
    public double Epsilon { get; init; } = 1e-8;
    /// <summary>AdamW: λ shrinks θ outside the moments instead of entering the gradient.</summary>
    public bool DecoupledWeightDecay { get; init; }
    /// <summary>Adam's realized T_t per parameter (required for <see cref="TangentOptimizerKind.Adam"/>).</summary>
    public IReadOnlyList<Tensor>? Preconditioner { get; init; }

    /// <summary>True when the rule carries a tangent moment ṁ (SGD momentum, or Adam).</summary>
    public bool HasMoment => Kind == TangentOptimizerKind.Adam || Momentum > 0;

    /// <summary>
    /// The rule of the step the optimizer has just computed (call between ComputeUpdate and Apply: for Adam,
    /// <see cref="AdamOptimizer.Preconditioners"/> hold T_t of that step and change at the next one).
    /// </summary>
    public static TangentStepRule FromOptimizer(IExactOptimizer optimizer, ParameterUpdate update)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(update);
        if (update.Step != optimizer.StepCount)
            throw new InvalidOperationException(
                $"The update is for step {update.Step} but the optimizer is at step {optimizer.StepCount}; build the rule right after ComputeUpdate().");
        double scale = optimizer is ExactOptimizer exact ? exact.LastGradientScale : 1.0;
        return optimizer switch
        {
            SgdOptimizer sgd => new TangentStepRule
            {
                Kind = TangentOptimizerKind.Sgd,
                Step = update.Step,
                LearningRate = update.LearningRate,
                GradientScale = scale,
                WeightDecay = sgd.Options.WeightDecay,
                Momentum = sgd.Options.Momentum,
                Nesterov = sgd.Options.Nesterov,
            },
            AdamOptimizer adam => new TangentStepRule
            {
                Kind = TangentOptimizerKind.Adam,
                Step = update.Step,
                LearningRate = update.LearningRate,
                GradientScale = scale,
                WeightDecay = adam.Options.WeightDecay,
                Beta1 = adam.Options.Beta1,
                Beta2 = adam.Options.Beta2,
                Epsilon = adam.Options.Epsilon,
                DecoupledWeightDecay = adam.Options.Decoupled,
                Preconditioner = adam.Preconditioners,
            },
            _ => throw new NotSupportedException(
                $"No tangent rule for {optimizer.GetType().Name}; build a TangentStepRule by hand (docs/method.md §4.3)."),
        };
    }

    /// <summary>Throws when the rule is incomplete or inconsistent.</summary>
    public void Validate(int parameterCount)
    {
        if (Step < 1) throw new ArgumentException($"TangentStepRule.Step must be ≥ 1; got {Step}.");
        if (!double.IsFinite(LearningRate)) throw new ArgumentException($"TangentStepRule.LearningRate must be finite; got {LearningRate}.");
        if (!double.IsFinite(GradientScale)) throw new ArgumentException($"TangentStepRule.GradientScale must be finite; got {GradientScale}.");
        if (Kind == TangentOptimizerKind.Adam)
        {
            if (Preconditioner is null || Preconditioner.Count != parameterCount)
                throw new ArgumentException(
                    $"An Adam tangent rule needs the realized preconditioner T_t for each of the {parameterCount} parameters; got {Preconditioner?.Count ?? 0}.");
            if (Beta1 < 0 || Beta1 >= 1) throw new ArgumentException($"TangentStepRule.Beta1 must lie in [0, 1); got {Beta1}.");
            if (Beta2 < 0 || Beta2 >= 1) throw new ArgumentException($"TangentStepRule.Beta2 must lie in [0, 1); got {Beta2}.");
            if (!(Epsilon > 0)) throw new ArgumentException($"TangentStepRule.Epsilon must be positive; got {Epsilon}.");
        }
        else if (DecoupledWeightDecay)
            throw new ArgumentException("Decoupled weight decay is an Adam (AdamW) rule; SGD's weight decay is coupled.");
        if (Nesterov && (Kind != TangentOptimizerKind.Sgd || Momentum <= 0))
            throw new ArgumentException("Nesterov needs SGD with momentum β > 0.");
    }
}
