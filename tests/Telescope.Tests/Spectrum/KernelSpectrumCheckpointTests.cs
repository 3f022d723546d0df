using Telescope.Checkpointing;
using Telescope.Models;
using Telescope.Spectrum;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using static Telescope.Tests.Autodiff.AutodiffFixtures;

namespace Telescope.Tests.Spectrum;

/// <summary>
/// The spectrum tracker's checkpoint: a tracker restored into a fresh one built the same way continues with the same
/// logs as the tracker that never stopped — above all the rotation, which needs the previous log's eigenvectors —
/// and a checkpoint of other probes is refused.
/// </summary>
public class KernelSpectrumCheckpointTests
{
    [Fact]
    public void ARestoredTrackerLogsWhatTheUninterruptedOneLogs()
    {
        using var scope = NewDisposeScope();
        var x = Randn([8, 3], seed: 1);
        var y = Randn([8, 2], seed: 2);
        var model = new Mlp(new MlpOptions { InputSize = 3, HiddenWidths = [6], OutputSize = 2, DType = ScalarType.Float64 }, seed: 0);
        var options = new KernelSpectrumOptions { TopK = 3, Method = KernelSpectrumMethod.Exact };
        using var straight = new KernelSpectrumTracker(model, new KernelProbes(x, y), new KernelProbes(x, y), options);
        straight.Log(0);
        var state = new CheckpointState();
        straight.SaveState(state, "spectrum/");
        using var restored = new KernelSpectrumTracker(model, new KernelProbes(x, y), new KernelProbes(x, y), options);
        restored.LoadState(CheckpointState.FromBytes(state.ToBytes()), "spectrum/");
        using (torch.no_grad())
            foreach (var p in model.parameters()) p.add_(Randn(p.shape, seed: 3, scale: 0.3), TorchScalars.One);   // move θ so the eigenspace rotates
        var a = straight.Log(1);
        var b = restored.Log(1);
        Assert.NotNull(a.Rotation);
        Assert.True(a.Rotation > 1e-6, $"rotation {a.Rotation}: θ moved too little to test anything");
        Assert.Equal(a.Rotation, b.Rotation);
        Assert.Equal(a.Eigenvalues, b.Eigenvalues);
        Assert.Equal(2, restored.History.Count);
        Assert.Equal(0, restored.History[0].Step);

        var other = Randn([5, 3], seed: 4);
        using var mismatched = new KernelSpectrumTracker(model, new KernelProbes(other, Randn([5, 2], seed: 5)), options: options);
        Assert.Throws<CheckpointMismatchException>(() => mismatched.LoadState(state, "spectrum/"));
    }
}
