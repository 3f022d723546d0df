using Telescope.Runs;
using TorchSharp;
using Xunit;

namespace Telescope.Tests.Runs;

public class RunContextTests() : TempFolderTest("telescope-context-")
{
    private RunContext Context(RecipeSettings settings, RunFolder folder, string? data = null) =>
        new("tiny", settings, folder, SilentProgressReporter.Instance, data, CancellationToken.None);

    [Fact]
    public void MissingDataFolderSaysHowToGiveOne()
    {
        using var folder = RunFolder.Create(Path.Combine(_root, "run"), false);
        var e = Assert.Throws<TelescopeException>(() => Context(new RecipeSettings(false), folder).RequireDataDirectory());
        Assert.Contains("needs a data folder", e.Message);
        Assert.Contains("--data", e.Hint);
        Assert.Contains("TELESCOPE_DATA", e.Hint);
        Assert.Equal("/d", Context(new RecipeSettings(false), folder, "/d").RequireDataDirectory());
    }

    [Fact]
    public void ComputeSettingsMapToTorchTypes()
    {
        using var folder = RunFolder.Create(Path.Combine(_root, "run"), false);
        var settings = new RecipeSettings(false).AddComputeSettings();
        var context = Context(settings, folder);
        Assert.Equal(torch.ScalarType.Float32, context.DType);
        Assert.Equal(DeviceType.CPU, context.Device.type);
        settings.Set("dtype", "float64");
        Assert.Equal(torch.ScalarType.Float64, context.DType);
        Assert.Throws<TelescopeException>(() => settings.Set("dtype", "float16"));
        settings.Set("device", "no-such-device");
        Assert.Throws<TelescopeException>(() => context.Device);
        if (!torch.cuda.is_available())
        {
            settings.Set("device", "cuda");
            Assert.Contains("CUDA is not available", Assert.Throws<TelescopeException>(() => context.Device).Message);
        }
    }
}
