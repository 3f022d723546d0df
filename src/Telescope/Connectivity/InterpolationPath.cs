using Telescope.Autodiff;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Connectivity;

/// <summary>
/// The linear path between two trained networks, θ(α) = α θ¹ + (1−α) θ² (docs/method.md §7), evaluated on an α grid that
/// contains 0 and 1. BatchNorm statistics of every θ(α) — the end points included, so the whole curve is measured
/// the same way — are recomputed on training batches (default) or interpolated (option).
/// </summary>
/// <example>
/// <code>
/// var path = new InterpolationPath(net, trainImages, BatchNormMode.Recompute, batchSize: 128, batches: 20);
/// var points = path.Evaluate(child1, child2, [0, 0.5, 1], test);
/// double drop = ConnectivityMetrics.AccuracyDrop(points);
/// </code>
/// </example>
public sealed class InterpolationPath(nn.Module<Tensor, Tensor> module, Tensor statisticsImages, BatchNormMode mode, int batchSize, int batches)
{
    private readonly TrainableParameters _parameters = new(module);

    /// <summary>Throws <see cref="TelescopeException"/> unless the grid lies in [0, 1], is strictly increasing and contains 0 and 1.</summary>
    public static void ValidateGrid(IReadOnlyList<double> alphas)
    {
        if (alphas.Count < 2 || alphas[0] != 0 || alphas[^1] != 1 || alphas.Zip(alphas.Skip(1)).Any(p => p.Second <= p.First))
            throw new TelescopeException($"The α grid [{string.Join(", ", alphas)}] must be strictly increasing from 0 to 1 and contain both.")
            { Hint = "E.g. --set alphas=0,0.25,0.5,0.75,1 (0 and 1 are the two children; the accuracy drop needs 0.5)." };
    }

    /// <summary>Loads θ(α) (with its BatchNorm statistics) into the module, which is left in evaluation mode.</summary>
    public void Load(NetworkState first, NetworkState second, double alpha)
    {
        var theta = WeightInterpolation.Interpolate(first.Parameters, second.Parameters, alpha);
        var buffers = WeightInterpolation.Interpolate(first.Buffers, second.Buffers, alpha);
        try
        {
            ModuleTensors.Load(_parameters, module, theta, buffers);
            if (mode == BatchNormMode.Recompute) BatchNormStatistics.Recompute(module, statisticsImages, batchSize, batches);
            module.eval();
        }
        finally
        {
            foreach (var t in theta.Concat(buffers)) t.Dispose();
        }
    }

    /// <summary>Accuracy and loss of θ(α) on <paramref name="test"/> for every α of the grid.</summary>
    public IReadOnlyList<InterpolationPoint> Evaluate(NetworkState first, NetworkState second, IReadOnlyList<double> alphas, ImageClassifierData test)
    {
        ValidateGrid(alphas);
        var points = new List<InterpolationPoint>();
        foreach (double alpha in alphas)
        {
            Load(first, second, alpha);
            var score = ClassifierEvaluation.Evaluate(module, test);
            points.Add(new InterpolationPoint(alpha, score.Accuracy, score.Loss));
        }
        return points;
    }
}
