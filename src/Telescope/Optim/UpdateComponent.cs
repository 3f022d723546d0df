namespace Telescope.Optim;

/// <summary>Names of the parts an update Δθ is split into (docs/method.md §2, design-choice decomposition).</summary>
public static class UpdateComponent
{
    /// <summary>The current step's loss gradient (for Adam, its preconditioned share of the moment).</summary>
    public const string Gradient = "gradient";
    /// <summary>What momentum / Adam's first moment carries over from earlier steps.</summary>
    public const string Momentum = "momentum";
    /// <summary>Weight decay: coupled (through the gradient) or decoupled (AdamW) shrinkage.</summary>
    public const string WeightDecay = "weight_decay";
}
