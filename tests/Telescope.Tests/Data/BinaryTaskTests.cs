using Telescope.Data;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Telescope.Tests.Data;

public class BinaryTaskTests
{
    private static ImageDataset Digits()
    {
        int[] labels = [3, 5, 1, 3, 5, 5, 0, 3];
        var pixels = labels.Select((l, i) => (float)i).ToArray();
        return new ImageDataset("d", new ImageShape(1, 1, 1), pixels, labels, 10);
    }

    [Fact]
    public void KeepsTheTwoClassesInOrderWithPlusMinusOneTargets()
    {
        var task = BinaryTask.Create(Digits(), positiveClass: 3, negativeClass: 5);
        Assert.Equal(6, task.Count);
        Assert.Equal([0f, 1, 3, 4, 5, 7], task.Data.Pixels); // original positions
        Assert.Equal([1.0, -1, 1, -1, -1, 1], task.Targets);
        Assert.Equal(task.Targets, task.CleanTargets);
        Assert.Empty(task.FlippedIndices);
        using var t = task.TargetsTensor(ScalarType.Float64, torch.CPU);
        Assert.Equal([6L, 1], t.shape);
        Assert.Equal(task.Targets, t.data<double>().ToArray());
    }

    [Fact]
    public void LabelNoiseFlipsExactlyTheReportedTargets()
    {
        var task = BinaryTask.Create(Digits(), 3, 5).WithLabelNoise(0.5, seed: 3);
        Assert.Equal(3, task.FlippedIndices.Length);
        for (int i = 0; i < task.Count; i++)
            Assert.Equal(task.FlippedIndices.Contains(i) ? -task.CleanTargets[i] : task.CleanTargets[i], task.Targets[i]);
        Assert.Equal(0.5, task.NoiseFraction);
        Assert.Throws<ArgumentException>(() => BinaryTask.Create(Digits(), 3, 3));
    }
}
