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
    public void AutoTakesOpenBlasExactlyOnNonIntelX86WithTheLibraryLoaded()
    {
        var choice = GemmChoice.Evaluate(GemmRequest.Auto);
        string? vendor = CpuFacts.Vendor();
        bool loaded = GemmChoice.LoadedOpenBlas(out _) is not null;
        var expected = vendor is not null && vendor != "GenuineIntel" && loaded ? GemmPath.OpenBlas : GemmPath.LibTorch;
        Assert.Equal(expected, choice.Path);
        Assert.StartsWith($"{(expected == GemmPath.OpenBlas ? "openblas" : "libtorch")} (auto: ", choice.Description);
    }

    [Fact]
    public void VendorIsTheTwelveCharacterCpuidString()
    {
        string? vendor = CpuFacts.Vendor();
        if (!System.Runtime.Intrinsics.X86.X86Base.IsSupported) { Assert.Null(vendor); return; }
        Assert.NotNull(vendor);
        Assert.Equal(12, vendor.Length);
        // /proc/cpuinfo's vendor_id is the same string, read by the kernel: an independent reader.
        if (File.Exists("/proc/cpuinfo"))
            Assert.Contains(File.ReadLines("/proc/cpuinfo"), line => line.StartsWith("vendor_id", StringComparison.Ordinal) && line.EndsWith(vendor, StringComparison.Ordinal));
    }
}
