using Telescope.Autodiff;
using Telescope.Checkpointing;
using Telescope.Models;
using Telescope.Optim;
using Telescope.Smoothing;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Telescope.Tests.Smoothing;

/// <summary>
/// <see cref="RetrainingSensitivity.SaveState"/>/<see cref="RetrainingSensitivity.LoadState"/>: members saved after t
/// steps (through the checkpoint file's bytes, as a resumed process reads them) and restored into a freshly built
/// estimate continue bit for bit — the estimates at the end equal an uninterrupted run's exactly (tolerance 0) — and a
/// checkpoint of other members is refused.
/// </summary>
public sealed class RetrainingSensitivityCheckpointTests
{
    private const int N = 24, Inputs = 3, Outputs = 2, Batch = 6, Steps = 20, SaveAt = 9;

    private static RetrainingSensitivity Build(Tensor x, Tensor y, Tensor xTest, bool linearity) =>
        new(y, new RetrainingSensitivityOptions { Sigma = 0.2, DirectionCount = 2, Seed = 3, LinearityCheck = linearity },
            labels => new SquaredLossRetrainingRun(
                new Mlp(new MlpOptions { InputSize = Inputs, HiddenWidths = [8], OutputSize = Outputs, Activation = Activation.Tanh, DType = ScalarType.Float64 }, 11),
                m => ExactOptimizers.AdamW(new TrainableParameters(m), 0.01, weightDecay: 0.01),
                x, labels, 1.0, t =>
                {
                    using var start = ((t * Batch) % N).ToScalar();
                    using var stop = ((t * Batch) % N + Batch).ToScalar();
                    return torch.arange(start, stop, dtype: ScalarType.Int64);
                },
                new Dictionary<string, Tensor> { ["train"] = x, ["test"] = xTest }),
            ["train", "test"]);

    [Fact]
    public void MembersRestoredFromACheckpointContinueBitForBit()
    {
        using var scope = NewDisposeScope();
        using var gen = new Generator(5);
        var x = torch.randn([N, Inputs], dtype: ScalarType.Float64, generator: gen);
        var y = torch.randn([N, Outputs], dtype: ScalarType.Float64, generator: gen);
        var xTest = torch.randn([7, Inputs], dtype: ScalarType.Float64, generator: gen);

        using var whole = Build(x, y, xTest, linearity: true);
        for (int t = 1; t <= Steps; t++) whole.Step(t);
        var expected = whole.Record(Steps);

        CheckpointState saved;
        using (var first = Build(x, y, xTest, linearity: true))
        {
            for (int t = 1; t <= SaveAt; t++) first.Step(t);
            var state = new CheckpointState();
            first.SaveState(state, "members/");
            saved = CheckpointState.FromBytes(state.ToBytes());
        }
        using var resumed = Build(x, y, xTest, linearity: true);
        resumed.LoadState(saved, "members/");
        Assert.Throws<InvalidOperationException>(() => resumed.Step(SaveAt));   // it knows it is at step SaveAt
        for (int t = SaveAt + 1; t <= Steps; t++) resumed.Step(t);
        var actual = resumed.Record(Steps);

        foreach (var (e, a) in expected.Zip(actual))
        {
            Assert.Equal(e.Set, a.Set);
            Assert.Equal(e.PerDirection, a.PerDirection);                 // exact: same bits
            Assert.Equal(e.LinearityValue, a.LinearityValue);
            Assert.Equal(e.MeanDifference, a.MeanDifference);
        }

        using var other = Build(x, y, xTest, linearity: false);          // no σ/4 pair: other members
        Assert.Throws<CheckpointMismatchException>(() => other.LoadState(saved, "members/"));
    }

    [Fact]
    public void AMemberThatCannotBeCheckpointedIsNamed()
    {
        using var scope = NewDisposeScope();
        var y = torch.zeros([4, 1], dtype: ScalarType.Float64);
        using var sensitivity = new RetrainingSensitivity(y, new RetrainingSensitivityOptions { Sigma = 0.1, DirectionCount = 2, Seed = 1 },
            _ => new Opaque(), ["train"]);
        var error = Assert.Throws<NotSupportedException>(() => sensitivity.SaveState(new CheckpointState(), "m/"));
        Assert.Contains(nameof(Opaque), error.Message);
    }

    private sealed class Opaque : IRetrainingRun
    {
        public void Step(int step) { }
        public Tensor Predict(string set) => torch.zeros([4, 1], dtype: ScalarType.Float64);
        public void Dispose() { }
    }
}
