using Telescope.Autodiff;
using Telescope.Checkpointing;
using Telescope.Models;
using Telescope.Optim;
using Telescope.Telescoping;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;
using static Telescope.Tests.Optim.OptimTestKit;

namespace Telescope.Tests.Telescoping;

/// <summary>
/// The black-box tracker (<c>tracker.Step(() =&gt; optimizer.step())</c>) under TorchSharp's own torch.optim
/// optimizers and StepLR, against the exact path run with Telescope's exact optimizers configured the same
/// (those follow torch.optim to ≤ 1.1e-15 over 100 steps: BuiltinTrajectoryTests). Float64; tolerance 1e-10 on
/// f̃, f_lin's displacement and the metrics. A third twin trained by torch.optim alone checks, bit for bit, that the
/// tracker does not perturb training; a fourth records J·Δθ at θ_t instead of θ_{t−1} and must miss by far more
/// than the tolerance, so the comparison can tell the two apart.
/// </summary>
public class BlackBoxTrackerTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-10;
    private const int Steps = 30;
    private const int DecayPeriod = 10;   // StepLR: the rate halves at steps 10 and 20
    private const double DecayFactor = 0.5;

    private static double InitialRate(string name) => name == "sgd-momentum" ? 0.05 : 0.01;

    /// <summary>Telescope's exact optimizer for the case, with StepLR's schedule.</summary>
    private static IExactOptimizer Exact(string name, TrainableParameters parameters)
    {
        var schedule = StepDecayLearningRate.Periodic(InitialRate(name), DecayPeriod, DecayFactor);
        return name switch
        {
            "sgd-momentum" => ExactOptimizers.Sgd(parameters, schedule, momentum: 0.9, weightDecay: 1e-2),
            "adam" => ExactOptimizers.Adam(parameters, schedule, weightDecay: 1e-3),
            "adamw" => ExactOptimizers.AdamW(parameters, schedule, weightDecay: 0.05),
            _ => throw new ArgumentException($"Unknown case {name}."),
        };
    }

    /// <summary>The same optimizer from torch.optim (its StepLR is made next to it).</summary>
    private static optim.Optimizer Builtin(string name, IEnumerable<TorchSharp.Modules.Parameter> parameters) => name switch
    {
        "sgd-momentum" => optim.SGD(parameters, InitialRate(name), momentum: 0.9, weight_decay: 1e-2),
        "adam" => optim.Adam(parameters, InitialRate(name), 0.9, 0.999, 1e-8, weight_decay: 1e-3),
        "adamw" => optim.AdamW(parameters, InitialRate(name), 0.9, 0.999, 1e-8, weight_decay: 0.05),
        _ => throw new ArgumentException($"Unknown case {name}."),
    };

    /// <summary>Two tracked sets (so the concatenation and slicing are exercised), one with class labels.</summary>
    private static TrackedSet[] Sets()
    {
        using var g = new Generator(23);
        var probe = torch.randn([9, 5], dtype: ScalarType.Float64, generator: g);
        var test = torch.randn([6, 5], dtype: ScalarType.Float64, generator: g);
        var labels = torch.randint(0, 3, [6], generator: g);
        return [new TrackedSet("probe", probe), new TrackedSet("test", test, labels)];
    }

    private static bool BitwiseEqual(IReadOnlyList<Tensor> a, IReadOnlyList<Tensor> b) =>
        a.Count == b.Count && a.Zip(b).All(p => Same(p.First, p.Second));

    /// <summary>Same shape, dtype and every element bit for bit.</summary>
    private static bool Same(Tensor a, Tensor b)
    {
        if (a.dtype != b.dtype || !a.shape.SequenceEqual(b.shape)) return false;
        using var elementwise = a.eq(b);
        using var all = elementwise.all();
        return all.item<bool>();
    }

    private static double MaxAbsDiff(Tensor a, Tensor b)
    {
        using var d = a.sub(b).abs().max();
        return d.ToDouble();
    }

    [Theory]
    [InlineData("sgd-momentum", 1)]
    [InlineData("adam", 1)]
    [InlineData("adamw", 1)]
    [InlineData("sgd-momentum", 3)]
    [InlineData("adamw", 3)]
    public void BlackBoxTrackerUnderTorchOptimMatchesTheExactPath(string name, int stride)
    {
        using var exactModel = NewMlp();
        using var boxModel = NewMlp();
        using var aloneModel = NewMlp();
        using var naiveModel = NewMlp();
        var batches = Batches();
        var sets = Sets();
        var options = new TelescopingOptions { Stride = stride };
        var exactEngine = new ForwardModeJvp(exactModel);
        var naiveEngine = new ForwardModeJvp(naiveModel);

        using var exact = Exact(name, exactEngine.Parameters);
        using var box = Builtin(name, boxModel.parameters());
        using var alone = Builtin(name, aloneModel.parameters());
        using var naive = Builtin(name, naiveModel.parameters());
        var boxScheduler = optim.lr_scheduler.StepLR(box, DecayPeriod, DecayFactor);
        var aloneScheduler = optim.lr_scheduler.StepLR(alone, DecayPeriod, DecayFactor);
        var naiveScheduler = optim.lr_scheduler.StepLR(naive, DecayPeriod, DecayFactor);

        using var exactTracker = new TelescopingTracker(exactEngine, sets, options);
        using var boxTracker = new TelescopingTracker(new ForwardModeJvp(boxModel), sets, options);
        using var naiveTracker = new TelescopingTracker(naiveEngine, sets, options);
        var boxParameters = new TrainableParameters(boxModel).Tensors;
        var aloneParameters = new TrainableParameters(aloneModel).Tensors;

        double lastRate = double.NaN;
        for (int t = 1; t <= Steps; t++)
        {
            Backward(exactModel, batches, t);
            exactTracker.Step(exact).Dispose();

            Backward(boxModel, batches, t);
            lastRate = box.ParamGroups.First().LearningRate;
            boxTracker.Step(() => box.step());
            boxScheduler.step();

            Backward(aloneModel, batches, t);
            alone.step();
            aloneScheduler.step();
            Assert.True(BitwiseEqual(boxParameters, aloneParameters), $"step {t}: the tracker changed training");

            // The naive variant: Δθ measured the same way, but J taken at θ_t (no swap back to θ_{t−1}).
            Backward(naiveModel, batches, t);
            var before = naiveEngine.Parameters.CloneValues();
            naive.step();
            naiveScheduler.step();
            using (torch.no_grad())
            using (var update = new ParameterUpdate(t, 0, naiveEngine.Parameters.Tensors.Select((p, i) => p.sub(before[i])).ToArray(),
                       new Dictionary<string, IReadOnlyList<Tensor>>()))
                naiveTracker.Record(update);
            DisposeAll(before);
        }
        // The scheduler did act: the rate of the last step had halved twice.
        Assert.Equal(InitialRate(name) * DecayFactor * DecayFactor, lastRate, 15);

        var exactMetrics = exactTracker.Measure();
        var boxMetrics = boxTracker.Measure();
        naiveTracker.Measure();
        double worstTelescoped = 0, naiveMiss = 0, moved = 0;
        foreach (var set in sets.Select(s => s.Name))
        {
            using var fExact = exactTracker.Telescoped(set);
            using var fBox = boxTracker.Telescoped(set);
            using var fNaive = naiveTracker.Telescoped(set);
            using var f0 = boxTracker.Initial(set);
            worstTelescoped = Math.Max(worstTelescoped, MaxAbsDiff(fExact, fBox));
            naiveMiss = Math.Max(naiveMiss, MaxAbsDiff(fExact, fNaive));
            moved = Math.Max(moved, MaxAbsDiff(fBox, f0));
        }
        foreach (var (e, b) in exactMetrics.Zip(boxMetrics))
        {
            Assert.Equal(e.Set, b.Set);
            Assert.Equal(Steps, b.Step);
            Assert.True(Math.Abs(e.ErrAbsTelescoping - b.ErrAbsTelescoping) <= Tolerance, $"{b.Set}: err f̃ {e.ErrAbsTelescoping} vs {b.ErrAbsTelescoping}");
            Assert.True(Math.Abs(e.ErrAbsLinear!.Value - b.ErrAbsLinear!.Value) <= Tolerance, $"{b.Set}: err f_lin {e.ErrAbsLinear} vs {b.ErrAbsLinear}");
            Assert.True(Math.Abs(e.MeanFunctionChange - b.MeanFunctionChange) <= Tolerance);
            Assert.Equal(e.AccTelescoping, b.AccTelescoping);
            Assert.Equal(e.AccLinear, b.AccLinear);
        }

        // f_lin = f_θ0 + J_0·Σ Δθ: θ_0 is shared, so the displacement Σ Δθ is what decides it.
        double worstDisplacement = MaxDisplacementDiff(exactTracker, boxTracker, exactEngine.Parameters.Tensors.Count);

        output.WriteLine($"{name}, stride {stride}: max |f̃_exact − f̃_blackbox| = {worstTelescoped:E2}, max |ΣΔθ diff| = {worstDisplacement:E2} " +
            $"(tolerance {Tolerance:E0}); J at θ_t instead of θ_(t−1) misses by {naiveMiss:E2}; f̃ moved {moved:F3}");
        Assert.True(worstTelescoped <= Tolerance, $"f̃ differs from the exact path by {worstTelescoped:E3}");
        Assert.True(worstDisplacement <= Tolerance, $"Σ Δθ differs from the exact path by {worstDisplacement:E3}");
        Assert.True(moved > 0.05, $"f̃ moved only {moved:E3}: the comparison would mean nothing");
        Assert.True(naiveMiss > 1e3 * Tolerance, $"the Jacobian at θ_t is indistinguishable ({naiveMiss:E3}) from the one at θ_(t−1)");
    }

    private static double MaxDisplacementDiff(TelescopingTracker a, TelescopingTracker b, int parameterCount)
    {
        var stateA = new CheckpointState();
        var stateB = new CheckpointState();
        a.SaveState(stateA, "t/");
        b.SaveState(stateB, "t/");
        double worst = 0;
        for (int i = 0; i < parameterCount; i++)
        {
            using var da = stateA.GetTensor($"t/displacement/{i}");
            using var db = stateB.GetTensor($"t/displacement/{i}");
            worst = Math.Max(worst, MaxAbsDiff(da, db));
            using var ta = stateA.GetTensor($"t/theta0/{i}");
            using var tb = stateB.GetTensor($"t/theta0/{i}");
            Assert.True(Same(ta, tb), "θ_0 differs");
        }
        return worst;
    }

    /// <summary>
    /// A black-box tracker saved mid-run (stride 3, a window open) and loaded into a new tracker continues bit for
    /// bit like one that ran through. The model and optimizer carry on in both (their state is the user's to save).
    /// </summary>
    [Fact]
    public void CheckpointedBlackBoxTrackerContinuesBitForBit()
    {
        using var throughModel = NewMlp();
        using var resumedModel = NewMlp();
        var batches = Batches();
        var sets = Sets();
        var options = new TelescopingOptions { Stride = 3 };
        using var throughOptimizer = Builtin("adamw", throughModel.parameters());
        using var resumedOptimizer = Builtin("adamw", resumedModel.parameters());
        var throughScheduler = optim.lr_scheduler.StepLR(throughOptimizer, DecayPeriod, DecayFactor);
        var resumedScheduler = optim.lr_scheduler.StepLR(resumedOptimizer, DecayPeriod, DecayFactor);
        var resumedEngine = new ForwardModeJvp(resumedModel);
        using var through = new TelescopingTracker(new ForwardModeJvp(throughModel), sets, options);
        var resumed = new TelescopingTracker(resumedEngine, sets, options);
        try
        {
            for (int t = 1; t <= 20; t++)
            {
                Backward(throughModel, batches, t);
                through.Step(() => throughOptimizer.step());
                throughScheduler.step();

                Backward(resumedModel, batches, t);
                resumed.Step(() => resumedOptimizer.step());
                resumedScheduler.step();
                if (t == 7)   // window {7} open
                {
                    var state = new CheckpointState();
                    resumed.SaveState(state, "tracker/");
                    resumed.Dispose();
                    resumed = new TelescopingTracker(resumedEngine, sets, options);
                    resumed.LoadState(CheckpointState.FromBytes(state.ToBytes()), "tracker/");
                }
            }
            var a = through.Measure();
            var b = resumed.Measure();
            Assert.Equal(a, b);
            foreach (var set in sets.Select(s => s.Name))
            {
                using var fa = through.Telescoped(set);
                using var fb = resumed.Telescoped(set);
                Assert.True(Same(fa, fb), $"{set}: f̃ differs after resuming");
            }
            Assert.True(a[0].ErrAbsLinear > 0 && a[0].MeanFunctionChange > 0.01, "training must have moved f");
        }
        finally
        {
            resumed.Dispose();
        }
    }

    [Fact]
    public void ComponentTrackingIsRefusedBeforeTheStepRuns()
    {
        using var model = NewMlp();
        using var tracker = new TelescopingTracker(new ForwardModeJvp(model), Sets(), new TelescopingOptions { TrackComponents = true });
        bool ran = false;
        var ex = Assert.Throws<TelescopeException>(() => tracker.Step(() => ran = true));
        Assert.Contains("no named update components", ex.Message);
        Assert.False(ran);
        Assert.Equal(0, tracker.StepCount);
        Assert.Throws<ArgumentNullException>(() => tracker.Step((Action)null!));
    }

    /// <summary>A step the callback never takes records Δθ = 0: f̃ stays f_θ0 exactly.</summary>
    [Fact]
    public void AStepThatMovesNothingRecordsNothing()
    {
        using var model = NewMlp();
        using var tracker = new TelescopingTracker(new ForwardModeJvp(model), Sets());
        tracker.Step(() => { });
        Assert.Equal(1, tracker.StepCount);
        using var f = tracker.Telescoped("probe");
        using var f0 = tracker.Initial("probe");
        Assert.True(Same(f, f0));
    }
}
