using Xunit;
using Telescope.Autodiff;
using Telescope.Models;
using TorchSharp;
using static TorchSharp.torch;
using static Telescope.Tests.Autodiff.AutodiffFixtures;

namespace Telescope.Tests.Autodiff;

/// <summary>
/// One plain-SGD step in kernel form (docs/method.md §4.2): with loss (c/2)||f − y||² averaged over batch B,
/// Δθ = −(γ/|B|) Σ_i J(x_i)ᵀ c (f(x_i) − y_i), hence J(x)Δθ = −(γc/|B|) Σ_i K(x, x_i)(f(x_i) − y_i).
/// Δθ comes from TorchSharp's own SGD optimizer (an independent computation), checked against ParameterVjp.
/// </summary>
public class SgdStepKernelFormTests
{
    [Theory]
    [InlineData("tanh", 3, true)]
    [InlineData("relu", 1, false)]
    public void JvpOfTheUpdateEqualsTheKernelWeightedResiduals(string activation, int k, bool bias)
    {
        using var scope = torch.NewDisposeScope();
        const double gamma = 0.05, c = 0.7;
        var model = Mlp(4, [8, 6], k, Activation.Parse(activation), bias, seed: 21);
        var parameters = new TrainableParameters(model);
        var batch = Randn([6, 4], seed: 1);
        var labels = Randn([6, k], seed: 2);
        var tracked = Randn([10, 4], seed: 3);

        // Residual gradients c (f(x_i) − y_i) at the pre-step parameters.
        Tensor residual;
        using var cScalar = c.ToScalar();
        using (torch.no_grad()) residual = (model.forward(batch) - labels).mul(cScalar);
        var before = parameters.CloneValues();

        // Δθ from torch's SGD on the batch-mean loss.
        var sgd = torch.optim.SGD(parameters.Tensors.Select(p => (TorchSharp.Modules.Parameter)p).ToArray(), gamma);
        sgd.zero_grad();
        using var halfC = (c / 2).ToScalar();
        var loss = (model.forward(batch) - labels).pow(TorchScalars.Two).sum(1).mul(halfC).mean();
        loss.backward();
        sgd.step();
        var delta = parameters.CloneValues().Select((after, i) => after - before[i]).ToArray();
        using (torch.no_grad()) // back to θ_{t−1}, where J and K are taken
            foreach (var (p, b) in parameters.Tensors.Zip(before)) p.copy_(b);

        // The same Δθ from the library's VJP.
        using var minusGamma = (-gamma).ToScalar();
        var vjpDelta = new ParameterVjp(model).Compute(batch, residual, VjpReduction.Mean).Select(g => g.mul(minusGamma)).ToArray();
        Assert.True(RelativeError(Flatten(vjpDelta), Flatten(delta)) < 1e-12);

        using var jvp = new ForwardModeJvp(model).Compute(tracked, [delta]);
        var kernel = new MlpTangentKernel(model).Compute(tracked, batch, KernelOutputMode.Full); // [N, B, k, k]
        using var stepPerExample = (-(gamma / batch.shape[0])).ToScalar();
        var kernelForm = torch.einsum("nbij,bj->ni", kernel, residual).mul(stepPerExample);
        double err = RelativeError(jvp.Jvps[0], kernelForm);
        Assert.True(err < 1e-10, $"kernel form vs JVP of the SGD update: {err:E2}");
    }
}
