using Telescope.Autodiff;

namespace Telescope.Optim;

/// <summary>Factories shaped like <c>torch.optim.SGD / Adam / AdamW</c> for the exact optimizers.</summary>
public static class ExactOptimizers
{
    /// <summary>SGD with a constant learning rate (momentum, Nesterov, coupled weight decay, clipping optional).</summary>
    public static SgdOptimizer Sgd(TrainableParameters parameters, double learningRate, double momentum = 0,
        bool nesterov = false, double weightDecay = 0, double? maxGradNorm = null) =>
        Sgd(parameters, new ConstantLearningRate(learningRate), momentum, nesterov, weightDecay, maxGradNorm);

    /// <summary>SGD with a learning-rate schedule.</summary>
    public static SgdOptimizer Sgd(TrainableParameters parameters, ILearningRateSchedule learningRate, double momentum = 0,
        bool nesterov = false, double weightDecay = 0, double? maxGradNorm = null) =>
        new(parameters, new SgdOptions
        {
            LearningRate = learningRate,
            Momentum = momentum,
            Nesterov = nesterov,
            WeightDecay = weightDecay,
            MaxGradNorm = maxGradNorm,
        });

    /// <summary>Adam (weight decay, if any, coupled into the gradient as L2), PyTorch's defaults.</summary>
    public static AdamOptimizer Adam(TrainableParameters parameters, double learningRate = 1e-3, double beta1 = 0.9,
        double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0, double? maxGradNorm = null) =>
        Adam(parameters, new ConstantLearningRate(learningRate), beta1, beta2, epsilon, weightDecay, maxGradNorm);

    /// <summary>Adam with a learning-rate schedule.</summary>
    public static AdamOptimizer Adam(TrainableParameters parameters, ILearningRateSchedule learningRate, double beta1 = 0.9,
        double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0, double? maxGradNorm = null) =>
        AdamFamily(parameters, learningRate, beta1, beta2, epsilon, weightDecay, decoupled: false, maxGradNorm);

    /// <summary>AdamW (decoupled weight decay), PyTorch's defaults (λ = 0.01).</summary>
    public static AdamOptimizer AdamW(TrainableParameters parameters, double learningRate = 1e-3, double beta1 = 0.9,
        double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0.01, double? maxGradNorm = null) =>
        AdamW(parameters, new ConstantLearningRate(learningRate), beta1, beta2, epsilon, weightDecay, maxGradNorm);

    /// <summary>AdamW with a learning-rate schedule.</summary>
    public static AdamOptimizer AdamW(TrainableParameters parameters, ILearningRateSchedule learningRate, double beta1 = 0.9,
        double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0.01, double? maxGradNorm = null) =>
        AdamFamily(parameters, learningRate, beta1, beta2, epsilon, weightDecay, decoupled: true, maxGradNorm);

    private static AdamOptimizer AdamFamily(TrainableParameters parameters, ILearningRateSchedule learningRate, double beta1,
        double beta2, double epsilon, double weightDecay, bool decoupled, double? maxGradNorm) =>
        new(parameters, new AdamOptions
        {
            LearningRate = learningRate, Beta1 = beta1, Beta2 = beta2, Epsilon = epsilon,
            WeightDecay = weightDecay, Decoupled = decoupled, MaxGradNorm = maxGradNorm,
        });
}
