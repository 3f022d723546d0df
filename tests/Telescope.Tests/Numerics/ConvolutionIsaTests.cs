using System.Runtime.Intrinsics.X86;
using Xunit;

namespace Telescope.Tests.Numerics;

/// <summary>The oneDNN instruction-set rule (docs/numerics.md) and what this process got from it.</summary>
public class ConvolutionIsaTests
{
    [Fact]
    public void UserValueWinsAndIsNeverOverwritten()
    {
        bool setterCalled = false;
        var choice = ConvolutionIsaChoice.Decide(cpuHasAvx512: true, userValue: "AVX512_CORE", () => setterCalled = true);
        Assert.False(setterCalled);
        Assert.Equal(new ConvolutionIsaChoice(true, "AVX512_CORE", ConvolutionIsaSource.User), choice);
        Assert.Contains("set by the user", choice.Describe());
    }

    [Fact]
    public void CpuWithoutAvx512NeedsNoCap()
    {
        var choice = ConvolutionIsaChoice.Decide(cpuHasAvx512: false, userValue: null, () => throw new InvalidOperationException("must not set"));
        Assert.Equal(ConvolutionIsaSource.NotNeeded, choice.Source);
        Assert.Null(choice.MaxIsa);
    }

    [Fact]
    public void Avx512CpuIsCappedAtAvx2()
    {
        Assert.Equal(new ConvolutionIsaChoice(true, "AVX2", ConvolutionIsaSource.Telescope), ConvolutionIsaChoice.Decide(true, null, () => true));
        Assert.Equal(ConvolutionIsaSource.CouldNotSet, ConvolutionIsaChoice.Decide(true, null, () => false).Source);
    }

    /// <summary>This process (the test assembly's initializer ran Configure): the decision matches the CPU and environment.</summary>
    [Fact]
    public void ThisProcessFollowsTheRule()
    {
        var choice = TorchRuntime.ConvolutionIsa;
        Assert.Equal(Avx512F.IsSupported, choice.CpuHasAvx512);
        string? inForce = TorchRuntime.NativeEnvironmentVariable(TorchRuntime.OneDnnIsaVariable)
            ?? TorchRuntime.NativeEnvironmentVariable(TorchRuntime.LegacyOneDnnIsaVariable);
        if (choice.Source == ConvolutionIsaSource.NotNeeded) Assert.Null(inForce);
        else Assert.Equal(choice.MaxIsa, inForce);
        if (Avx512F.IsSupported && choice.Source != ConvolutionIsaSource.User) Assert.Equal("AVX2", inForce);
    }
}
