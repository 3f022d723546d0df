using Telescope.Autodiff;
using Telescope.Checkpointing;
using Telescope.Connectivity;
using Telescope.Models;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Telescope.Tests.Connectivity;

/// <summary>
/// Exact snapshots: a child spawned at t′ with the parent's own seeds reproduces the parent's continuation bit for
/// bit (float32, the test process's fixed thread count); with other seeds it does not; a run saved to a checkpoint
/// file and loaded into a freshly built run continues bit for bit.
/// </summary>
public class SpawnTests
{
    private static ResNet Net() => new(new ResNetOptions { Width = 2 }, seed: 1);

    private static ImageClassifierData Data()
    {
        using var g = new Generator(5, device: torch.CPU);
        return new ImageClassifierData(torch.randn([48, 3, 32, 32], generator: g), torch.randint(0, 10, [48], generator: g));
    }

    private static readonly ClassifierTrainingOptions Options = new() { Steps = 9, BatchSize = 16, WarmupSteps = 3, LearningRate = 0.05 };

    private static bool SameState(ResNet a, ResNet b) =>
        a.parameters().Zip(b.parameters()).All(p => TensorAssert.Same(p.First, p.Second)) &&
        a.buffers().Zip(b.buffers()).All(p => TensorAssert.Same(p.First, p.Second));

    [Fact]
    public void ChildWithTheParentsSeedsReproducesTheParentBitForBit()
    {
        using var scope = torch.NewDisposeScope();
        using var data = Data();
        var parentNet = Net();
        using var parent = ClassifierRun.Start(parentNet, data, Options, new SpawnSeeds(11, 12));
        for (int t = 0; t < 4; t++) parent.TrainStep();
        var snapshot = parent.Snapshot();
        var parentLosses = new List<double>();
        while (parent.Step < Options.Steps) parentLosses.Add(parent.TrainStep());

        var childNet = new ResNet(new ResNetOptions { Width = 2 }, seed: 99);   // other initial weights: all must be overwritten
        using var child = ClassifierRun.Spawn(childNet, data, Options, snapshot, seeds: null);
        Assert.Equal(4, child.Step);
        var childLosses = new List<double>();
        while (child.Step < Options.Steps) childLosses.Add(child.TrainStep());

        Assert.Equal(parentLosses, childLosses);
        Assert.True(SameState(parentNet, childNet), "parameters or BatchNorm buffers differ after the continuation");

        var otherNet = Net();
        using var other = ClassifierRun.Spawn(otherNet, data, Options, snapshot, new SpawnSeeds(21, 22));
        while (other.Step < Options.Steps) other.TrainStep();
        Assert.False(SameState(parentNet, otherNet), "a child with other seeds ended where the parent did");
    }

    [Fact]
    public void ARunSavedToACheckpointFileAndLoadedIntoANewRunContinuesBitForBit()
    {
        using var scope = torch.NewDisposeScope();
        using var data = Data();
        var net = Net();
        using var run = ClassifierRun.Start(net, data, Options, new SpawnSeeds(11, 12));
        for (int t = 0; t < 5; t++) run.TrainStep();
        var state = new CheckpointState();
        run.SaveState(state, "parent/");
        string file = Path.Combine(Path.GetTempPath(), $"telescope-spawn-{Guid.NewGuid():N}.bin");
        try { CheckpointFile.Write(file, state); state = CheckpointFile.Read(file); }
        finally { File.Delete(file); }
        var expected = new List<double>();
        while (run.Step < Options.Steps) expected.Add(run.TrainStep());

        // A new process would build the run from scratch (other weights here) with the same seeds, then load.
        var resumedNet = new ResNet(new ResNetOptions { Width = 2 }, seed: 77);
        using var resumed = ClassifierRun.Start(resumedNet, data, Options, new SpawnSeeds(11, 12));
        resumed.LoadState(state, "parent/");
        Assert.Equal(5, resumed.Step);
        var actual = new List<double>();
        while (resumed.Step < Options.Steps) actual.Add(resumed.TrainStep());
        Assert.Equal(expected, actual);
        Assert.True(SameState(net, resumedNet), "parameters or BatchNorm buffers differ after the resumed continuation");

        // Another data-order seed is another run: refused, never silently mixed.
        using var other = ClassifierRun.Start(Net(), data, Options, new SpawnSeeds(13, 12));
        Assert.Throws<CheckpointMismatchException>(() => other.LoadState(state, "parent/"));
    }

    [Fact]
    public void OnlyTheAugmentationSeedChangedStillGivesAnotherRun()
    {
        using var scope = torch.NewDisposeScope();
        using var data = Data();
        var a = Net();
        using var runA = ClassifierRun.Start(a, data, Options, new SpawnSeeds(1, 2));
        var b = Net();
        using var runB = ClassifierRun.Start(b, data, Options, new SpawnSeeds(1, 3));
        runA.TrainStep();
        runB.TrainStep();
        Assert.False(SameState(a, b));
    }

    [Fact]
    public void SpawningAtOrAfterTheEndIsRefused()
    {
        using var scope = torch.NewDisposeScope();
        using var data = Data();
        var net = Net();
        var once = Options with { Steps = 1, WarmupSteps = 1 };
        using var run = ClassifierRun.Start(net, data, once, new SpawnSeeds(1, 2));
        run.TrainStep();
        var snapshot = run.Snapshot();
        Assert.Throws<TelescopeException>(() => ClassifierRun.Spawn(Net(), data, once, snapshot, null));
    }
}
