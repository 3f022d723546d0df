using Telescope.LinearAlgebra;
using Xunit;

namespace Telescope.Tests.LinearAlgebra;

/// <summary>The rules of <see cref="GemmChoice"/>: the setting, the fallback when OpenBLAS is absent, and auto's margin.</summary>
public class GemmChoiceTests
{
    [Theory]
    [InlineData(null, GemmRequest.Auto)]
    [InlineData("", GemmRequest.Auto)]
    [InlineData(" AUTO ", GemmRequest.Auto)]
    [InlineData("libtorch", GemmRequest.LibTorch)]
    [InlineData("OpenBLAS", GemmRequest.OpenBlas)]
    public void ParsesTheSetting(string? text, GemmRequest expected) => Assert.Equal(expected, GemmChoice.ParseRequest(text));

    [Fact]
    public void RejectsAnUnknownPathNamingTheVariableAndTheChoices()
    {
        var e = Assert.Throws<TelescopeException>(() => GemmChoice.ParseRequest("mkl"));
        Assert.Contains("TELESCOPE_GEMM", e.Message);
        Assert.Contains("'mkl'", e.Message);
        Assert.Contains("libtorch", e.Message);
        Assert.Contains("openblas", e.Message);
    }

    [Fact]
    public void LibTorchRequestIsHonoured()
    {
        var choice = GemmChoice.Evaluate(GemmRequest.LibTorch);
        Assert.Equal(GemmPath.LibTorch, choice.Path);
        Assert.Equal("libtorch (TELESCOPE_GEMM=libtorch)", choice.Description);
    }

    [Fact]
    public void OpenBlasRequestUsesTheLibraryWhenItLoadsAndOtherwiseSaysWhy()
    {
        string? build = GemmChoice.LoadedOpenBlas(out string failure);
        var choice = GemmChoice.Evaluate(GemmRequest.OpenBlas);
        if (build is not null)
        {
            Assert.Equal(GemmPath.OpenBlas, choice.Path);
            Assert.StartsWith("openblas (TELESCOPE_GEMM=openblas; OpenBLAS", choice.Description);
            Assert.Contains(build, choice.Description);
        }
        else
        {
            Assert.Equal(GemmPath.LibTorch, choice.Path);
            Assert.Contains("not found", failure);
            Assert.Contains(failure, choice.Description);
            Assert.Contains("using LibTorch", choice.Description);
        }
    }

    [Fact]
    public void AutoTakesOpenBlasOnlyPastTheMarginItMeasured()
    {
        var choice = GemmChoice.Evaluate(GemmRequest.Auto);
        if (GemmChoice.LoadedOpenBlas(out _) is null)
        {
            Assert.Equal(GemmPath.LibTorch, choice.Path);
            Assert.Null(choice.OpenBlasGflops);
            return;
        }
        Assert.True(choice.LibTorchGflops > 0 && choice.OpenBlasGflops > 0, choice.Description);
        var expected = choice.OpenBlasGflops >= GemmChoice.AutoMargin * choice.LibTorchGflops ? GemmPath.OpenBlas : GemmPath.LibTorch;
        Assert.Equal(expected, choice.Path);
        Assert.Contains("auto: float32 512³", choice.Description);
    }
}
