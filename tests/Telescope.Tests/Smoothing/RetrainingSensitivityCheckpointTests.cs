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
/// <see cref="RetrainingSensitivity.SaveState"/> / <see cref="RetrainingSensitivity.LoadState"/>: members saved at a
/// step boundary (through a checkpoint's bytes) and loaded into freshly built members continue bit for bit, so a
/// resumed run's p_net equals the uninterrupted run's exactly; a member that cannot be checkpointed is named.
/// </summary>
public sealed class RetrainingSensitivityCheckpointTests
{
    private const int N = 16, Inputs = 3, K = 2, Steps = 40, BatchSize = 4, SaveAt = 15;

    [Fact]
    public void MembersSavedMidRunContinueExactlyAsTheUninterruptedOnes()
    {
        using var scope = NewDisposeScope();
        using var gen = new Generator(7);
        var x = torch.randn([N, Inputs], dtype: ScalarType.Float64, generator: gen);
        var y = torch.randn([N, K], dtype: ScalarType.Float64, generator: gen);
        var xTest = torch.randn([5, Inputs], dtype: ScalarType.Float64, generator: gen);
        var batches = Enumerable.Range(0, Steps).Select(_ => torch.randperm(N, generator: gen)[..BatchSize].DetachFromDisposeScope()).ToArray();
        var options = new RetrainingSensitivityOptions { Sigma = 0.1, DirectionCount = 2, Seed = 4 };
        RetrainingRunFactory factory = labels => new SquaredLossRetrainingRun(new Mlp(new MlpOptions
            {
                InputSize = Inputs, HiddenWidths = [6], OutputSize = K, Activation = Activation.ReLU, DType = ScalarType.Float64,
            }, seed: 3),
            m => ExactOptimizers.AdamW(new TrainableParameters(m), 1e-2, weightDecay: 0.01), x, labels, 1.0, t => batches[t - 1],
            new Dictionary<string, Tensor> { ["train"] = x, ["test"] = xTest });
        string[] sets = ["train", "test"];

        using var whole = new RetrainingSensitivity(y, options, factory, sets);
        for (int t = 1; t <= Steps; t++) whole.Step(t);
        var expected = whole.Record(Steps);

        byte[] saved;
        using (var first = new RetrainingSensitivity(y, options, factory, sets))
        {
            for (int t = 1; t <= SaveAt; t++) first.Step(t);
            var state = new CheckpointState();
            first.SaveState(state, "members/");
            saved = state.ToBytes();
        }
        using var resumed = new RetrainingSensitivity(y, options, factory, sets);
        resumed.LoadState(CheckpointState.FromBytes(saved), "members/");
        Assert.Throws<InvalidOperationException>(() => resumed.Step(SaveAt));   // it is at step 15: the next is 16
        for (int t = SaveAt + 1; t <= Steps; t++) resumed.Step(t);
        var actual = resumed.Record(Steps);

        Assert.Equal(expected.Count, actual.Count);
        foreach (var (a, b) in expected.Zip(actual))
        {
            Assert.Equal(a.Set, b.Set);
            Assert.Equal(a.PerDirection, b.PerDirection);          // to the last bit
            Assert.Equal(a.LinearityValue, b.LinearityValue);
            Assert.Equal(a.FloorDifference, b.FloorDifference);
        }
        Assert.True(expected.Single(e => e.Set == "test").Value > 0);
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
