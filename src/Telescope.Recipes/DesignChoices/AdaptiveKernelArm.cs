using System.Text.Json.Serialization;
using Telescope.Data.Tabular;
using Telescope.UpdateAnalysis;
using Telescope.Recipes.TabularGbt;

namespace Telescope.Recipes.DesignChoices;

/// <summary>
/// One kernel checkpoint of a tabular network. "Own" is the kernel that drives the optimizer's functional step
/// (K for SGD, K^T = J T Jᵀ for Adam), "plain" is K = J Jᵀ of the same network.
/// </summary>
internal sealed record TabularKernelPoint(int Step, double TrainMse, double W1Own, double W1Plain, double IrregularToRegularOwn,
    double IrregularToRegularPlain, double AlignmentTrain, double AlignmentTest, double AlignmentTrainCentered, double AlignmentTestCentered);

/// <summary>W(π) at one π: the mean and sample sd over the T_π repetitions.</summary>
internal sealed record RepetitionSpread(double Mean, double Std);

/// <summary>What one tabular network (an optimizer at one seed) measured; JSON-serializable for checkpoints and shards.</summary>
/// <param name="Seed">The repetition's seed: initialization and batch order (the data split and T_π draws come from 'seed').</param>
/// <param name="Seeded">Whether the run is one of several seed repetitions (its metrics.csv name then ends in <c>_seed=N</c>).</param>
internal sealed record TabularKernelRun(string Optimizer, double LearningRate, long Seed, bool Seeded)
{
    public List<TabularKernelPoint> Points { get; init; } = [];
    /// <summary>W(π) on the grid π = 0, 0.1, …, 1 at the end of training: mean and sample sd over repetitions.</summary>
    public RepetitionSpread[] WOwn { get; set; } = [];
    public RepetitionSpread[] WPlain { get; set; } = [];
    public double TestMseRegular { get; set; }
    public double TestMseIrregular { get; set; }
    public TimeSpan WallTime { get; set; }
    [JsonIgnore]
    public TabularKernelPoint Final => Points[^1];

    /// <summary>The metrics.csv run name on data set <paramref name="dataset"/>.</summary>
    public string Label(string dataset) => Seeded ? $"{dataset}_{Optimizer}_seed={Seed}" : $"{dataset}_{Optimizer}";
}

/// <summary>
/// Adaptive learning rates change the kernel (docs/method.md §2, our measurement): on a tabular data set, trains the same MLP
/// (squared loss ½(f − y)², batch mean) with plain SGD and with Adam from one initialization and data order, and at
/// kernel checkpoints computes the kernel rows w(x) = ‖K(x, X_train)‖₂ of the tracked test rows, the normalized
/// maximum weight W(π) of docs/method.md §7 (irregular vs regular inputs), and for Adam the alignment of K^T with K. Each
/// kernel checkpoint's row goes to metrics.csv as it is measured; before every step a checkpoint is offered (model,
/// optimizer, points so far; the batches are a pure function of the seed and t).
/// </summary>
internal static class AdaptiveKernelArm
{
    /// <param name="run">The sub-run (empty; filled with its points).</param>
    /// <param name="logPoint">Writes a kernel checkpoint's metrics.csv row as it is measured.</param>
    public static TabularKernelRun Run(TabularGbtData data, TabularKernelRun run, TabularKernelSettings settings, ComputeSettings compute,
        Action<TabularKernelPoint> logPoint, SweepSubRun sub)
    {
        var state = sub.State();
        using var scope = torch.NewDisposeScope();
        var device = torch.device(compute.DeviceName);
        var (xTrain, yTrain, xTracked, yTracked) = data.Tensors(compute.DType, device);
        var network = data.Network(settings.Hidden, Activation.ReLU, compute, (int)(run.Seed & int.MaxValue));
        var parameters = new TrainableParameters(network);
        bool isAdam = run.Optimizer == OptimizerChoice.Adam;
        using ExactOptimizer optimizer = isAdam ? ExactOptimizers.Adam(parameters, run.LearningRate) : ExactOptimizers.Sgd(parameters, run.LearningRate);
        optimizer.IncludeComponents = false;
        var kernel = new PreconditionedMlpKernel(network);
        var batches = new BatchSchedule(data.Train.Rows, settings.BatchSize, (ulong)run.Seed);
        var irregular = data.TrackedIsIrregular;

        state.Add("points", run.Points).Add("model", network).Add("optimizer", optimizer);
        // The kernel rows of the last checkpoint; the last step is always one, so they need no place in a checkpoint.
        double[] wOwn = [], wPlain = [];
        for (int t = state.Restore(); t <= settings.Steps; t++)
        {
            state.SaveIfDue(t);
            sub.Cancel.ThrowIfCancellationRequested();
            using var stepScope = torch.NewDisposeScope();
            using var half = 0.5.ToScalar();
            var index = torch.tensor(batches.Batch(t).ToArray(), dtype: ScalarType.Int64, device: device);
            optimizer.ZeroGrad();
            var residual = network.forward(xTrain.index_select(0, index)) - yTrain.index_select(0, index);
            var loss = residual.pow(TorchScalars.Two).mean().mul(half);
            DivergenceException.ThrowIfNotFinite(loss.to_type(ScalarType.Float64).item<double>(), $"{data.Train.Name} {run.Optimizer}", t);
            loss.backward();
            optimizer.Step().Dispose();
            if (t % settings.KernelEvery == 0 || t == settings.Steps)
            {
                var preconditioner = isAdam ? ((AdamOptimizer)optimizer).Preconditioners : null;
                var ownRows = kernel.Compute(xTracked, xTrain, preconditioner);
                var plainRows = isAdam ? kernel.Compute(xTracked, xTrain, null) : ownRows;
                wOwn = RowNorms(ownRows);
                wPlain = RowNorms(plainRows);
                var (alignTrain, alignTest, centeredTrain, centeredTest) = isAdam
                    ? DecompositionTrainer.Alignments(kernel.Compute(xTrain, xTrain, preconditioner), kernel.Compute(xTrain, xTrain, null), ownRows, plainRows)
                    : (1.0, 1.0, 1.0, 1.0);
                double trainMse = (NeuralArm.Predict(network, xTrain) - yTrain.to_type(ScalarType.Float64)).pow(TorchScalars.Two).mean().item<double>();
                var point = new TabularKernelPoint(t, trainMse, WCurve(data.TestSets, wOwn)[^1].Mean, WCurve(data.TestSets, wPlain)[^1].Mean,
                    MeanRatio(wOwn, irregular), MeanRatio(wPlain, irregular), alignTrain, alignTest, centeredTrain, centeredTest);
                run.Points.Add(point);
                logPoint(point);
                sub.Progress.SetStatus($"{data.Train.Name} {run.Optimizer}: step {t}, train MSE {trainMse:G3}");
            }
            sub.Progress.Advance();
        }
        run.WOwn = WCurve(data.TestSets, wOwn);
        run.WPlain = WCurve(data.TestSets, wPlain);
        var squaredError = (NeuralArm.Predict(network, xTracked) - yTracked).pow(TorchScalars.Two).flatten().data<double>().ToArray();
        run.TestMseRegular = Enumerable.Range(0, squaredError.Length).Where(i => !irregular[i]).Average(i => squaredError[i]);
        run.TestMseIrregular = Enumerable.Range(0, squaredError.Length).Where(i => irregular[i]).Average(i => squaredError[i]);
        run.WallTime = state.Clock.Wall;
        return run;
    }

    private static double[] RowNorms(Tensor rows) => rows.to_type(ScalarType.Float64).pow(TorchScalars.Two).sum(1L).sqrt().data<double>().ToArray();

    /// <summary>mean w over irregular tracked rows / mean w over regular tracked rows.</summary>
    private static double MeanRatio(double[] w, bool[] irregular) =>
        Enumerable.Range(0, w.Length).Where(i => irregular[i]).Average(i => w[i]) /
        Enumerable.Range(0, w.Length).Where(i => !irregular[i]).Average(i => w[i]);

    /// <summary>W(π) = repetition mean of max_{T_π} w / max_{T_0} w (docs/method.md §7), with its sample sd, on the π grid.</summary>
    public static RepetitionSpread[] WCurve(IReadOnlyList<MixedTestSet> sets, double[] w)
    {
        var baseline = sets.Where(s => s.Pi == 0).ToDictionary(s => s.Repetition, s => s.Rows.Max(r => w[r]));
        return sets.GroupBy(s => s.Pi).OrderBy(g => g.Key)
            .Select(g =>
            {
                var ratios = g.Select(s => s.Rows.Max(r => w[r]) / baseline[s.Repetition]).ToList();
                return new RepetitionSpread(ratios.Average(), PiAnalysis.Std(ratios));
            }).ToArray();
    }
}
