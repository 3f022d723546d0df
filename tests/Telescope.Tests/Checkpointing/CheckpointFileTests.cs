using Telescope.Autodiff;
using Telescope.Checkpointing;
using Telescope.Models;
using Telescope.Optim;
using Telescope.Smoothing;
using Telescope.Telescoping;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Telescope.Tests.Checkpointing;

/// <summary>
/// Checkpoint files and engine state: bit-exact round trips (tolerance: none — torch.equal / identical bits),
/// refusal of corrupt and truncated files with a message naming the file, and optimizers, trackers and smoothers
/// that continue after a save/load in fresh objects exactly as the uninterrupted objects do.
/// </summary>
public sealed class CheckpointFileTests() : TempFolderTest("telescope-ckpt-")
{
    [Fact]
    public void EveryKindOfEntryRoundTripsBitForBit()
    {
        var state = new CheckpointState();
        // Values whose decimal renderings are lossy or ambiguous: NaN with a payload, −0, a subnormal, ±∞.
        double nanPayload = BitConverter.Int64BitsToDouble(0x7FF8_0000_DEAD_BEEFL);
        var doubles = torch.tensor(new[] { 0.1, -0.0, double.Epsilon, double.PositiveInfinity, nanPayload }, dtype: ScalarType.Float64);
        var floats = torch.tensor(new[] { 1f / 3, -0f, float.Epsilon, float.NegativeInfinity }, [2, 2], dtype: ScalarType.Float32);
        state.Set("d", doubles);
        state.Set("f", floats);
        state.Set("i", torch.tensor(new long[] { long.MinValue, 7 }));
        state.Set("x", nanPayload);
        state.Set("n", 42L);
        state.Set("s", "naïve\nline");
        state.Set("b", new byte[] { 0, 255, 3 });
        string path = Path.Combine(_root, "c.bin");
        CheckpointFile.Write(path, state);

        var back = CheckpointFile.Read(path);
        Assert.Equal(["d", "f", "i", "x", "n", "s", "b"], back.Keys);
        using var d = back.GetTensor("d");
        Assert.Equal(doubles.data<double>().ToArray().Select(BitConverter.DoubleToInt64Bits), d.data<double>().ToArray().Select(BitConverter.DoubleToInt64Bits));
        var f = torch.zeros(2, 2, dtype: ScalarType.Float32);
        back.CopyTo("f", f);
        Assert.Equal(floats.data<float>().ToArray().Select(BitConverter.SingleToInt32Bits), f.data<float>().ToArray().Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(BitConverter.DoubleToInt64Bits(nanPayload), BitConverter.DoubleToInt64Bits(back.GetDouble("x")));
        Assert.Equal(42L, back.GetLong("n"));
        Assert.Equal("naïve\nline", back.GetString("s"));
        Assert.Equal([0, 255, 3], back.GetBytes("b"));
        Assert.Throws<CheckpointMismatchException>(() => back.CopyTo("f", torch.zeros(4, dtype: ScalarType.Float32)));
        Assert.Throws<CheckpointMismatchException>(() => back.GetLong("missing"));
        Assert.Empty(Directory.GetFiles(_root, "*.tmp-*"));   // the temporary file was renamed, not left behind
    }

    [Fact]
    public void ACorruptOrTruncatedCheckpointIsRefusedWithItsName()
    {
        var state = new CheckpointState();
        using var count = 100.ToScalar();
        state.Set("w", torch.arange(count, dtype: ScalarType.Float64));
        string path = Path.Combine(_root, "checkpoint.bin");
        CheckpointFile.Write(path, state);
        byte[] good = File.ReadAllBytes(path);

        var flipped = (byte[])good.Clone();
        flipped[^10] ^= 0x01;   // one bit of one tensor element
        File.WriteAllBytes(path, flipped);
        var corrupt = Assert.Throws<TelescopeException>(() => CheckpointFile.Read(path));
        Assert.Contains(path, corrupt.Message);
        Assert.Contains("SHA-256", corrupt.Message);

        File.WriteAllBytes(path, good[..(good.Length / 2)]);
        var truncated = Assert.Throws<TelescopeException>(() => CheckpointFile.Read(path));
        Assert.Contains(path, truncated.Message);
        Assert.Contains("truncated", truncated.Message);

        File.WriteAllBytes(path, good[..20]);
        Assert.Contains("truncated", Assert.Throws<TelescopeException>(() => CheckpointFile.Read(path)).Message);
        File.WriteAllBytes(path, good);
        Assert.Equal(100, CheckpointFile.Read(path).GetTensor("w").shape[0]);
    }

    [Fact]
    public void AnInterruptedWriteLeavesThePreviousCheckpointIntact()
    {
        string path = Path.Combine(_root, "checkpoint.bin");
        var first = new CheckpointState();
        first.Set("step", 1L);
        CheckpointFile.Write(path, first);
        // What a kill in the middle of the next write leaves: a half-written temporary sibling.
        File.WriteAllBytes(path + ".tmp-0badf00d", File.ReadAllBytes(path)[..30]);
        Assert.Equal(1L, CheckpointFile.Read(path).GetLong("step"));
        var second = new CheckpointState();
        second.Set("step", 2L);
        CheckpointFile.Write(path, second);
        Assert.Equal(2L, CheckpointFile.Read(path).GetLong("step"));
        CheckpointFile.DeleteLeftovers(path);
        Assert.Equal([path], Directory.GetFiles(_root));
    }

    public static TheoryData<string> Optimizers => new() { "sgd", "sgd_momentum_wd", "adam", "adamw_clipped" };

    /// <summary>
    /// k steps, save, then m more steps in freshly built objects loaded from the file, against k + m steps of the
    /// same objects: parameters, optimizer moments, f̃, f_lin's displacement, the components and the stride window
    /// must be identical (torch.equal), which an optimizer that lost its momentum or step count would fail.
    /// </summary>
    [Theory]
    [MemberData(nameof(Optimizers))]
    public void TrainingContinuesIdenticallyAfterSaveAndLoadIntoFreshObjects(string optimizer)
    {
        var x = torch.randn([32, 5], generator: new Generator(3), dtype: ScalarType.Float64);
        var y = torch.randn([32, 2], generator: new Generator(4), dtype: ScalarType.Float64);
        var reference = new Setup(optimizer, x);
        for (int t = 1; t <= 7; t++) reference.Step(x, y, t);
        var state = new CheckpointState();
        reference.Save(state);
        string path = Path.Combine(_root, $"{optimizer}.bin");
        CheckpointFile.Write(path, state);
        for (int t = 8; t <= 12; t++) reference.Step(x, y, t);

        var resumed = new Setup(optimizer, x);
        resumed.Load(CheckpointFile.Read(path));
        for (int t = 8; t <= 12; t++) resumed.Step(x, y, t);

        foreach (var (a, b) in reference.Network.parameters().Zip(resumed.Network.parameters())) Assert.True(a.eq(b).all().item<bool>());
        Assert.True(reference.Tracker.Telescoped("x").eq(resumed.Tracker.Telescoped("x")).all().item<bool>());
        Assert.Equal(reference.Tracker.Measure()[0], resumed.Tracker.Measure()[0]);
        Assert.Equal(reference.Tracker.Components, resumed.Tracker.Components);
        foreach (string c in reference.Tracker.Components)
            Assert.True(reference.Tracker.ComponentContribution("x", c).eq(resumed.Tracker.ComponentContribution("x", c)).all().item<bool>());
        Assert.Equal(reference.Optimizer.StepCount, resumed.Optimizer.StepCount);
        Assert.True(reference.Smoother.Weights(SmootherSets.Training).eq(resumed.Smoother.Weights(SmootherSets.Training)).all().item<bool>());
        Assert.True(reference.Smoother.Offsets("x").eq(resumed.Smoother.Offsets("x")).all().item<bool>());
    }

    /// <summary>
    /// The label-tangent smoother (docs/method.md §4.3) split by a checkpoint: Adam with the differentiated preconditioner
    /// (whose second-moment tangents are allocated lazily) and SGD with momentum (moment tangents), Hutchinson
    /// directions; f̂, S and ||S||² after 4 + 4 steps through a file equal those of 8 uninterrupted steps exactly.
    /// </summary>
    [Theory]
    [InlineData("adam_differentiated")]
    [InlineData("sgd_momentum")]
    public void LabelTangentSmootherContinuesIdenticallyAfterSaveAndLoad(string rule)
    {
        var x = torch.randn([12, 3], generator: new Generator(5), dtype: ScalarType.Float64);
        var y = torch.randn([12, 2], generator: new Generator(6), dtype: ScalarType.Float64);
        (Mlp, ExactOptimizer, LabelTangentSmoother) Build()
        {
            var model = new Mlp(new MlpOptions { InputSize = 3, HiddenWidths = [4], OutputSize = 2, DType = ScalarType.Float64 }, seed: 7);
            var parameters = new TrainableParameters(model);
            ExactOptimizer optimizer = rule == "sgd_momentum"
                ? ExactOptimizers.Sgd(parameters, 0.05, momentum: 0.9)
                : ExactOptimizers.Adam(parameters, 0.01);
            using var noGrad = torch.no_grad();
            var smoother = new LabelTangentSmoother(parameters, x, new LabelTangentOptions
            {
                OutputCount = 2, Directions = LabelDirections.Hutchinson, DirectionCount = 4, Seed = 3, SurrogateLabels = y,
                Preconditioner = rule == "sgd_momentum" ? TangentPreconditioner.Frozen : TangentPreconditioner.Differentiated,
            }, model.forward(x));
            smoother.Track("x", x[..5], model.forward(x[..5]));
            return (model, optimizer, smoother);
        }
        void Step((Mlp Model, ExactOptimizer Optimizer, LabelTangentSmoother Smoother) s, int t)
        {
            using var scope = torch.NewDisposeScope();
            var batch = torch.tensor(Enumerable.Range(0, 4).Select(i => (long)((t * 7 + i * 5) % 12)).ToArray());
            s.Optimizer.ZeroGrad();
            using var half = 0.5.ToScalar();
            (s.Model.forward(x.index_select(0, batch)) - y.index_select(0, batch)).pow(TorchScalars.Two).sum(1).mean().mul(half).backward();
            using var update = s.Optimizer.ComputeUpdate();
            s.Smoother.Step(new ForwardModeJvp(s.Model), new ParameterVjp(s.Model), batch, s.Optimizer, update);
            s.Optimizer.Apply(update);
        }

        var reference = Build();
        for (int t = 1; t <= 4; t++) Step(reference, t);
        var state = new CheckpointState();
        ModuleState.Save(reference.Item1, state, "model/");
        reference.Item2.SaveState(state, "optimizer/");
        reference.Item3.SaveState(state, "tangents/");
        string path = Path.Combine(_root, "tangents.bin");
        CheckpointFile.Write(path, state);
        for (int t = 5; t <= 8; t++) Step(reference, t);

        var resumed = Build();
        var loaded = CheckpointFile.Read(path);
        ModuleState.Load(resumed.Item1, loaded, "model/");
        resumed.Item2.LoadState(loaded, "optimizer/");
        resumed.Item3.LoadState(loaded, "tangents/");
        for (int t = 5; t <= 8; t++) Step(resumed, t);

        foreach (string set in new[] { SmootherSets.Training, "x" })
        {
            Assert.True(reference.Item3.Predict(set).eq(resumed.Item3.Predict(set)).all().item<bool>());
            Assert.True(reference.Item3.SquaredNorms(set).eq(resumed.Item3.SquaredNorms(set)).all().item<bool>());
        }
        Assert.Equal(8, resumed.Item3.StepCount);
    }

    private sealed class Setup
    {
        public Mlp Network { get; }
        public ExactOptimizer Optimizer { get; }
        public TelescopingTracker Tracker { get; }
        public KernelSmoother Smoother { get; }
        private readonly MlpTangentKernel _kernel;

        public Setup(string optimizer, Tensor x)
        {
            Network = new Mlp(new MlpOptions { InputSize = 5, HiddenWidths = [6], OutputSize = 2, DType = ScalarType.Float64 }, seed: 11);
            var jvp = new ForwardModeJvp(Network);
            Optimizer = optimizer switch
            {
                "sgd" => ExactOptimizers.Sgd(jvp.Parameters, 0.05),
                "sgd_momentum_wd" => ExactOptimizers.Sgd(jvp.Parameters, 0.05, momentum: 0.9, weightDecay: 0.01),
                "adam" => ExactOptimizers.Adam(jvp.Parameters, 0.01, weightDecay: 0.001),
                _ => ExactOptimizers.AdamW(jvp.Parameters, 0.01, maxGradNorm: 0.5),
            };
            // Stride 3 leaves a window open at step 7, so the window state is part of what must survive.
            Tracker = new TelescopingTracker(jvp, [new TrackedSet("x", x)], new TelescopingOptions { Stride = 3, TrackComponents = true });
            _kernel = new MlpTangentKernel(Network);
            using var noGrad = torch.no_grad();
            Smoother = new KernelSmoother(x, Network.forward(x));
            Smoother.Track("x", x, Network.forward(x));
        }

        public void Step(Tensor x, Tensor y, int t)
        {
            using var scope = torch.NewDisposeScope();
            var batch = torch.tensor(Enumerable.Range(0, 8).Select(i => (long)((t * 5 + i * 3) % 32)).ToArray());
            Smoother.Step(_kernel, batch, 0.05);
            Optimizer.ZeroGrad();
            var loss = (Network.forward(x.index_select(0, batch)) - y.index_select(0, batch)).pow(TorchScalars.Two).mean();
            loss.backward();
            Tracker.Step(Optimizer).Dispose();
        }

        public void Save(CheckpointState state)
        {
            ModuleState.Save(Network, state, "model/");
            Optimizer.SaveState(state, "optimizer/");
            Tracker.SaveState(state, "tracker/");
            Smoother.SaveState(state, "smoother/");
        }

        public void Load(CheckpointState state)
        {
            ModuleState.Load(Network, state, "model/");
            Optimizer.LoadState(state, "optimizer/");
            Tracker.LoadState(state, "tracker/");
            Smoother.LoadState(state, "smoother/");
        }
    }
}
