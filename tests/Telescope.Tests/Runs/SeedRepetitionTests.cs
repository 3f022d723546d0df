using System.Text.Json.Nodes;
using Telescope.Reporting;
using Telescope.Runs;
using Telescope.Verdicts;
using Xunit;

namespace Telescope.Tests.Runs;

/// <summary>The shared pieces of seed repetitions: the <c>seeds</c> setting, summary aggregation and figure bands.</summary>
public class SeedRepetitionTests() : TempFolderTest("telescope-seeds-")
{
    [Fact]
    public void EmptySeedsMeansOneRepetitionWithSeed()
    {
        var s = new RecipeSettings(quick: false).AddSeeds();
        s.Set("seed", "7");
        Assert.Equal([7L], s.GetSeeds());
        s.Set("seeds", "3,1,2");
        Assert.Equal([3L, 1L, 2L], s.GetSeeds());
    }

    [Fact]
    public void FullAndQuickDefaultsAreKept()
    {
        Assert.Equal([0L, 1L, 2L], new RecipeSettings(quick: false).AddSeeds([0, 1, 2], quick: []).GetSeeds());
        Assert.Equal([0L], new RecipeSettings(quick: true).AddSeeds([0, 1, 2], quick: []).GetSeeds());
        Assert.Equal([0L], new RecipeSettings(quick: false).GetSeeds());   // a recipe without seeds: [seed]
    }

    [Theory]
    [InlineData("1,2,1", "seed 1 is listed 2 times")]
    [InlineData("0,-3", "seed -3 is negative")]
    public void BadSeedListsAreRefusedWithTheReason(string value, string message)
    {
        var s = new RecipeSettings(quick: false).AddSeeds();
        var e = Assert.Throws<TelescopeException>(() => s.Set("seeds", value));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void CombineAveragesNumbersKeepsSharedFieldsAndNestsObjects()
    {
        var entry = SeedAggregate.Combine([0, 1, 2],
        [
            new { width = 4, name = "a", test_mse = 1.0, groups = new { stem = 0.5 }, verdict = "peak" },
            new { width = 4, name = "a", test_mse = 2.0, groups = new { stem = 0.7 }, verdict = "none" },
            new { width = 4, name = "a", test_mse = 6.0, groups = new { stem = 0.9 }, verdict = "peak" },
        ]);
        Assert.Equal(4, entry["width"]!.GetValue<int>());
        Assert.Equal("a", entry["name"]!.GetValue<string>());
        Assert.Equal(3.0, entry["test_mse"]!.GetValue<double>(), 12);
        // Sample sd of {1, 2, 6}: sqrt(((−2)² + (−1)² + 3²)/2) = sqrt(7).
        Assert.Equal(Math.Sqrt(7), entry["test_mse_sd"]!.GetValue<double>(), 12);
        Assert.Equal(0.7, entry["groups"]!["stem"]!.GetValue<double>(), 12);
        Assert.Equal(0.2, entry["groups"]!["stem_sd"]!.GetValue<double>(), 12);
        Assert.Null(entry["verdict"]);
        Assert.Equal([0L, 1L, 2L], entry["seeds"]!.AsArray().Select(n => n!.GetValue<long>()));
        Assert.Equal(3, entry["per_seed"]!.AsArray().Count);
    }

    [Fact]
    public void NonFiniteSeedsAreLeftOutOfTheMean()
    {
        var entry = SeedAggregate.Combine([0, 1, 2], [new { p = 1.0 }, new { p = double.NaN }, new { p = 3.0 }]);
        Assert.Equal(2.0, entry["p"]!.GetValue<double>(), 12);
        Assert.Equal(Math.Sqrt(2), entry["p_sd"]!.GetValue<double>(), 12);
        var single = SeedAggregate.Combine([5], [new { p = 1.0 }]);
        Assert.Equal(1.0, single["p"]!.GetValue<double>());
        Assert.False(single.ContainsKey("p_sd"));   // equal in every (one) seed: kept as is, no sd
    }

    [Fact]
    public void SeededSeriesDrawsAMeanLineWithABandOnlyWithSeveralSeeds()
    {
        var several = SeededSeries.FromSeeds([1, 2, 4], [[1.0, 2.0], [2.0, 4.0], [3.0, 3.5]]);
        var chart = new LineChart { Title = "test MSE", LogX = true, LogY = true }.AddSeeded("MSE", several, markers: true);
        Assert.Single(chart.Bands);
        Assert.Equal("MSE (mean ± sd, 2 seeds)", chart.Series[0].Label);
        Assert.Equal(1.5 - Math.Sqrt(0.5), chart.Bands[0].Lower[0], 12);
        string png = Path.Combine(_root, "band.png"), svg = Path.Combine(_root, "band.svg");
        chart.Save(png, svg);
        Assert.True(new FileInfo(png).Length > 2000);
        Assert.Empty(chart.Notes);

        // A point with one seed (the others left out of the curve) has no band there; the rest keep theirs.
        var partial = new LineChart().AddSeeded("MSE", SeededSeries.FromSeeds([1, 2, 4], [[1.0, 2.0, 3.0], [2.0], [3.0, 3.5]]));
        Assert.Equal("MSE (mean ± sd, ≤ 3 seeds)", partial.Series[0].Label);
        Assert.Single(partial.Bands);
        Assert.True(double.IsNaN(partial.Bands[0].Lower[1]));
        Assert.Equal(2.0 - 1.0, partial.Bands[0].Lower[0], 12);

        var one = new LineChart().AddSeeded("MSE", SeededSeries.FromSingle([1, 2], [1.0, 2.0]));
        Assert.Empty(one.Bands);
        Assert.Equal("MSE", one.Series[0].Label);
    }
}
