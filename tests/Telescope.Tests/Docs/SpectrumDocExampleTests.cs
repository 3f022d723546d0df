using Telescope.Autodiff;
using Telescope.Models;
using Telescope.Spectrum;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Telescope.Tests.Docs;

/// <summary>
/// The <c>&lt;example&gt;</c> of <see cref="KernelSpectrumTracker"/> run verbatim (the block between "example:" and
/// "end of example" is the doc comment's code; <see cref="DocExampleIsTheTestedCode"/> fails while they differ), with
/// its numbers checked against the explicit kernel of the final model.
/// </summary>
public class SpectrumDocExampleTests
{
    // Mirrors the <example> of KernelSpectrumTracker (src/Telescope/Spectrum/KernelSpectrumTracker.cs): keep both in sync.
    [Fact]
    public void KernelSpectrumTrackerExample()
    {
        // example:
        // using Telescope.Models; using Telescope.Spectrum; using TorchSharp; using static TorchSharp.torch;
        using var gen = new Generator(0);
        var x = torch.randn([40, 3], dtype: ScalarType.Float64, generator: gen);
        var y = torch.randn([40, 2], dtype: ScalarType.Float64, generator: gen);
        var model = new Mlp(new MlpOptions { InputSize = 3, HiddenWidths = [16], OutputSize = 2, DType = ScalarType.Float64 }, seed: 0);
        using var sgd = torch.optim.SGD(model.parameters(), 0.05);
        using var tracker = new KernelSpectrumTracker(model, new KernelProbes(x, y), options: new KernelSpectrumOptions { TopK = 3, Method = KernelSpectrumMethod.Lanczos });
        for (int t = 0; t <= 30; t++)
        {
            if (t % 10 == 0) { var log = tracker.Log(t); Console.WriteLine($"step {t}: λ = [{string.Join(", ", log.Eigenvalues.Select(l => l.ToString("G4")))}], A = {log.TrainAlignment:F3}, rotation = {log.Rotation}"); }
            sgd.zero_grad(); nn.functional.mse_loss(model.forward(x), y).backward(); sgd.step();
        }
        // end of example

        Assert.Equal(new[] { 0, 10, 20, 30 }, tracker.History.Select(l => l.Step));
        Assert.Null(tracker.History[0].Rotation);
        Assert.All(tracker.History.Skip(1), l => Assert.InRange(l.Rotation!.Value, 1e-12, 1));
        // The last log was taken before the 31st step: undo it, then compare with eigvalsh of the explicit kernel.
        using var scope = NewDisposeScope();
        foreach (var p in model.parameters()) using (torch.no_grad()) { using var lr = 0.05.ToScalar(); p.add_(p.grad!, lr); }
        var parameters = new TrainableParameters(model);
        var jacobian = PerExampleJacobian.Compute(model, parameters, x).reshape(80, -1);
        var eigenvalues = torch.linalg.eigvalsh(jacobian.matmul(jacobian.t())).flip(0).narrow(0, 0, 3).data<double>().ToArray();
        var last = tracker.History[^1];
        for (int i = 0; i < 3; i++) Assert.True(Math.Abs(last.Eigenvalues[i] - eigenvalues[i]) < 1e-6 * eigenvalues[i], $"λ_{i + 1}");
    }

    [Fact]
    public void DocExampleIsTheTestedCode()
    {
        string root = DocExampleTests.RepoRoot();
        var documented = DocExampleTests.DocumentedExample(
            File.ReadAllLines(Path.Combine(root, "src/Telescope/Spectrum/KernelSpectrumTracker.cs")), nameof(KernelSpectrumTracker));
        var tested = DocExampleTests.TestedExample(
            File.ReadAllLines(Path.Combine(root, "tests/Telescope.Tests/Docs/SpectrumDocExampleTests.cs")), "KernelSpectrumTrackerExample");
        Assert.True(documented.Count is >= 6 and <= 16, $"the example has {documented.Count} lines");
        Assert.Equal(tested, documented);
    }
}
