namespace Telescope.Recipes.Grokking;

/// <summary>
/// The polynomial regression task of Kumar et al. (2024) used by grokking-poly (docs/method.md §9):
/// x ~ N(0, I_d/d), β ~ N(0, I_d), y = (βᵀx)²/2, a scalar target. Inputs and labels are drawn from a private
/// generator, so the task depends on the seed alone.
/// </summary>
internal sealed record PolynomialTask(Tensor TrainInputs, Tensor TrainLabels, Tensor TestInputs, Tensor TestLabels)
{
    /// <summary>Draws β, then the training inputs, then the test inputs (labels [N, 1]).</summary>
    public static PolynomialTask Create(int inputSize, int trainCount, int testCount, ulong seed, ScalarType dtype, Device device)
    {
        using var generator = new Generator(seed, device: torch.CPU);
        // Drawn in float64 on the CPU and converted, so float32 and float64 runs see the same task.
        using var beta = torch.randn([inputSize, 1], dtype: ScalarType.Float64, generator: generator);
        double scale = 1.0 / Math.Sqrt(inputSize);
        (Tensor X, Tensor Y) Draw(int count)
        {
            using var scope = torch.NewDisposeScope();
            using var scaleScalar = scale.ToScalar();
            using var half = 0.5.ToScalar();
            var x = torch.randn([count, inputSize], dtype: ScalarType.Float64, generator: generator).mul_(scaleScalar);
            var y = x.mm(beta).pow(TorchScalars.Two).mul_(half);
            return (x.to(dtype, device).MoveToOuterDisposeScope(), y.to(dtype, device).MoveToOuterDisposeScope());
        }
        var (xTrain, yTrain) = Draw(trainCount);
        var (xTest, yTest) = Draw(testCount);
        return new PolynomialTask(xTrain, yTrain, xTest, yTest);
    }
}
