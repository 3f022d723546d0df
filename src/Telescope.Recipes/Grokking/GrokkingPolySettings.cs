namespace Telescope.Recipes.Grokking;

/// <summary>The settings of grokking-poly (docs/method.md §9 row "grokking-poly"), one declaration each.</summary>
public sealed record GrokkingPolySettings : GrokkingSettings
{
    public required IReadOnlyList<double> Epsilons { get; init; }
    public required double Alpha { get; init; }
    public required int Width { get; init; }
    public required int InputDim { get; init; }
    /// <summary>The learning rate in units of N/α².</summary>
    public required double LrFactor { get; init; }

    /// <summary>
    /// Why the full mode defaults to one seed, as the report states it: measured with the full settings for 300 steps of
    /// one ε (86 s, 0.29 s per step, on the shared 2-core machine at a 1-min load of 22, code of this commit's parent);
    /// even if an idle machine were 4× faster (an assumption, not measured), 3 ε × 60000 steps take ≈ 3.5 h per seed, three seeds ≈ 10 h.
    /// </summary>
    public const string FullRunCost = "the full sweep (3 ε × 60000 steps, float64, 1000 test probes) costs hours per seed: 0.29 s per step was measured (300 steps of one ε on the shared machine at a 1-min load of 22), i.e. ≈ 14 h per seed at that rate, and an estimate (not a measurement) for a machine 4× faster is still ≈ 3.5 h per seed, ≈ 10 h for three; repeat with --set seeds=0,1,2";

    /// <summary>γ = lr_factor·N/α².</summary>
    public double LearningRate => LrFactor * Width / Math.Pow(Alpha, 2);

    /// <summary>The initialization seed of a repetition: S + 1 (the task is drawn from <c>seed</c> itself).</summary>
    public static int ModelSeed(long seed) => (int)((seed + 1) & int.MaxValue);

    /// <summary>p_net's label directions come from seed S + 2.</summary>
    public override RetrainingSensitivityOptions? SensitivityOptions(long seed) => Sensitivity.Options((int)((seed + 2) & int.MaxValue));

    protected override TangentStepRule StepRule => new() { Kind = TangentOptimizerKind.Sgd, Step = 1, LearningRate = LearningRate };

    /// <summary>The checks that involve several settings.</summary>
    public void Validate()
    {
        if (TestProbes > TestSize)
            throw new TelescopeException($"test_probes ({TestProbes}) exceeds test_size ({TestSize}).") { Hint = "Track at most test_size test examples." };
        if (Epsilons.Count == 0 || Epsilons.Distinct().Count() != Epsilons.Count)
            throw new TelescopeException("epsilons must list at least one value, each once.") { Hint = "E.g. --set epsilons=0.02,0.1" };
        if (!UseSmoother && Sensitivity.Mode != SensitivitySettings.Retraining)
            throw new TelescopeException("smoother=none with sensitivity=none measures no effective parameters.") { Hint = "Use --set sensitivity=retraining, or smoother=kernel." };
    }

    private const string Kumar = "Kumar et al. 2024";

    /// <summary>float64 by default (the accumulated smoother spans tens of thousands of steps); quick mode uses float32, which halves the per-step cost on this machine.</summary>
    private static readonly SettingsSchema<ComputeSettings> ComputeSchema = new SettingsSchema<ComputeSettings>()
        .String(x => x.DTypeName, RecipeSettings.DTypeKey, "float64", "Floating-point type of model, data and smoother", quick: "float32", choices: ["float32", "float64"])
        .String(x => x.DeviceName, RecipeSettings.DeviceKey, "cpu", "Torch device: cpu, cuda, cuda:1, …")
        .Int(x => x.Threads, RecipeSettings.ThreadsKey, 0, "TorchSharp intra-op threads (0 = library default)", min: 0);

    public static SettingsSchema<GrokkingPolySettings> Schema { get; } = new SettingsSchema<GrokkingPolySettings>()
        .Seed(x => x.Seed)
        .DoubleList(x => x.Epsilons, "epsilons", [0.02, 0.05, 0.1], "ε values of φ(z) = z + εz²/2 to sweep", quick: [0.02, 0.1], min: 0)
        .Double(x => x.Alpha, "alpha", 1.0, "α, the output scale: f(x) = (α/N) Σ φ(w_jᵀx)", min: 1e-12)
        .Int(x => x.Width, "width", 500, "N, hidden units", min: 1, source: Kumar)
        .Int(x => x.InputDim, "input_dim", 100, "d, input dimension (x ~ N(0, I_d/d))", min: 1, source: Kumar)
        .Int(x => x.TrainSize, "train_size", 550, "Training examples", min: 1, source: Kumar)
        .Int(x => x.TestSize, "test_size", 1000, "Test examples (test MSE is measured on all of them)", min: 1)
        .Int(x => x.TestProbes, "test_probes", 1000, "Test examples tracked by the smoother for p_test (the first ones)", quick: 250, min: 1)
        .Double(x => x.LrFactor, "lr_factor", 1.0, "Learning rate in units of N/α² (docs/method.md: 1)", quick: 32.0, min: 1e-12)
        .Double(x => x.LossScale, "loss_scale", 1.0, "c in the loss (c/2)·mean (f − y)² (docs/method.md §1)", min: 1e-12)
        .Int(x => x.Steps, "steps", 60000, "Full-batch gradient steps per ε", quick: 1500, min: 1)
        .Int(x => x.LogPerDecade, "log_per_decade", 20, "Logged steps per decade of the geometric grid", min: 1)
        .Int(x => x.LogEvery, "log_every", 500, "Also log every this many steps", quick: 50, min: 1)
        .String(x => x.Smoother, "smoother", "kernel", "The docs/method.md §4.2 kernel smoother (p_train, p_test; exact for full-batch GD): kernel, or none (p_net by retraining only)", choices: ["kernel", "none"])
        .Group(x => x.Sensitivity, SensitivitySettings.Schema(quickMode: SensitivitySettings.Retraining))
        .Double(x => x.PTrainLimit, "p_train_limit", 1.25, "The smoother's p counts as blown up once p_train exceeds this × n", min: 1)
        .Double(x => x.ClearlyBelowFraction, ClearlyBelowRule.FractionName, 0.1, ClearlyBelowRule.FractionDescription, min: 0, max: 1)
        .Int(x => x.SpectrumProbes, SpectrumProbesName, 64, "Training and test inputs (each, the first ones) whose tangent kernel spectrum and kernel-target alignment are logged at every logged step (docs/method.md §11; explicit kernel and eigh, exact); 0 = off", min: 0)
        .Int(x => x.SpectrumTopK, SpectrumTopKName, 10, "Top eigenvalues of that kernel logged (span of the energy share and the rotation); at most spectrum_probes", min: 1)
        .Verdicts(x => x.Verdicts)
        // One seed by default in both modes: the full sweep is already hours per seed (FullRunCost), so repetitions are opt-in.
        .Seeds(x => x.Seeds)
        .Group(x => x.Compute, ComputeSchema);
}
