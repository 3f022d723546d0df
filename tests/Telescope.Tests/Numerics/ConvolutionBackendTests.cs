using System.Runtime.Intrinsics.X86;
using Xunit;

namespace Telescope.Tests.Numerics;

/// <summary>The convolution-backend rule (docs/numerics.md) and its application to this process.</summary>
public class ConvolutionBackendTests
{
    [Theory]
    [InlineData(true, "onednn", ConvolutionBackend.OneDnn)]
    [InlineData(false, " OneDNN ", ConvolutionBackend.OneDnn)]
    [InlineData(true, "native", ConvolutionBackend.Native)]
    [InlineData(false, "NATIVE", ConvolutionBackend.Native)]
    public void AUserValueWinsOnEveryCpu(bool avx512, string value, ConvolutionBackend expected) =>
        Assert.Equal(new ConvolutionBackendChoice(avx512, expected, ConvolutionBackendSource.User), ConvolutionBackendChoice.Decide(avx512, value));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("auto")]
    public void AutoMeansNativeOnAvx512AndOneDnnElsewhere(string? value)
    {
        Assert.Equal(new ConvolutionBackendChoice(true, ConvolutionBackend.Native, ConvolutionBackendSource.Avx512Rule), ConvolutionBackendChoice.Decide(true, value));
        Assert.Equal(new ConvolutionBackendChoice(false, ConvolutionBackend.OneDnn, ConvolutionBackendSource.Default), ConvolutionBackendChoice.Decide(false, value));
    }

    [Fact]
    public void AnUnknownValueIsRefusedNamingTheVariableAndTheChoices()
    {
        var e = Assert.Throws<TelescopeException>(() => ConvolutionBackendChoice.Decide(true, "mkldnn"));
        Assert.Contains("TELESCOPE_CONVOLUTION='mkldnn'", e.Message);
        Assert.Contains("onednn, native or auto", e.Hint);
    }

    [Fact]
    public void DescriptionsSayWhichBackendAndWhy()
    {
        Assert.Equal("native im2col convolutions (oneDNN off) (CPU has AVX-512, where oneDNN's convolution gradients are wrong)",
            ConvolutionBackendChoice.Decide(true, null).Describe());
        var fallback = ConvolutionBackendChoice.Decide(false, null) with
        {
            Backend = ConvolutionBackend.Native, Source = ConvolutionBackendSource.FallbackAfterCheck, FailedOneDnnCheck = "FAILED: worst relative error non-finite (c = 8, input) over 30 gradients",
        };
        Assert.Contains("oneDNN failed the start-up check here: FAILED: worst relative error non-finite (c = 8, input)", fallback.Describe());
        Assert.EndsWith("LibTorch's default is in force", (fallback with { Applied = false }).Describe());
    }

    /// <summary>This process (the test assembly's initializer ran Configure): the rule for this CPU, and LibTorch's switch reads back as chosen.</summary>
    [Fact]
    public void ThisProcessFollowsTheRuleAndLibTorchsSwitchAgrees()
    {
        var choice = TorchRuntime.Convolutions;
        Assert.Equal(Avx512F.IsSupported, choice.CpuHasAvx512);
        if (Environment.GetEnvironmentVariable(TorchRuntime.ConvolutionBackendVariable) is null && choice.Source != ConvolutionBackendSource.FallbackAfterCheck)
            Assert.Equal(ConvolutionBackendChoice.ForThisCpu(), choice with { Applied = true });
        if (OperatingSystem.IsLinux())
        {
            Assert.True(choice.Applied, choice.Describe());
            Assert.Equal(choice.Backend == ConvolutionBackend.OneDnn, TorchRuntime.OneDnnConvolutionsEnabled());
        }
    }
}
