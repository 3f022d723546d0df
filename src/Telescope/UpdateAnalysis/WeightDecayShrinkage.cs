using Telescope.Models;
using Telescope.Optim;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.UpdateAnalysis;

/// <summary>
/// Weight decay read as functional shrinkage (docs/method.md §2). When the weight-decay component of an update is a
/// scalar multiple of the parameters, Δθ^wd_t = −s_t·θ_{t−1}, its functional contribution is
/// J_{t−1}(x)·Δθ^wd_t = −s_t·J_{t−1}(x)·θ_{t−1}; for a positively homogeneous network of degree L (a bias-free
/// ReLU or linear MLP with L trainable weight layers) Euler's theorem gives J(x)·θ = L·f(x), so the contribution
/// is exactly −s_t·L·f_{θ_{t−1}}(x).
/// </summary>
/// <example>
/// <code>
/// double? s = WeightDecayShrinkage.Coefficient(optimizer);   // after ComputeUpdate: γλ (SGD, AdamW)
/// int? degree = WeightDecayShrinkage.HomogeneityDegree(mlp); // 3 for a bias-free 784-128-128-10 ReLU net
/// using var predicted = WeightDecayShrinkage.Predicted(fPrevious, s!.Value, degree ?? 3);
/// </code>
/// </example>
public static class WeightDecayShrinkage
{
    /// <summary>
    /// s_t of the optimizer's last computed update such that its weight-decay component is −s_t·θ_{t−1}:
    /// γ_t·λ for SGD (γ_t(1+β)λ with Nesterov), γ_t·λ for AdamW; null when there is no weight decay or it is not a
    /// scalar shrinkage (coupled Adam: the decay passes through the elementwise preconditioner).
    /// </summary>
    public static double? Coefficient(IExactOptimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        switch (optimizer)
        {
            case SgdOptimizer sgd when sgd.Options.WeightDecay > 0:
                double factor = sgd.Options.Nesterov ? 1 + sgd.Options.Momentum : 1.0;
                return sgd.LastLearningRate * factor * sgd.Options.WeightDecay;
            case AdamOptimizer adam when adam.Options.WeightDecay > 0 && adam.Options.Decoupled:
                return adam.LastLearningRate * adam.Options.WeightDecay;
            default:
                return null;
        }
    }

    /// <summary>
    /// L when the network is positively homogeneous of degree L in its trainable parameters: no biases,
    /// ReLU or identity activations, L = the number of trainable weight layers (a frozen layer contributes
    /// nothing to J·θ). Null otherwise.
    /// </summary>
    public static int? HomogeneityDegree(Mlp model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Options.Bias) return null;
        if (model.Activation.Kind is not (ActivationKind.ReLU or ActivationKind.Identity)) return null;
        return model.Layers.Count(l => l.weight!.requires_grad);
    }

    /// <summary>The homogeneous prediction −s·L·f of the weight-decay contribution (same shape as <paramref name="previousOutput"/>).</summary>
    public static Tensor Predicted(Tensor previousOutput, double coefficient, int degree)
    {
        ArgumentNullException.ThrowIfNull(previousOutput);
        using var factor = (-coefficient * degree).ToScalar();
        return previousOutput.mul(factor);
    }

    /// <summary>
    /// ‖measured − predicted‖_F / ‖predicted‖_F (NaN when the prediction is zero): how far a measured
    /// weight-decay contribution is from the homogeneous prediction.
    /// </summary>
    public static double RelativeDeviation(Tensor measured, Tensor predicted)
    {
        ArgumentNullException.ThrowIfNull(measured);
        ArgumentNullException.ThrowIfNull(predicted);
        using var scope = torch.NewDisposeScope();
        var p = predicted.to_type(ScalarType.Float64);
        double norm = p.norm().item<double>();
        double gap = (measured.to_type(ScalarType.Float64) - p).norm().item<double>();
        return norm > 0 ? gap / norm : double.NaN;
    }
}
