using TorchSharp;
using Telescope.Autodiff;
using Telescope.Checkpointing;
using static TorchSharp.torch;

namespace Telescope.Optim;

/// <summary>
/// SGD (momentum, Nesterov, coupled weight decay, clipping, schedules) that reports its exact update,
/// step for step identical to <c>torch.optim.SGD</c> with dampening 0 (see <see cref="SgdOptions"/>).
/// <para>
/// Components of Δθ_t, with ∇' the (clipped) loss gradient and b_{t−1} the buffer before the step (b_0 = 0):
/// without momentum: gradient = −γ∇', weight_decay = −γλθ;
/// momentum: gradient = −γ∇', momentum = −γβ b_{t−1}, weight_decay = −γλθ;
/// Nesterov (Δθ = −γ((1+β) g + β² b_{t−1})): gradient = −γ(1+β)∇', momentum = −γβ² b_{t−1},
/// weight_decay = −γ(1+β)λθ. Entries appear only for active parts (β &gt; 0, λ &gt; 0).
/// </para>
/// </summary>
public sealed class SgdOptimizer : ExactOptimizer
{
    private readonly Tensor[] _momentum;
    // g = ∇' + λθ, needed only with weight decay (otherwise g is ∇' itself).
    private readonly Tensor[]? _decayed;

    public SgdOptimizer(TrainableParameters parameters, SgdOptions options)
        : base(parameters, Validated(options).MaxGradNorm)
    {
        Options = options;
        _momentum = options.Momentum > 0 ? NewStateBuffers(parameters) : [];
        _decayed = options.WeightDecay > 0 ? NewStateBuffers(parameters) : null;
    }

    public SgdOptions Options { get; }

    /// <summary>
    /// b_t after the last step, per parameter (b_0 = 0; PyTorch's first buffer b_1 = g_1 is the same value).
    /// Read-only: the optimizer updates these tensors in place. Empty when Momentum = 0.
    /// </summary>
    public IReadOnlyList<Tensor> MomentumBuffers => _momentum;

    protected override ILearningRateSchedule Schedule => Options.LearningRate;

    protected override ParameterUpdate ComputeUpdateCore(int step, double learningRate, IReadOnlyList<Tensor> gradients)
    {
        var parameters = Parameters.Tensors;
        int n = parameters.Count;
        double beta = Options.Momentum, lambda = Options.WeightDecay;
        bool hasMomentum = beta > 0, hasDecay = lambda > 0;
        // How strongly the current g enters Δθ/(−γ): 1, or 1 + β with Nesterov (g + β(βb + g)).
        double currentFactor = Options.Nesterov ? 1 + beta : 1.0;
        double carriedFactor = Options.Nesterov ? beta * beta : beta;

        // Every Scalar handed to LibTorch is held until the call returns (see TorchScalars); one set per step.
        using var betaScalar = beta.ToScalar();
        using var lambdaScalar = lambda.ToScalar();
        using var minusLearningRate = (-learningRate).ToScalar();
        using var gradientScale = (-learningRate * currentFactor).ToScalar();
        using var decayScale = (-learningRate * currentFactor * lambda).ToScalar();
        using var momentumScale = (-learningRate * carriedFactor).ToScalar();

        var total = new Tensor[n];
        bool split = IncludeComponents;
        var gradientPart = split ? new Tensor[n] : null;
        var momentumPart = split && hasMomentum ? new Tensor[n] : null;
        var decayPart = split && hasDecay ? new Tensor[n] : null;
        for (int i = 0; i < n; i++)
        {
            var theta = parameters[i];
            var grad = gradients[i];
            if (gradientPart is not null) gradientPart[i] = grad.mul(gradientScale);
            if (decayPart is not null) decayPart[i] = theta.mul(decayScale);

            // g_t = ∇' + λθ, as PyTorch forms it before the buffer update.
            var g = grad;
            if (hasDecay) g = _decayed![i].copy_(grad).add_(theta, alpha: lambdaScalar);

            if (!hasMomentum)
            {
                total[i] = g.mul(minusLearningRate);
                continue;
            }
            var buffer = _momentum[i];
            if (momentumPart is not null) momentumPart[i] = buffer.mul(momentumScale);
            // b_t = β b_{t−1} + g_t. At t = 1 the buffer is exactly 0, so this gives b_1 = g_1 bit for bit,
            // PyTorch's clone of the first gradient.
            buffer.mul_(betaScalar).add_(g, TorchScalars.One);
            if (Options.Nesterov)
            {
                var direction = g.add(buffer, alpha: betaScalar);
                total[i] = direction.mul_(minusLearningRate);
            }
            else total[i] = buffer.mul(minusLearningRate);
        }

        var components = new Dictionary<string, IReadOnlyList<Tensor>>();
        if (gradientPart is not null) components[UpdateComponent.Gradient] = gradientPart;
        if (momentumPart is not null) components[UpdateComponent.Momentum] = momentumPart;
        if (decayPart is not null) components[UpdateComponent.WeightDecay] = decayPart;
        return new ParameterUpdate(step, learningRate, total, components);
    }

    // The weight-decay scratch (_decayed) is rewritten every step, so only the momentum buffers carry state.
    protected override void SaveStateCore(CheckpointState state, string prefix) => state.SetGroup(prefix + "momentum", _momentum);

    protected override void LoadStateCore(CheckpointState state, string prefix) => state.CopyGroupTo(prefix + "momentum", _momentum);

    protected override void DisposeState()
    {
        foreach (var t in _momentum) t.Dispose();
        if (_decayed is not null) foreach (var t in _decayed) t.Dispose();
    }

    private static SgdOptions Validated(SgdOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return options;
    }
}
