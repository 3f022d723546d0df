using Telescope.Autodiff;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Smoothing;

/// <summary>
/// The optimizer rules of <see cref="TangentStepRule"/> differentiated with respect to the labels, for
/// <see cref="LabelTangentSmoother"/>: the parameter tangents' step Δθ̇ from the gradient tangents Ġ.
/// </summary>
internal static class LabelTangentUpdates
{
    /// <summary>Δθ̇ of parameter p for all directions (advances ṁ in place), from Ġ [D_total, ...].</summary>
    public static Tensor Delta(TangentStepRule rule, int p, Tensor gradient, Tensor[] thetaDots, Tensor[]? momentDot,
        Tensor[]? secondMoment, Tensor[]? secondMomentDot, int labelDirections, ScalarType dtype, Device device)
    {
        var thetaDot = thetaDots[p];
        double gamma = rule.LearningRate, lambda = rule.WeightDecay;
        // Every Scalar handed to LibTorch is held until the call returns (see TorchScalars).
        using var gradientScale = rule.GradientScale.ToScalar();
        using var lambdaScalar = lambda.ToScalar();
        using var minusGamma = (-gamma).ToScalar();
        var g = gradient.mul_(gradientScale);
        if (lambda > 0 && !rule.DecoupledWeightDecay) g.add_(thetaDot, alpha: lambdaScalar);

        if (rule.Kind == TangentOptimizerKind.Sgd)
        {
            if (rule.Momentum <= 0) return g.mul(minusGamma);
            using var momentum = rule.Momentum.ToScalar();
            var m = momentDot![p].mul_(momentum).add_(g, TorchScalars.One);
            return rule.Nesterov ? g.add(m, alpha: momentum).mul_(minusGamma) : m.mul(minusGamma);
        }

        using var beta1 = rule.Beta1.ToScalar();
        using var oneMinusBeta1 = (1 - rule.Beta1).ToScalar();
        var moment = momentDot![p].mul_(beta1).add_(g, alpha: oneMinusBeta1);
        double stepSize = gamma / (1 - Math.Pow(rule.Beta1, rule.Step));
        using var minusStepSize = (-stepSize).ToScalar();
        using var decoupledDecay = (-gamma * lambda).ToScalar();
        // T_t has the parameter's shape and broadcasts over the leading direction dimension.
        var delta = secondMoment is null
            ? moment.mul(rule.Preconditioner![p].to(dtype, device))
            : DifferentiatedPreconditioning(rule, p, g, moment, secondMoment, secondMomentDot, labelDirections);
        delta.mul_(minusStepSize);
        if (lambda > 0 && rule.DecoupledWeightDecay) delta.add_(thetaDot, alpha: decoupledDecay);
        return delta;
    }

    /// <summary>
    /// <see cref="TangentPreconditioner.Differentiated"/>: T̂ ⊙ m for every direction, plus Ṫ_d ⊙ m̂ for the label
    /// directions, from the surrogate's own second moment (advances v̂ and v̇ in place). The surrogate is the
    /// last direction (V = Y there, so its tangents are the run itself): its ĝ and m̂ are row D of g and m.
    /// </summary>
    private static Tensor DifferentiatedPreconditioning(TangentStepRule rule, int p, Tensor g, Tensor moment, Tensor[]? secondMoment,
        Tensor[]? secondMomentDot, int labelDirections)
    {
        var gHat = g[labelDirections];
        var mHat = moment[labelDirections];
        double correction2 = 1 - Math.Pow(rule.Beta2, rule.Step);
        using var beta2 = rule.Beta2.ToScalar();
        using var oneMinusBeta2 = (1 - rule.Beta2).ToScalar();
        using var twiceOneMinusBeta2 = (2 * (1 - rule.Beta2)).ToScalar();
        using var correction2Scalar = correction2.ToScalar();
        using var epsilon = rule.Epsilon.ToScalar();
        using var derivativeScale = (-2 * correction2).ToScalar();
        var v = secondMoment![p].mul_(beta2).addcmul_(gHat, gHat, value: oneMinusBeta2);
        var vDot = secondMomentDot![p].mul_(beta2).add_(g.narrow(0, 0, labelDirections).mul(gHat).mul_(twiceOneMinusBeta2), TorchScalars.One);
        var root = v.div(correction2Scalar).sqrt_();
        var preconditioner = root.add(epsilon, TorchScalars.One).reciprocal_();
        // dT/dv = −T²/(2·root·(1−β2^t)). Where v̂ = 0 no gradient ever reached the coordinate, so v̇ = 0 as well.
        var dTdv = torch.where(root.gt(TorchScalars.Zero), preconditioner.pow(TorchScalars.Two).div_(root.mul(derivativeScale)), torch.zeros_like(root));
        var result = moment.mul(preconditioner);
        result.narrow(0, 0, labelDirections).add_(vDot.mul(dTdv).mul_(mHat), TorchScalars.One);
        return result;
    }
}
