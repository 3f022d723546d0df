namespace Telescope.Models;

/// <summary>The elementwise nonlinearities the layer-wise engines know how to differentiate.</summary>
public enum ActivationKind
{
    Identity,
    ReLU,
    Sigmoid,
    Tanh,
    /// <summary>φ(z) = z + ε z²/2 (docs/method.md §9, grokking-poly); ε is <see cref="Activation.Epsilon"/>.</summary>
    Polynomial,
}
