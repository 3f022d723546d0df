using Telescope.Autodiff;
using Telescope.Checkpointing;
using Telescope.Models;
using Telescope.Optim;
using Telescope.Smoothing;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using static Telescope.Tests.Autodiff.AutodiffFixtures;

namespace Telescope.Tests.Smoothing;

/// <summary>
/// The cross-entropy member of p_net (soft targets Y ± σV): its loss against torch's cross-entropy on class indices and
/// against a hand-written softmax in float64 (1e-12), its logit gradient against the closed form softmax·Σy − y, a member
/// on the one-hot Y against an independent AdamW loop on <c>nn.functional.cross_entropy</c> (float64, 1e-10), and a
/// checkpoint round trip (bit for bit).
/// </summary>
public class CrossEntropyRetrainingRunTests
{
    private static Mlp Model() => new(new MlpOptions { InputSize = 3, HiddenWidths = [8], OutputSize = 4, DType = ScalarType.Float64 }, seed: 3);

    [Fact]
    public void LossIsTheCrossEntropyOfSoftTargets()
    {
        using var scope = NewDisposeScope();
        var logits = Randn([6, 4], seed: 1, scale: 3);
        var classes = torch.tensor(new long[] { 0, 3, 1, 2, 2, 0 });
        var oneHot = nn.functional.one_hot(classes, 4).to_type(ScalarType.Float64);
        double torchLoss = nn.functional.cross_entropy(logits, classes).item<double>();
        Assert.True(Math.Abs(CrossEntropyRetrainingRun.CrossEntropyLoss(logits, oneHot).item<double>() - torchLoss) < 1e-12);

        // Soft targets that do not sum to one: −mean_i Σ_j y_ij (f_ij − log Σ_l exp f_il), written out.
        var soft = oneHot.add(Randn([6, 4], seed: 2, scale: 0.1), TorchScalars.One);
        double[] f = logits.data<double>().ToArray(), y = soft.data<double>().ToArray();
        double expected = 0;
        for (int i = 0; i < 6; i++)
        {
            double lse = Math.Log(Enumerable.Range(0, 4).Sum(j => Math.Exp(f[4 * i + j])));
            for (int j = 0; j < 4; j++) expected -= y[4 * i + j] * (f[4 * i + j] - lse);
        }
        Assert.True(Math.Abs(CrossEntropyRetrainingRun.CrossEntropyLoss(logits, soft).item<double>() - expected / 6) < 1e-12);

        // ∂L/∂f = (softmax(f)·Σ_j y_j − y)/N.
        var leaf = logits.detach().requires_grad_(true);
        CrossEntropyRetrainingRun.CrossEntropyLoss(leaf, soft).backward();
        using var six = 6.0.ToScalar();
        var closed = nn.functional.softmax(logits, 1).mul(soft.sum(1, keepdim: true)).sub(soft).div(six);
        Assert.True(MaxAbs(leaf.grad!, closed) < 1e-12);
    }

    [Fact]
    public void AMemberOnTheOneHotLabelsIsTheUsualCrossEntropyRun()
    {
        using var scope = NewDisposeScope();
        var x = Randn([10, 3], seed: 4);
        var classes = torch.tensor(new long[] { 0, 1, 2, 3, 0, 1, 2, 3, 0, 1 });
        var oneHot = nn.functional.one_hot(classes, 4).to_type(ScalarType.Float64);
        using var member = new CrossEntropyRetrainingRun(Model(), m => ExactOptimizers.AdamW(new TrainableParameters(m), 1e-2, beta2: 0.98, weightDecay: 1),
            x, oneHot, batch: null, new Dictionary<string, Tensor> { ["train"] = x }, probabilities: true);
        // The independent loop: torch's cross-entropy on class indices, the exact AdamW over a separately built model.
        var reference = Model();
        using var adamw = ExactOptimizers.AdamW(new TrainableParameters(reference), 1e-2, beta2: 0.98, weightDecay: 1);
        for (int t = 1; t <= 20; t++)
        {
            member.Step(t);
            adamw.ZeroGrad();
            nn.functional.cross_entropy(reference.forward(x), classes).backward();
            adamw.Step().Dispose();
        }
        using var noGrad = torch.no_grad();
        Assert.True(MaxAbs(member.Predict("train"), nn.functional.softmax(reference.forward(x), 1)) < 1e-10);
    }

    [Fact]
    public void ACheckpointContinuesTheMemberBitForBit()
    {
        using var scope = NewDisposeScope();
        var x = Randn([10, 3], seed: 5);
        var targets = Randn([10, 4], seed: 6, scale: 0.5);
        CrossEntropyRetrainingRun Create() => new(Model(), m => ExactOptimizers.AdamW(new TrainableParameters(m), 1e-2),
            x, targets, batch: null, new Dictionary<string, Tensor> { ["train"] = x });
        using var straight = Create();
        using var first = Create();
        for (int t = 1; t <= 5; t++) { straight.Step(t); first.Step(t); }
        var state = new CheckpointState();
        first.SaveState(state, "m/");
        using var resumed = Create();
        resumed.LoadState(CheckpointState.FromBytes(state.ToBytes()), "m/");
        for (int t = 6; t <= 10; t++) { straight.Step(t); resumed.Step(t); }
        Assert.Equal(0.0, MaxAbs(straight.Predict("train"), resumed.Predict("train")));
    }
}
