namespace Telescope.Recipes.DoubleDescent;

/// <summary>
/// The settings of the double-descent recipe (docs/recipes/double-descent.md), one declaration each, and what follows
/// from them for every network of the sweep (the seed is each sub-run's own).
/// </summary>
public sealed record DoubleDescentSettings(long Seed, string Data, OwnImageSettings OwnImages,
    IReadOnlyList<int> Classes, int Pool, int TrainSize, int TestSize, int TestProbes, IReadOnlyList<double> LabelNoise,
    IReadOnlyList<int> Widths, string Optimizer, double AdamLearningRate, double GdLearningRate, int BatchSize,
    int MaxSteps, int ConvergeWindow, double ConvergeRelImprovement, double ConvergeTrainMse, double WorseFitTolerance,
    int LogEvery, string Smoother, string Preconditioner, int Directions, double LossScale, double PeakProminence,
    double NearFactor, double FidelityLimit, double PTrainLimit, double InterpolationTolerance,
    SensitivitySettings Sensitivity, VerdictCriteria Verdicts, IReadOnlyList<long> Seeds, ComputeSettings Compute)
{
    public static SettingsSchema<DoubleDescentSettings> Schema { get; } = new SettingsSchema<DoubleDescentSettings>()
        .Seed(x => x.Seed)
        .String(x => x.Data, "data", "auto", "Images: mnist, cifar10, synthetic, files (your own: train_images, …), or auto (files when train_images is set, else mnist when a data folder is given)", choices: DoubleDescentData.Choices)
        .Group(x => x.OwnImages, OwnImageSettings.Schema)
        .IntList(x => x.Classes, "classes", [3, 5], "The two classes: first → target +1, second → target −1 (CIFAR-10 cat vs dog is 3,5 too)", min: 0)
        .Int(x => x.Pool, "pool", 4, "Average-pooling factor (MNIST 28×28 → 7×7 = 49 features with 4) so the threshold falls inside the width grid", min: 1)
        .Int(x => x.TrainSize, "train_size", 1000, "n, training examples (class-balanced: the first n/2 of each class)", quick: 400, min: 2)
        .Int(x => x.TestSize, "test_size", 1900, "Test examples for test MSE (the first of the two classes)", quick: 500, min: 1)
        .Int(x => x.TestProbes, "test_probes", 500, "First test examples on which the smoother is tracked (p_test, fidelity)", quick: 200, min: 1)
        .DoubleList(x => x.LabelNoise, "label_noise", [0.2, 0.0], "Fractions of training targets flipped (one sweep each)", min: 0, max: 1)
        .IntList(x => x.Widths, "widths", [1, 2, 4, 8, 12, 16, 20, 24, 28, 32, 40, 48, 64, 128, 256, 512, 1024],
            "Hidden widths (log grid through the threshold)", quick: [1, 2, 4, 6, 8, 12, 16, 24, 32, 64, 128], min: 1)
        .String(x => x.Optimizer, "optimizer", "adam", "adam (Adam β = 0.9, 0.999, ε = 1e-8) or gd (plain full-batch gradient descent / SGD)", choices: ["adam", "gd"])
        .Double(x => x.AdamLearningRate, "lr.adam", 3e-3, "Learning rate of adam", min: 0)
        .Double(x => x.GdLearningRate, "lr.gd", 0.5, "Learning rate of gd", min: 0)
        .Int(x => x.BatchSize, "batch_size", 0, "Minibatch size (0 = full batch)", min: 0)
        // Convergence (issue 13): measured on MNIST 3 vs 5 (n = 400, noise 0.2, Adam 3e-3, full batch), the test MSE
        // still moves by 10–40% between 4000 steps and convergence near the threshold (width 12: 2.98 at step 4000,
        // 3.71 at 13500; width 24: 2.54 → 3.55 at 20000), so a fixed budget is not "trained to convergence". The
        // rule stops at ≤ 1% improvement per 1000 steps (a loss falling that slowly needs > 70k steps to halve) or
        // at the interpolation level 1e-3; width 24 with noise grinds its noisy labels down by 20–30% per 1000 steps
        // and crosses 1e-3 only near step 11000, hence the caps.
        .Int(x => x.MaxSteps, "max_steps", 50000, "Step cap: a network still improving here is flagged 'capped' and kept out of the verdicts (with converge_window = 0: the fixed number of steps)", quick: 15000, min: 1)
        .Int(x => x.ConvergeWindow, "converge_window", 1000, "W: the convergence rule compares the best training MSE now with the best W steps ago (a multiple of log_every; 0 = train max_steps steps, no rule)", min: 0)
        .Double(x => x.ConvergeRelImprovement, "converge_rel_improvement", 0.01, "ρ: a network has converged when its best training MSE improved by at most this fraction over the last W steps", min: 0, max: 1)
        .Double(x => x.ConvergeTrainMse, "converge_train_mse", 1e-3, "A network whose best training MSE is at most this has converged: it interpolates (the interpolation_tolerance default; fits its ±1 targets to ≈ 3% rms)", min: 0)
        .Double(x => x.WorseFitTolerance, "worse_fit_tolerance", 0.01, "A wider network whose final train MSE exceeds a narrower one's (same noise, same seed) by more than this is an optimization failure, shown but not part of the curve (1% of the ±1 targets' variance)", min: 0)
        .Int(x => x.LogEvery, "log_every", 100, "Measure every this many steps (the convergence rule looks at these measurements)", quick: 100, min: 1)
        .String(x => x.Smoother, "smoother", SmootherChoice.Hutchinson,
            "Effective-parameter smoother: hutchinson (docs/method.md §4.3, D random directions, any optimizer), exact (§2b, n basis directions; costly), kernel (§2a; exact for gd only), none (p_net by retraining only)",
            choices: SmootherChoice.All)
        .String(x => x.Preconditioner, "preconditioner", "frozen", "With adam and a label-tangent smoother: frozen (docs/method.md §4.3, the realized preconditioner) or differentiated (the surrogate's own second moment, differentiated; an option beyond docs/method.md; measured to blow up sooner than frozen, see TangentPreconditioner)",
            choices: ["frozen", "differentiated"])
        // Quick D = 4 (was 8 before convergence): the tangents dominate a step, and networks trained to convergence take up to
        // ≈ 4× the old fixed 4000 steps; with seeds the Hutchinson error (≈ 5–7% of p at D = 4–8) is part of the seed spread.
        .Int(x => x.Directions, "directions", 32, "D, Hutchinson directions", quick: 4, min: 2)
        .Double(x => x.LossScale, "loss_scale", 1.0, "c in ℓ = (c/2)(f − y)² (docs/method.md §1)", min: 0)
        .Double(x => x.PeakProminence, "peak_prominence", 1.5, "A test-MSE / p_test maximum counts as a peak when it exceeds the lowest value on each side by this factor", min: 1)
        .Double(x => x.NearFactor, "near_factor", 4.0, "A peak is 'near the threshold' when its width is within this factor of h* = (n − 1)/(d + 2)", min: 1)
        .Double(x => x.FidelityLimit, "fidelity_limit", 0.5, "p counts as reliable at a width when the surrogate's mean |f̂ − f| on the training set is at most this (targets ±1)", min: 0)
        .Double(x => x.PTrainLimit, "p_train_limit", 1.25, "p counts as reliable only while p_train ≤ this × n (beyond, the surrogate's label sensitivities have blown up)", min: 1)
        .Double(x => x.InterpolationTolerance, "interpolation_tolerance", 1e-3, "A network interpolates when its final train MSE is at most this", min: 0)
        // Quick mode reports p_net next to the smoother's p at every width (issue 10): its 6 members (D = 2 and the σ/4
        // pair) took the quick run from 285 s per seed (no p_net, results/double-descent/quick-seeds) to 1003 s
        // (measured, results/double-descent/quick-pnet); --set sensitivity=none gives the cheaper run.
        .Group(x => x.Sensitivity, SensitivitySettings.Schema(quickMode: SensitivitySettings.Retraining))
        .Verdicts(x => x.Verdicts)
        .Seeds(x => x.Seeds, full: [0, 1, 2], quick: [])
        // One intra-op thread: the tensors are small, so per-op threading costs more than it saves (measured ~10× on
        // a loaded 2-core machine for width 32, n = 400); raise it for large widths with --set threads=N.
        .Compute(x => x.Compute, threads: 1);

    public double LearningRate => Optimizer == "adam" ? AdamLearningRate : GdLearningRate;
    /// <summary>The minibatch size in examples (n for full batch).</summary>
    public int Batch => BatchSize == 0 ? TrainSize : BatchSize;
    public bool FullBatch => Batch == TrainSize;
    public bool HasSmoother => Smoother != SmootherChoice.None;
    public TangentPreconditioner PreconditionerKind =>
        Preconditioner == "differentiated" ? TangentPreconditioner.Differentiated : TangentPreconditioner.Frozen;
    public ConvergenceRule Convergence => new(ConvergeWindow, ConvergeRelImprovement, ConvergeTrainMse, MaxSteps);
    /// <summary>The retraining estimate p_net (docs/method.md §5.2), or null; its seed is replaced by each sub-run's.</summary>
    public RetrainingSensitivityOptions? Retraining => Sensitivity.Options(0);

    /// <summary>Checks what depends on several settings.</summary>
    /// <exception cref="TelescopeException">The settings contradict each other.</exception>
    public void Validate()
    {
        if (Classes.Count != 2)
            throw new TelescopeException($"classes must name exactly two classes; got {Classes.Count}.") { Hint = "E.g. --set classes=3,5." };
        if (Smoother == SmootherChoice.Kernel && Optimizer != "gd")
            throw new TelescopeException($"smoother=kernel (docs/method.md §4.2) is exact only for plain gradient descent, not {Optimizer}.")
            { Hint = "Use --set optimizer=gd with smoother=kernel, or smoother=hutchinson / exact with adam." };
        if (TestProbes > TestSize)
            throw new TelescopeException($"test_probes ({TestProbes}) exceeds test_size ({TestSize}).") { Hint = "Track at most test_size test examples." };
        if (BatchSize > TrainSize)
            throw new TelescopeException($"batch_size ({BatchSize}) exceeds train_size ({TrainSize}).") { Hint = "Use 0 for full batch." };
        Convergence.Validate(LogEvery);
        if (!HasSmoother && Retraining is null)
            throw new TelescopeException("smoother=none with sensitivity=none measures no effective parameters.")
            { Hint = "Use --set sensitivity=retraining, or a smoother." };
    }
}
