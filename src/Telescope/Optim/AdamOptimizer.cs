using TorchSharp;
using Telescope.Autodiff;
using Telescope.Checkpointing;
using static TorchSharp.torch;

namespace Telescope.Optim;

/// <summary>
/// Adam / AdamW (clipping, schedules) that reports its exact update, step for step identical to
/// <c>torch.optim.Adam</c> / <c>torch.optim.AdamW</c> without amsgrad (see <see cref="AdamOptions"/>).
/// <para>
/// Components of Δθ_t, with T_t = 1/(sqrt(v_t/(1−β2^t)) + ε), c_t = γ_t/(1−β1^t), ∇' the (clipped) loss
/// gradient and m_{t−1} the first moment before the step:
/// gradient = −c(1−β1) T ⊙ ∇'; momentum = −c β1 T ⊙ m_{t−1} (only when β1 &gt; 0);
/// weight_decay = −c(1−β1) T ⊙ λθ (Adam) or −γλθ (AdamW) (only when λ &gt; 0).
/// </para>
/// </summary>
public sealed class AdamOptimizer : ExactOptimizer
{
    private readonly Tensor[] _firstMoment;
    private readonly Tensor[] _secondMoment;
    private readonly Tensor[] _denominator;
    private readonly Tensor[] _preconditioner;
    // g = ∇' + λθ for (coupled) Adam with weight decay; otherwise g is ∇' itself.
    private readonly Tensor[]? _decayed;

    public AdamOptimizer(TrainableParameters parameters, AdamOptions options)
        : base(parameters, Validated(options).MaxGradNorm)
    {
        Options = options;
        _firstMoment = NewStateBuffers(parameters);
        _secondMoment = NewStateBuffers(parameters);
        _denominator = NewStateBuffers(parameters);
        _preconditioner = NewStateBuffers(parameters);
        _decayed = options.WeightDecay > 0 && !options.Decoupled ? NewStateBuffers(parameters) : null;
    }

    public AdamOptions Options { get; }

    /// <summary>m_t after the last step (read-only; updated in place).</summary>
    public IReadOnlyList<Tensor> FirstMoments => _firstMoment;
    /// <summary>v_t after the last step (read-only; updated in place).</summary>
    public IReadOnlyList<Tensor> SecondMoments => _secondMoment;
    /// <summary>
    /// T_t = 1/(sqrt(v_t)/sqrt(1−β2^t) + ε) of the last step, the realized elementwise preconditioner that the
    /// label-tangent propagation (docs/method.md §4.3) freezes (read-only; updated in place).
    /// </summary>
    public IReadOnlyList<Tensor> Preconditioners => _preconditioner;
    /// <summary>1 − β1^t of the last step (NaN before the first).</summary>
    public double BiasCorrection1 { get; private set; } = double.NaN;
    /// <summary>1 − β2^t of the last step (NaN before the first).</summary>
    public double BiasCorrection2 { get; private set; } = double.NaN;
    /// <summary>c_t = γ_t/(1 − β1^t) of the last step (NaN before the first): Δθ_t = −c_t T_t ⊙ m_t (− γ_t λ θ for AdamW).</summary>
    public double LastStepSize { get; private set; } = double.NaN;

    protected override ILearningRateSchedule Schedule => Options.LearningRate;

    protected override ParameterUpdate ComputeUpdateCore(int step, double learningRate, IReadOnlyList<Tensor> gradients)
    {
        var parameters = Parameters.Tensors;
        int n = parameters.Count;
        double beta1 = Options.Beta1, beta2 = Options.Beta2, eps = Options.Epsilon, lambda = Options.WeightDecay;
        bool decoupled = Options.Decoupled, hasDecay = lambda > 0, hasMomentum = beta1 > 0;
        double biasCorrection1 = 1 - Math.Pow(beta1, step);
        double biasCorrection2 = 1 - Math.Pow(beta2, step);
        double rootBiasCorrection2 = Math.Sqrt(biasCorrection2);
        double stepSize = learningRate / biasCorrection1;

        // Every Scalar handed to LibTorch is held until the call returns (see TorchScalars); one set per step.
        using var beta1Scalar = beta1.ToScalar();
        using var beta2Scalar = beta2.ToScalar();
        using var oneMinusBeta1 = (1 - beta1).ToScalar();
        using var oneMinusBeta2 = (1 - beta2).ToScalar();
        using var lambdaScalar = lambda.ToScalar();
        using var epsScalar = eps.ToScalar();
        using var rootBiasCorrection2Scalar = rootBiasCorrection2.ToScalar();
        using var gradientScale = (-stepSize * (1 - beta1)).ToScalar();
        using var momentumScale = (-stepSize * beta1).ToScalar();
        using var decoupledDecayScale = (-learningRate * lambda).ToScalar();
        using var coupledDecayScale = (-stepSize * (1 - beta1) * lambda).ToScalar();
        using var minusStepSize = (-stepSize).ToScalar();

        var total = new Tensor[n];
        bool split = IncludeComponents;
        var gradientPart = split ? new Tensor[n] : null;
        var momentumPart = split && hasMomentum ? new Tensor[n] : null;
        var decayPart = split && hasDecay ? new Tensor[n] : null;
        for (int i = 0; i < n; i++)
        {
            var theta = parameters[i];
            var grad = gradients[i];
            var g = hasDecay && !decoupled ? _decayed![i].copy_(grad).add_(theta, alpha: lambdaScalar) : grad;
            var m = _firstMoment[i];
            var v = _secondMoment[i];
            var denominator = _denominator[i];
            var preconditioner = _preconditioner[i];

            // v_t first: T_t depends on v_t only, and the momentum component needs m_{t−1} before m is updated.
            v.mul_(beta2Scalar).addcmul_(g, g, value: oneMinusBeta2);
            denominator.copy_(v).sqrt_().div_(rootBiasCorrection2Scalar).add_(epsScalar, TorchScalars.One);
            preconditioner.copy_(denominator).reciprocal_();

            if (gradientPart is not null) gradientPart[i] = grad.mul(preconditioner).mul_(gradientScale);
            if (momentumPart is not null) momentumPart[i] = m.mul(preconditioner).mul_(momentumScale);
            if (decayPart is not null)
                decayPart[i] = decoupled
                    ? theta.mul(decoupledDecayScale)
                    : theta.mul(preconditioner).mul_(coupledDecayScale);

            m.mul_(beta1Scalar).add_(g, alpha: oneMinusBeta1);
            // PyTorch: θ.addcdiv_(m, denom, value: −c) (after θ.mul_(1 − γλ) for AdamW).
            var t = m.div(denominator).mul_(minusStepSize);
            if (hasDecay && decoupled) t.add_(theta, alpha: decoupledDecayScale);
            total[i] = t;
        }

        BiasCorrection1 = biasCorrection1;
        BiasCorrection2 = biasCorrection2;
        LastStepSize = stepSize;
        var components = new Dictionary<string, IReadOnlyList<Tensor>>();
        if (gradientPart is not null) components[UpdateComponent.Gradient] = gradientPart;
        if (momentumPart is not null) components[UpdateComponent.Momentum] = momentumPart;
        if (decayPart is not null) components[UpdateComponent.WeightDecay] = decayPart;
        return new ParameterUpdate(step, learningRate, total, components);
    }

    // The denominator and T_t are functions of v_t and t, but storing them keeps Preconditioners (read by the
    // label-tangent smoother before the next step) bit-identical without recomputation.
    protected override void SaveStateCore(CheckpointState state, string prefix)
    {
        state.SetGroup(prefix + "first_moment", _firstMoment);
        state.SetGroup(prefix + "second_moment", _secondMoment);
        state.SetGroup(prefix + "denominator", _denominator);
        state.SetGroup(prefix + "preconditioner", _preconditioner);
        state.Set(prefix + "bias_correction1", BiasCorrection1);
        state.Set(prefix + "bias_correction2", BiasCorrection2);
        state.Set(prefix + "last_step_size", LastStepSize);
    }

    protected override void LoadStateCore(CheckpointState state, string prefix)
    {
        state.CopyGroupTo(prefix + "first_moment", _firstMoment);
        state.CopyGroupTo(prefix + "second_moment", _secondMoment);
        state.CopyGroupTo(prefix + "denominator", _denominator);
        state.CopyGroupTo(prefix + "preconditioner", _preconditioner);
        BiasCorrection1 = state.GetDouble(prefix + "bias_correction1");
        BiasCorrection2 = state.GetDouble(prefix + "bias_correction2");
        LastStepSize = state.GetDouble(prefix + "last_step_size");
    }

    protected override void DisposeState()
    {
        foreach (var set in new[] { _firstMoment, _secondMoment, _denominator, _preconditioner, _decayed ?? [] })
            foreach (var t in set) t.Dispose();
    }

    private static AdamOptions Validated(AdamOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return options;
    }
}
