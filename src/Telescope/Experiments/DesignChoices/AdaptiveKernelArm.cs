using System.Diagnostics;
using Telescope.Autodiff;
using Telescope.Data.Tabular;
using Telescope.DesignChoices;
using Telescope.Experiments.TabularGbt;
using Telescope.Models;
using Telescope.Optim;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Experiments.DesignChoices;

/// <summary>Settings of the tabular kernel arm (from the recipe settings).</summary>
internal sealed record TabularKernelSettings(IReadOnlyList<int> Hidden, double SgdRate, double AdamRate, int BatchSize, int Steps,
    int KernelEvery, ScalarType DType, string Device);

/// <summary>
/// One kernel checkpoint of a tabular network. "Own" is the kernel that drives the optimizer's functional step
/// (K for SGD, K^T = J T Jᵀ for Adam), "plain" is K = J Jᵀ of the same network.
/// </summary>
internal sealed record TabularKernelPoint(int Step, double TrainMse, double W1Own, double W1Plain, double IrregularToRegularOwn,
    double IrregularToRegularPlain, double AlignmentTrain, double AlignmentTest, double AlignmentTrainCentered, double AlignmentTestCentered);

/// <summary>What one tabular network measured.</summary>
internal sealed class TabularKernelRun(string optimizer, double learningRate)
{
    public string Optimizer { get; } = optimizer;
    public double LearningRate { get; } = learningRate;
    public List<TabularKernelPoint> Points { get; } = [];
    /// <summary>W(π) on the grid π = 0, 0.1, …, 1 at the end of training: mean and sample sd over repetitions.</summary>
    public (double Mean, double Std)[] WOwn { get; set; } = [];
    public (double Mean, double Std)[] WPlain { get; set; } = [];
    public double TestMseRegular { get; set; }
    public double TestMseIrregular { get; set; }
    public TimeSpan WallTime { get; set; }
    public TabularKernelPoint Final => Points[^1];
}

/// <summary>
/// Adaptive learning rates change the kernel (SPEC §1, our measurement): on a tabular data set, trains the same MLP
/// (squared loss ½(f − y)², batch mean) with plain SGD and with Adam from one initialization and data order, and at
/// kernel checkpoints computes the kernel rows w(x) = ‖K(x, X_train)‖₂ of the tracked test rows, the normalized
/// maximum weight W(π) of SPEC §5 (irregular vs regular inputs), and for Adam the alignment of K^T with K.
/// </summary>
internal static class AdaptiveKernelArm
{
    public static TabularKernelRun Run(TabularGbtData data, string optimizerName, TabularKernelSettings settings, int seed,
        IProgressTask progress, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        using var scope = torch.NewDisposeScope();
        var device = torch.device(settings.Device);
        var xTrain = Matrix(data.Train.Features, data.Train.Rows, data.Train.Columns, settings.DType, device);
        var yTrain = Matrix(data.Train.Target, data.Train.Rows, 1, settings.DType, device);
        var xTracked = Matrix(data.Tracked.Features, data.Tracked.Rows, data.Tracked.Columns, settings.DType, device);
        var yTracked = Matrix(data.Tracked.Target, data.Tracked.Rows, 1, ScalarType.Float64, device);
        var network = new Mlp(new MlpOptions
        {
            InputSize = data.Train.Columns, HiddenWidths = settings.Hidden.ToArray(), OutputSize = 1,
            DType = settings.DType, Device = settings.Device,
        }, seed);
        var parameters = new TrainableParameters(network);
        bool isAdam = optimizerName == OptimizerChoice.Adam;
        double rate = isAdam ? settings.AdamRate : settings.SgdRate;
        using ExactOptimizer optimizer = isAdam ? ExactOptimizers.Adam(parameters, rate) : ExactOptimizers.Sgd(parameters, rate);
        optimizer.IncludeComponents = false;
        var kernel = new PreconditionedMlpKernel(network);
        var run = new TabularKernelRun(optimizerName, rate);
        var batches = new BatchSchedule(data.Train.Rows, settings.BatchSize, (ulong)seed);
        var irregular = data.TrackedIsIrregular;

        double[] wOwn = [], wPlain = [];
        for (int t = 1; t <= settings.Steps; t++)
        {
            cancel.ThrowIfCancellationRequested();
            using var stepScope = torch.NewDisposeScope();
            var index = torch.tensor(batches.Batch(t).ToArray(), dtype: ScalarType.Int64, device: device);
            optimizer.ZeroGrad();
            var residual = network.forward(xTrain.index_select(0, index)) - yTrain.index_select(0, index);
            var loss = residual.square().mean() * 0.5;
            DivergenceException.ThrowIfNotFinite(loss.to_type(ScalarType.Float64).item<double>(), $"{data.Train.Name} {optimizerName}", t);
            loss.backward();
            optimizer.Step().Dispose();
            if (t % settings.KernelEvery == 0 || t == settings.Steps)
            {
                var preconditioner = isAdam ? ((AdamOptimizer)optimizer).Preconditioners : null;
                var ownRows = kernel.Compute(xTracked, xTrain, preconditioner);
                var plainRows = isAdam ? kernel.Compute(xTracked, xTrain, null) : ownRows;
                wOwn = RowNorms(ownRows);
                wPlain = RowNorms(plainRows);
                double alignTrain = 1, alignTest = 1, centeredTrain = 1, centeredTest = 1;
                if (isAdam)
                {
                    var trainT = kernel.Compute(xTrain, xTrain, preconditioner);
                    var train = kernel.Compute(xTrain, xTrain, null);
                    alignTest = KernelAlignment.Compute(ownRows, plainRows);
                    alignTrain = KernelAlignment.Compute(trainT, train);
                    centeredTest = KernelAlignment.Centered(ownRows, plainRows);
                    centeredTrain = KernelAlignment.Centered(trainT, train);
                }
                double trainMse = (Predict(network, xTrain) - yTrain.to_type(ScalarType.Float64)).square().mean().item<double>();
                run.Points.Add(new TabularKernelPoint(t, trainMse, WCurve(data.TestSets, wOwn)[^1].Mean, WCurve(data.TestSets, wPlain)[^1].Mean,
                    MeanRatio(wOwn, irregular), MeanRatio(wPlain, irregular), alignTrain, alignTest, centeredTrain, centeredTest));
                progress.SetStatus($"{data.Train.Name} {optimizerName}: step {t}, train MSE {trainMse:G3}");
            }
            progress.Advance();
        }
        run.WOwn = WCurve(data.TestSets, wOwn);
        run.WPlain = WCurve(data.TestSets, wPlain);
        var squaredError = (Predict(network, xTracked) - yTracked).square().flatten().data<double>().ToArray();
        run.TestMseRegular = Enumerable.Range(0, squaredError.Length).Where(i => !irregular[i]).Average(i => squaredError[i]);
        run.TestMseIrregular = Enumerable.Range(0, squaredError.Length).Where(i => irregular[i]).Average(i => squaredError[i]);
        run.WallTime = clock.Elapsed;
        return run;
    }

    private static double[] RowNorms(Tensor rows) => rows.to_type(ScalarType.Float64).square().sum(1L).sqrt().data<double>().ToArray();

    /// <summary>mean w over irregular tracked rows / mean w over regular tracked rows.</summary>
    private static double MeanRatio(double[] w, bool[] irregular) =>
        Enumerable.Range(0, w.Length).Where(i => irregular[i]).Average(i => w[i]) /
        Enumerable.Range(0, w.Length).Where(i => !irregular[i]).Average(i => w[i]);

    /// <summary>W(π) = repetition mean of max_{T_π} w / max_{T_0} w (SPEC §5), with its sample sd, on the π grid.</summary>
    public static (double Mean, double Std)[] WCurve(IReadOnlyList<MixedTestSet> sets, double[] w)
    {
        var baseline = sets.Where(s => s.Pi == 0).ToDictionary(s => s.Repetition, s => s.Rows.Max(r => w[r]));
        return sets.GroupBy(s => s.Pi).OrderBy(g => g.Key)
            .Select(g =>
            {
                var ratios = g.Select(s => s.Rows.Max(r => w[r]) / baseline[s.Repetition]).ToList();
                return (ratios.Average(), PiAnalysis.Std(ratios));
            }).ToArray();
    }

    private static Tensor Predict(Mlp network, Tensor x)
    {
        using var noGrad = torch.no_grad();
        return network.forward(x).to_type(ScalarType.Float64);
    }

    private static Tensor Matrix(ReadOnlySpan<double> values, int rows, int columns, ScalarType dtype, Device device) =>
        torch.tensor(values.ToArray(), [rows, columns], dtype: ScalarType.Float64).to(dtype, device);
}
