using Telescope.Recipes.DoubleDescent;
using Telescope.Models;
using Xunit;

namespace Telescope.Tests.Recipes;

/// <summary>The measurement-side logic of the double-descent findings, on hand-made series.</summary>
public sealed class DoubleDescentAnalysisTests
{
    [Theory]
    [InlineData(49, 1)]
    [InlineData(49, 20)]
    [InlineData(192, 7)]
    public void ParameterCountMatchesTheMlp(int inputs, int width)
    {
        // Independent: the Mlp's own count of trainable parameters.
        var options = new MlpOptions { InputSize = inputs, HiddenWidths = [width], OutputSize = 1 };
        Assert.Equal(options.TrainableParameterCount, DoubleDescentAnalysis.ParameterCount(inputs, width));
    }

    [Fact]
    public void ThresholdWidthIsWhereParametersEqualN()
    {
        double h = DoubleDescentAnalysis.ThresholdWidth(1000, 49);
        Assert.Equal(999.0 / 51.0, h, 12);
        Assert.Equal(1000.0, h * 51 + 1, 9);   // P(h*) = n
    }

    [Fact]
    public void InteriorPeakHasProminenceAgainstBothSides()
    {
        int[] widths = [1, 2, 4, 8, 16];
        double[] values = [0.5, 0.4, 2.0, 1.0, 0.8];
        var peak = DoubleDescentAnalysis.Peak(widths, values);
        Assert.Equal(2, peak.Index);
        Assert.Equal(4, peak.Width);
        Assert.Equal(2.0, peak.Value);
        Assert.Equal(2.0 / 0.8, peak.Prominence, 12);   // min(2/0.4, 2/0.8)
        Assert.True(peak.IsPeak(1.5));
        Assert.False(peak.IsPeak(3.0));
    }

    [Fact]
    public void HighValueAtTheSmallestWidthDoesNotHideTheInteriorPeak()
    {
        // Underfitting at width 1 is the global maximum; the bump at width 8 is the double-descent peak.
        var peak = DoubleDescentAnalysis.Peak([1, 2, 4, 8, 16, 32], [5.0, 0.5, 0.6, 2.0, 1.2, 0.9]);
        Assert.Equal(8, peak.Width);
        Assert.Equal(2.0 / 0.9, peak.Prominence, 12);   // min(2/0.5, 2/0.9)
    }

    [Fact]
    public void MonotoneSeriesHaveNoPeak()
    {
        var decreasing = DoubleDescentAnalysis.Peak([1, 2, 4], [3.0, 2.0, 1.0]);
        Assert.Equal(1, decreasing.Index);
        Assert.Equal(2.0 / 3.0, decreasing.Prominence, 12);   // min(2/3, 2/1)
        Assert.False(decreasing.IsPeak(1.0));
        var increasing = DoubleDescentAnalysis.Peak([1, 2, 4], [1.0, 2.0, 3.0]);
        Assert.Equal(2.0 / 3.0, increasing.Prominence, 12);
        Assert.False(increasing.IsPeak(1.0));
    }

    [Fact]
    public void GridWithoutInteriorPointHasNoPeak()
    {
        var peak = DoubleDescentAnalysis.Peak([1, 2], [1.0, 3.0]);
        Assert.Equal(0.0, peak.Prominence);
        Assert.Equal(2, peak.Width);
    }

    [Fact]
    public void NonFiniteValuesAreSkipped()
    {
        var peak = DoubleDescentAnalysis.Peak([1, 2, 4, 8], [1.0, double.NaN, 4.0, 2.0]);
        Assert.Equal(2, peak.Index);
        Assert.Equal(2.0, peak.Prominence, 12);   // min(4/1, 4/2)
    }

    [Fact]
    public void MismatchedLengthsAreRejected() =>
        Assert.Throws<ArgumentException>(() => DoubleDescentAnalysis.Peak([1, 2], [1.0]));

    [Fact]
    public void NearThresholdUsesAFactorOnALogScale()
    {
        Assert.True(DoubleDescentAnalysis.IsNearThreshold(16, 4.0, 4.0));
        Assert.True(DoubleDescentAnalysis.IsNearThreshold(1, 4.0, 4.0));
        Assert.False(DoubleDescentAnalysis.IsNearThreshold(17, 4.0, 4.0));
        Assert.False(DoubleDescentAnalysis.IsNearThreshold(32, 4.0, 4.0));
    }

    [Fact]
    public void GrowthAllowsTheGivenTolerance()
    {
        double[] values = [1, 5, 4.5, 10];
        Assert.Equal((2, 3), DoubleDescentAnalysis.Growth(values, [0, 0, 0, 0]));
        Assert.Equal((3, 3), DoubleDescentAnalysis.Growth(values, [0, 0.25, 0.25, 0]));   // 4.5 ≥ 5 − 0.5
    }

    [Fact]
    public void InterpolationWidthIsTheFirstBelowTolerance()
    {
        Assert.Equal(8, DoubleDescentAnalysis.InterpolationWidth([2, 4, 8, 16], [0.5, 0.01, 1e-4, 0], 1e-3));
        Assert.Null(DoubleDescentAnalysis.InterpolationWidth([2, 4], [0.5, 0.01], 1e-3));
    }
}
