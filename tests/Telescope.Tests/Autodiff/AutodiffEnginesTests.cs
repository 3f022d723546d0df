using Xunit;
using Telescope.Autodiff;
using Telescope.Models;
using TorchSharp;
using static TorchSharp.torch;
using static Telescope.Tests.Autodiff.AutodiffFixtures;

namespace Telescope.Tests.Autodiff;

public class AutodiffEnginesTests
{
    [Fact]
    public void PicksLayerWiseEnginesForMlpsAndGenericOnesOtherwise()
    {
        using var scope = torch.NewDisposeScope();
        var mlp = Mlp(3, [4], 2, Activation.Tanh);
        var other = nn.Sequential(("fc", nn.Linear(3, 2, dtype: ScalarType.Float64)));
        Assert.IsType<ForwardModeJvp>(AutodiffEngines.CreateJvp(mlp));
        Assert.IsType<DoubleBackwardJvp>(AutodiffEngines.CreateJvp(other));
        Assert.IsType<MlpTangentKernel>(AutodiffEngines.CreateTangentKernel(mlp));
        Assert.IsType<GenericTangentKernel>(AutodiffEngines.CreateTangentKernel(other, chunkSize: 8));
    }
}
