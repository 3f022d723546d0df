using Telescope.Data.Tabular;
using Xunit;

namespace Telescope.Tests.Tabular;

/// <summary>The suite's loaders on the real files: the documented post-preprocessing shapes (data README).</summary>
[Trait("Category", "RealData")]
public class TabularSuiteRealDataTests
{
    [RealDataTheory]
    [InlineData(TabularBenchmark.Houses, 20640, 8)]
    [InlineData(TabularBenchmark.CpuAct, 8192, 21)]
    [InlineData(TabularBenchmark.House16H, 22784, 16)]
    [InlineData(TabularBenchmark.WineQuality, 6497, 11)]
    [InlineData(TabularBenchmark.Elevators, 16599, 16)]
    [InlineData(TabularBenchmark.Ailerons, 13750, 33)]
    [InlineData(TabularBenchmark.MiamiHousing2016, 13932, 13)]
    [InlineData(TabularBenchmark.Diamonds, 53940, 6)]
    [InlineData(TabularBenchmark.Pol, 14998, 26)]
    public void LoadsWithTheDocumentedShape(TabularBenchmark benchmark, int rows, int columns)
    {
        var data = TabularSuite.Load(benchmark, TabularSuite.DirectoryFromEnvironment()!);
        Assert.Equal(rows, data.Rows);
        Assert.Equal(columns, data.Columns);
        Assert.Equal(columns, data.FeatureNames.Count);
        Assert.DoesNotContain(data.TargetName, data.FeatureNames);
        foreach (double v in data.Features) Assert.True(double.IsFinite(v));
        foreach (double v in data.Target) Assert.True(double.IsFinite(v));
    }

    [RealDataFact]
    public void HousesTargetIsLogOfMedianHouseValue()
    {
        var data = TabularSuite.Load(TabularBenchmark.Houses, TabularSuite.DirectoryFromEnvironment()!);
        Assert.Equal(Math.Log(452600.0), data.Target[0], 1e-12); // first data line of houses_cal_housing.csv
        Assert.Equal(-122.23, data[0, 0], 1e-12);
        Assert.Equal("longitude", data.FeatureNames[0]);
    }

    [RealDataFact]
    public void WineIsRedThenWhiteAndMiamiDropsIdAndLowCardinalityColumns()
    {
        string dir = TabularSuite.DirectoryFromEnvironment()!;
        var wine = TabularSuite.Load(TabularBenchmark.WineQuality, dir);
        Assert.Equal(7.4, wine[0, 0], 1e-12);      // first red row
        Assert.Equal(7.0, wine[1599, 0], 1e-12);   // first white row
        Assert.Equal(6.0, wine.Target[1599]);
        var miami = TabularSuite.Load(TabularBenchmark.MiamiHousing2016, dir);
        Assert.DoesNotContain("PARCELNO", miami.FeatureNames);
        Assert.DoesNotContain("avno60plus", miami.FeatureNames);
        Assert.DoesNotContain("structure_quality", miami.FeatureNames);
        Assert.Contains("month_sold", miami.FeatureNames);
    }
}
