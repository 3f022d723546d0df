using Telescope.Recipes.Sensitivity;
using Telescope.Smoothing;
using Xunit;

namespace Telescope.Tests.Recipes;

/// <summary>The chaos floor column is a floor only when the σ/4 pair ran; otherwise it stays empty instead of repeating |Δf| at σ.</summary>
public class SensitivityColumnsTests
{
    private static NetworkSensitivityEstimate Test(double? atQuarterSigma) =>
        new("test", 10, 0.1, 5, 0.5, [4, 6], MeanDifference: 0.8, LinearityValue: atQuarterSigma, FloorDifference: atQuarterSigma is null ? 0.8 : 0.2, 1, null);

    [Fact]
    public void TheFloorIsWrittenOnlyWithTheLinearityCheck()
    {
        int floor = SensitivityColumns.Names.ToList().IndexOf("sensitivity_floor");
        int difference = SensitivityColumns.Names.ToList().IndexOf("sensitivity_difference");
        var withCheck = SensitivityColumns.Values(new SensitivityPoint(10) { Test = Test(4.1) });
        var without = SensitivityColumns.Values(new SensitivityPoint(10) { Test = Test(null) });
        Assert.Equal(0.2, withCheck[floor]);
        Assert.Null(without[floor]);
        Assert.Equal(0.8, without[difference]);
    }
}
