using System.Globalization;
using Telescope.Experiments.Sensitivity;
using Telescope.Smoothing;
using TorchSharp;

namespace Telescope.Experiments.DoubleDescent;

/// <summary>
/// SPEC §6 row "double-descent" (paper Figs. 3, 9): one-hidden-layer ReLU networks of growing width trained
/// with squared loss to convergence on a two-class image task with ±1 targets, with and without training-label
/// noise. Test MSE is expected to peak near the interpolation threshold (parameters ≈ n) under label noise, and
/// the smoother's effective parameters explain it: p_train grows with width while p_test peaks near the
/// threshold and falls beyond it.
/// </summary>
public sealed class DoubleDescentRecipe : IRecipe
{
    public string Name => "double-descent";
    public string Description => "Test MSE and effective parameters p_train/p_test of 1-hidden-layer ReLU nets across widths, MNIST 3 vs 5 with/without label noise (paper Figs. 3, 9)";

    public RecipeSettings CreateSettings(bool quick) => new RecipeSettings(quick)
        .AddString("data", "auto", "Images: mnist, cifar10, synthetic, files (your own: train_images, …), or auto (files when train_images is set, else mnist when a data folder is given)", choices: DoubleDescentData.Choices)
        .AddOwnImageSettings()
        .AddIntList("classes", [3, 5], "The two classes: first → target +1, second → target −1 (CIFAR-10 cat vs dog is 3,5 too)", min: 0)
        .AddInt("pool", 4, "Average-pooling factor (MNIST 28×28 → 7×7 = 49 features with 4) so the threshold falls inside the width grid", min: 1)
        .AddInt("train_size", 1000, "n, training examples (class-balanced: the first n/2 of each class)", quick: 400, min: 2)
        .AddInt("test_size", 1900, "Test examples for test MSE (the first of the two classes)", quick: 500, min: 1)
        .AddInt("test_probes", 500, "First test examples on which the smoother is tracked (p_test, fidelity)", quick: 200, min: 1)
        .AddDoubleList("label_noise", [0.2, 0.0], "Fractions of training targets flipped (one sweep each)", min: 0, max: 1)
        .AddIntList("widths", [1, 2, 4, 8, 12, 16, 20, 24, 28, 32, 40, 48, 64, 128, 256, 512, 1024],
            "Hidden widths (log grid through the threshold)", quick: [1, 2, 4, 6, 8, 12, 16, 24, 32, 64, 128], min: 1)
        .AddString("optimizer", "adam", "adam (Adam β = 0.9, 0.999, ε = 1e-8) or gd (plain full-batch gradient descent / SGD)", choices: ["adam", "gd"])
        .AddDouble("lr.adam", 3e-3, "Learning rate of adam", min: 0)
        .AddDouble("lr.gd", 0.5, "Learning rate of gd", min: 0)
        .AddInt("batch_size", 0, "Minibatch size (0 = full batch)", min: 0)
        .AddInt("steps", 4000, "Training steps per network", min: 1)
        .AddInt("log_every", 100, "Measure every this many steps", quick: 100, min: 1)
        .AddString("smoother", "hutchinson",
            "Effective-parameter smoother: hutchinson (SPEC §2b, D random directions, any optimizer), exact (§2b, n basis directions; costly), kernel (§2a; exact for gd only), none (p_net by retraining only)",
            choices: SmootherChoice.All)
        .AddString("preconditioner", "frozen", "With adam and a label-tangent smoother: frozen (SPEC §2b, the realized preconditioner) or differentiated (the surrogate's own second moment, differentiated; an option beyond the SPEC; measured to blow up sooner than frozen, see TangentPreconditioner)",
            choices: ["frozen", "differentiated"])
        .AddInt("directions", 32, "D, Hutchinson directions", quick: 8, min: 2)
        .AddDouble("loss_scale", 1.0, "c in ℓ = (c/2)(f − y)² (SPEC §0)", min: 0)
        .AddDouble("peak_prominence", 1.5, "A test-MSE / p_test maximum counts as a peak when it exceeds the lowest value on each side by this factor", min: 1)
        .AddDouble("near_factor", 4.0, "A peak is 'near the threshold' when its width is within this factor of h* = (n − 1)/(d + 2)", min: 1)
        .AddDouble("fidelity_limit", 0.5, "p counts as reliable at a width when the surrogate's mean |f̂ − f| on the training set is at most this (targets ±1)", min: 0)
        .AddDouble("p_train_limit", 1.25, "p counts as reliable only while p_train ≤ this × n (beyond, the surrogate's label sensitivities have blown up)", min: 1)
        .AddDouble("interpolation_tolerance", 1e-3, "A network interpolates when its final train MSE is at most this", min: 0)
        .AddSensitivitySettings(quickMode: SensitivitySettings.Retraining)
        .AddVerdictCriteria()
        // One intra-op thread: the tensors are small, so per-op threading costs more than it saves (measured ~10× on
        // a loaded 2-core machine for width 32, n = 400); raise it for large widths with --set threads=N.
        .AddComputeSettings(threads: 1);

    public void Run(RunContext context)
    {
        var s = context.Settings;
        var classes = s.GetIntList("classes");
        if (classes.Count != 2)
            throw new TelescopeException($"classes must name exactly two classes; got {classes.Count}.") { Hint = "E.g. --set classes=3,5." };
        string optimizer = s.GetString("optimizer"), smootherChoice = s.GetString("smoother");
        if (smootherChoice == SmootherChoice.Kernel && optimizer != "gd")
            throw new TelescopeException($"smoother=kernel (SPEC §2a) is exact only for plain gradient descent, not {optimizer}.")
            { Hint = "Use --set optimizer=gd with smoother=kernel, or smoother=hutchinson / exact with adam." };
        int trainSize = s.GetInt("train_size"), testSize = s.GetInt("test_size"), probes = s.GetInt("test_probes");
        if (probes > testSize)
            throw new TelescopeException($"test_probes ({probes}) exceeds test_size ({testSize}).") { Hint = "Track at most test_size test examples." };
        int batchSize = s.GetInt("batch_size");
        if (batchSize > trainSize)
            throw new TelescopeException($"batch_size ({batchSize}) exceeds train_size ({trainSize}).") { Hint = "Use 0 for full batch." };
        var widths = s.GetIntList("widths").Distinct().Order().ToArray();

        var data = DoubleDescentData.Load(context, s.GetString("data"), trainSize, testSize, s.GetInt("pool"), classes[0], classes[1]);
        context.Progress.Message($"Data: {data.Description}");

        var dtype = context.DType;
        var device = context.Device;
        using var scope = torch.NewDisposeScope();
        var testInputs = data.TestInputs(dtype, device);
        var tensors = new DoubleDescentTensors(data.TrainInputs(dtype, device), testInputs,
            data.Test.CleanTargetsTensor(dtype, device), testInputs.narrow(0, 0, probes));
        var config = new DoubleDescentConfig(optimizer, s.GetDouble($"lr.{optimizer}"), s.GetInt("steps"), s.GetInt("log_every"),
            smootherChoice, s.GetInt("directions"), s.GetDouble("loss_scale"), (int)(context.Seed & int.MaxValue), dtype,
            s.GetString(RecipeSettings.DeviceKey),
            new BatchSchedule(trainSize, batchSize == 0 ? trainSize : batchSize, (ulong)context.Seed), batchSize == 0 || batchSize == trainSize,
            s.GetString("preconditioner") == "differentiated" ? TangentPreconditioner.Differentiated : TangentPreconditioner.Frozen)
        {
            // The Hutchinson smoother's seed: p_net's V_d are its first D directions (a paired comparison).
            Sensitivity = SensitivitySettings.Options(s, (int)(context.Seed & int.MaxValue)),
            StabilityIterations = s.GetInt("stability_iterations"),
        };
        if (!config.HasSmoother && config.Sensitivity is null)
            throw new TelescopeException("smoother=none with sensitivity=none measures no effective parameters.")
            { Hint = "Use --set sensitivity=retraining, or a smoother." };

        var noises = s.GetDoubleList("label_noise").Distinct().ToArray();
        var runs = new List<WidthRun>();
        var tasks = new Dictionary<double, Data.BinaryTask>();
        var trainer = new DoubleDescentTrainer(config);
        using (var progress = context.Progress.Start($"{noises.Length * widths.Length} networks × {config.Steps} steps", (double)noises.Length * widths.Length * config.Steps))
            foreach (double noise in noises)
            {
                // One flip set per noise level, shared by every width: the widths differ in the model only.
                var task = data.Train.WithLabelNoise(noise, (ulong)context.Seed ^ 0x6E6F697365UL);
                tasks[noise] = task;
                using var targetScope = torch.NewDisposeScope();
                var targets = task.TargetsTensor(dtype, device);
                foreach (int width in widths)
                {
                    var run = new WidthRun(noise, width, DoubleDescentAnalysis.ParameterCount(data.FeatureCount, width));
                    trainer.Run(run, tensors, targets, progress, context.CancellationToken);
                    runs.Add(run);
                    context.Progress.Message(string.Create(CultureInfo.InvariantCulture,
                        $"{run.Label}: train MSE {run.Final.TrainMse:G3}, test MSE {run.Final.TestMse:G3}, p_train {run.Final.PTrain.Value:G4}, p_test {run.Final.PTest.Value:G4} ({run.WallTime.TotalSeconds:F1} s)"));
                }
            }

        var output = new DoubleDescentOutput(context, data, config, tasks, runs, config.StabilityIterations > 0
            ? SensitivitySettings.Bound(s, optimizer == "adam"
                ? new TangentStepRule { Kind = TangentOptimizerKind.Adam, Step = 1, LearningRate = config.LearningRate, Beta1 = 0.9 }
                : new TangentStepRule { Kind = TangentOptimizerKind.Sgd, Step = 1, LearningRate = config.LearningRate })
            : null);
        output.WriteMetrics();
        output.WriteSummary();
        output.WriteReport();
    }
}
