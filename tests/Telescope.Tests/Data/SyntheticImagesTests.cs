using Telescope.Data;
using Telescope.Models;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Telescope.Tests.Data;

public class SyntheticImagesTests(ITestOutputHelper output)
{
    [Fact]
    public void ShapeRangeBalanceAndDeterminism()
    {
        var a = SyntheticImages.Load(DataSplit.Train, 200);
        Assert.Equal(new ImageShape(1, 28, 28), a.Shape);
        Assert.Equal(200, a.Count);
        Assert.Equal(Enumerable.Repeat(20, 10), a.ClassCounts());
        Assert.Equal(Enumerable.Range(0, 10), a.Labels[..10]);
        Assert.All(a.Pixels, v => Assert.InRange(v, 0f, 1f));
        Assert.Equal(a.Pixels, SyntheticImages.Load(DataSplit.Train, 200).Pixels);
        Assert.NotEqual(a.Pixels, SyntheticImages.Load(DataSplit.Test, 200).Pixels);
        Assert.NotEqual(a.Pixels, SyntheticImages.Load(DataSplit.Train, 200, seed: 2).Pixels);
        // a prefix of a longer stream is the shorter stream
        Assert.Equal(a.Pixels, SyntheticImages.Load(DataSplit.Train, 300).Take(200).Pixels);
    }

    [Fact]
    public void PixelsAreFixedAcrossMachines()
    {
        // Expected values come from an independent Python transcription of the documented generator
        // (SplitMix64, Lemire bounded integers, IEEE double arithmetic, float32 rounding): bit-exact agreement.
        var two = SyntheticImages.Generate(2, seed: 5);
        Assert.Equal(0f, two.Pixels[0]);
        Assert.Equal(0.6461756229400635f, two.Pixels[14 * 28 + 14]);
        Assert.Equal(0.5891491770744324f, two.Pixels[784 + 400]);
        var hundred = SyntheticImages.Generate(100, seed: 5);
        var digest = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(hundred.Pixels.AsSpan())));
        Assert.Equal("3b6f1a2f34642e54fc2b70d8dc3a9654d28c54f3d83fe5ff543c26fcae1f9e5c", digest);
    }

    [Fact]
    public void ASmallMlpLearnsItClearlyAboveChanceButNotPerfectly()
    {
        var train = SyntheticImages.Load(DataSplit.Train, 2000);
        var test = SyntheticImages.Load(DataSplit.Test, 1000);
        var device = torch.CPU;
        using var x = train.ToTensor(ScalarType.Float32, device);
        using var y = train.LabelsTensor(device);
        using var xTest = test.ToTensor(ScalarType.Float32, device);
        using var yTest = test.LabelsTensor(device);
        using var model = new Mlp(new MlpOptions { InputSize = 784, HiddenWidths = [64], OutputSize = 10 }, seed: 0);
        using var optimizer = torch.optim.Adam(model.parameters(), lr: 1e-3);
        var order = new SplitMix64(1);
        for (int step = 0; step < 200; step++)
        {
            using var scope = torch.NewDisposeScope();
            var batch = Enumerable.Range(0, 100).Select(_ => (long)order.NextInt(train.Count)).ToArray();
            using var index = torch.tensor(batch);
            var loss = nn.functional.cross_entropy(model.forward(x.index_select(0, index)), y.index_select(0, index));
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
        }
        double Accuracy(Tensor inputs, Tensor labels)
        {
            using var _ = torch.no_grad();
            using var predicted = model.forward(inputs).argmax(1);
            using var correct = predicted.eq(labels).to(ScalarType.Float64).mean();
            return correct.item<double>();
        }
        double trainAcc = Accuracy(x, y), testAcc = Accuracy(xTest, yTest);
        output.WriteLine($"train accuracy {trainAcc:F3}, test accuracy {testAcc:F3}");
        // Measured: train 0.898, test 0.746 (chance 0.1). Learnable, yet far from perfect after 200 steps.
        Assert.InRange(testAcc, 0.4, 0.95);
        Assert.True(trainAcc > testAcc, "The net should fit its training set better than the test set.");
    }
}
