using System.Text.Json;
using Telescope.Data;
using Telescope.Data.Tabular;
using Telescope.Recipes.TabularGbt;
using Telescope.Runs;
using Telescope.Tests.Tabular;
using Telescope.Verdicts;
using Xunit;

namespace Telescope.Tests.Recipes;

/// <summary>
/// The tabular-gbt recipe: a tiny in-process run on a synthetic data set (files, summary schema, invariants
/// that must hold whatever the data: W(0) = 1, tree smoother rows summing to one, S·Y = LightGBM's predictions
/// to 1e-8), and the π analysis checked against values computed by hand.
/// </summary>
public sealed class TabularGbtTests() : TempFolderTest("telescope-tabulargbt-")
{
    /// <summary>y = sin(x0) + x1²/2 − x2 + noise, with 5% of rows scaled up to create irregular inputs.</summary>
    internal static TabularDataset Synthetic(string name, int rows = 400, int columns = 4, ulong seed = 5)
    {
        var rng = new SplitMix64(seed);
        var x = new double[rows * columns];
        var y = new double[rows];
        for (int i = 0; i < rows; i++)
        {
            double scale = i % 20 == 0 ? 4 : 1;
            for (int c = 0; c < columns; c++) x[i * columns + c] = scale * rng.NextGaussian();
            y[i] = Math.Sin(x[i * columns]) + 0.5 * x[i * columns + 1] * x[i * columns + 1] - x[i * columns + 2] + 0.1 * rng.NextGaussian();
        }
        return new TabularDataset(name, x, rows, columns, y, Enumerable.Range(0, columns).Select(c => $"x{c}").ToArray(), "y");
    }

    private static readonly string[] TinySettings =
    [
        "datasets=houses", "train_size=100", "pool_size=200", "test_size=10", "repetitions=2",
        "hidden=8", "steps=30", "log_every=10", "batch_size=16", "lr=0.01",
        "gbt_leaves=4", "gbt_min_data_in_leaf=5", "gbt_max_rounds=20", "dtype=float64",
    ];

    private string RunTiny(params string[] extra) => RunTinyInto("run", extra);

    private string RunTinyInto(string folderName, params string[] extra)
    {
        var requested = new List<string>();
        var recipe = new TabularGbtRecipe(name => { requested.Add(name); return Synthetic(name); });
        var result = RecipeRunner.Run(new RecipeCatalog([recipe]),
            new RunRequest { Recipe = "tabular-gbt", Quick = true, Out = Path.Combine(_root, folderName), Assignments = [.. TinySettings, .. extra] },
            SilentProgressReporter.Instance);
        Assert.Equal(["houses"], requested);
        return result.Folder;
    }

    [Fact]
    public void TinyRunWritesEveryFileWithTheDocumentedSchema()
    {
        string folder = RunTiny();
        foreach (string file in new[] { "config.json", "metrics.csv", "pi_metrics.csv", "summary.json", "report.md",
                     "gap_and_weights_houses.png", "gap_and_weights_houses.svg", "training_houses.png", "training_houses.svg" })
            Assert.True(File.Exists(Path.Combine(folder, file)), file);

        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "summary.json")));
        var root = summary.RootElement;
        Assert.Equal("tabular-gbt", root.GetProperty("recipe").GetString());
        var results = root.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(11, results.Count);
        for (int k = 0; k < results.Count; k++)
        {
            var r = results[k];
            Assert.Equal("houses", r.GetProperty("dataset").GetString());
            Assert.Equal(k / 10.0, r.GetProperty("pi").GetDouble(), 12);
            foreach (string key in new[] { "mse_nn", "mse_gbt", "mse_constant", "w_nn", "w_gbt" })
                Assert.True(double.IsFinite(r.GetProperty(key).GetDouble()) && r.GetProperty(key).GetDouble() > 0, key);
            Assert.Equal(r.GetProperty("mse_nn").GetDouble() - r.GetProperty("mse_gbt").GetDouble(), r.GetProperty("delta").GetDouble(), 12);
        }
        // Normalized by T_0 itself: exactly 1, and ρ(0) = 0.
        Assert.Equal(1.0, results[0].GetProperty("w_nn").GetDouble(), 12);
        Assert.Equal(1.0, results[0].GetProperty("w_gbt").GetDouble(), 12);
        Assert.Equal(0.0, results[0].GetProperty("relative_gap_increase").GetDouble(), 12);

        var d = root.GetProperty("datasets").EnumerateArray().Single();
        Assert.InRange(d.GetProperty("gbt_smoother_max_abs_error").GetDouble(), 0, 1e-8);
        Assert.Equal(1.0, d.GetProperty("gbt_kernel_row_sum_min").GetDouble(), 10);
        Assert.Equal(1.0, d.GetProperty("gbt_kernel_row_sum_max").GetDouble(), 10);
        Assert.Equal(100, d.GetProperty("train_rows").GetInt32());
        Assert.Equal(20, d.GetProperty("irregular_pool_rows").GetInt32());
        Assert.InRange(d.GetProperty("tracked_rows").GetInt32(), 10, 200);
        Assert.InRange(d.GetProperty("nn_p_train").GetDouble(), 0, 100);

        var metrics = File.ReadAllLines(Path.Combine(folder, "metrics.csv"));
        Assert.Equal("run,step,train_batch_mse,train_mse,tracked_mse,surrogate_vs_network,telescoped_vs_network,surrogate_vs_telescoped,p_train,p_tracked", metrics[0]);
        Assert.Equal(1 + 4, metrics.Length);              // steps 0, 10, 20, 30
        Assert.StartsWith("houses,30,", metrics[^1]);
        var pi = File.ReadAllLines(Path.Combine(folder, "pi_metrics.csv"));
        Assert.Equal(1 + 2 * 11, pi.Length);
        Assert.StartsWith("houses/r1,10,1,", pi[^1]);

        string report = File.ReadAllText(Path.Combine(folder, "report.md"));
        Assert.Contains("## Findings", report);
        Assert.Contains("GBT smoother check", report);
        Assert.Contains("passes at 1E-08", report);
    }

    [Fact]
    public void SurrogateTracksTheNetworkClosely()
    {
        // Tiny learning rate and float64: the first-order telescoping steps are almost exact, so f̂ (exact for
        // plain SGD up to the surrogate's own residuals), f̃ and f agree to far below the outputs' scale.
        string folder = RunTiny("lr=0.001");
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "summary.json")));
        var d = summary.RootElement.GetProperty("datasets").EnumerateArray().Single();
        Assert.InRange(d.GetProperty("nn_fidelity_surrogate_vs_network").GetDouble(), 0, 1e-4);
        Assert.InRange(d.GetProperty("nn_fidelity_telescoped_vs_network").GetDouble(), 0, 1e-4);
    }

    [Fact]
    public void TangentKernelWeightNormChangesOnlyTheNetworksWeights()
    {
        // Same seed, same training: the option may change w_nn (and so W_NN) but nothing else.
        var smoother = PiRows(RunTinyInto("smoother"));
        string kernelFolder = RunTinyInto("kernel", "weight_norm=tangent-kernel");
        var kernel = PiRows(kernelFolder);
        Assert.Equal(smoother.Length, kernel.Length);
        string[] header = smoother[0];
        int maxWNn = Array.IndexOf(header, "max_w_nn"), wNn = Array.IndexOf(header, "w_nn");
        Assert.True(maxWNn > 0 && wNn > 0);
        bool anyDifferent = false;
        for (int r = 1; r < smoother.Length; r++)
            for (int c = 0; c < header.Length; c++)
            {
                if (c == maxWNn || c == wNn) { anyDifferent |= smoother[r][c] != kernel[r][c]; continue; }
                Assert.Equal(smoother[r][c], kernel[r][c]);
            }
        // Tangent-kernel rows of a trained network are not those of its smoother (their scales differ by far).
        Assert.True(anyDifferent);
        Assert.Contains("tangent-kernel row", File.ReadAllText(Path.Combine(kernelFolder, "report.md")));

        static string[][] PiRows(string folder) =>
            File.ReadAllLines(Path.Combine(folder, "pi_metrics.csv")).Select(l => l.Split(',')).ToArray();
    }

    [Fact]
    public void MissingDataFolderNamesDataAndTheEnvironmentVariable()
    {
        if (Environment.GetEnvironmentVariable(TabularSuite.DataEnvironmentVariable) is not null) return; // the runner would find the data
        var e = Assert.Throws<TelescopeException>(() => RecipeRunner.Run(new RecipeCatalog([new TabularGbtRecipe()]),
            new RunRequest { Recipe = "tabular-gbt", Quick = true, Out = Path.Combine(_root, "nodata") }, SilentProgressReporter.Instance));
        Assert.Contains("--data", e.Hint);
        Assert.Contains("TELESCOPE_DATA", e.Hint);
    }

    [Fact]
    public void TestSizeAboveTheIrregularPoolIsAUserError()
    {
        var e = Assert.Throws<TelescopeException>(() => RunTiny("test_size=21"));
        Assert.Contains("irregular pool", e.Message);
    }

    [RealDataFact]
    [Trait("Category", "RealData")]
    public void TinyRunOnTheRealWineQualityData()
    {
        var result = RecipeRunner.Run(new RecipeCatalog([new TabularGbtRecipe()]),
            new RunRequest
            {
                Recipe = "tabular-gbt", Quick = true, Out = Path.Combine(_root, "real"),
                Assignments = [.. TinySettings.Where(a => !a.StartsWith("datasets=")), "datasets=wine_quality"],
            },
            SilentProgressReporter.Instance);
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(result.Folder, "summary.json")));
        var d = summary.RootElement.GetProperty("datasets").EnumerateArray().Single();
        Assert.Equal("wine_quality", d.GetProperty("dataset").GetString());
        Assert.Equal(6497, d.GetProperty("source_rows").GetInt32());
        Assert.InRange(d.GetProperty("gbt_smoother_max_abs_error").GetDouble(), 0, 1e-8);
    }

    [Fact]
    public void PiAnalysisMatchesHandComputedValues()
    {
        // Four tracked rows; two repetitions of π = 0 and π = 1 (the grid's ends are enough for the definitions).
        double[] y = [0, 1, 2, 3];
        double[] nn = [1, 1, 0, 3];      // squared errors 1, 0, 4, 0
        double[] gbt = [0, 2, 2, 1];     // squared errors 0, 1, 0, 4
        double[] wNn = [1, 2, 8, 4];
        double[] wGbt = [1, 1, 2, 1];
        var sets = new List<MixedTestSet>
        {
            new(0.0, 0, [0, 1], 0), new(1.0, 0, [2, 3], 2),
            new(0.0, 1, [0, 3], 0), new(1.0, 1, [2, 1], 2),
        };
        var reps = PiAnalysis.Repetitions(sets, y, nn, gbt, 0.5, wNn, wGbt);
        // rep 0, π=0: nn (1+0)/2, gbt (0+1)/2, const ((.5)²+(.5)²)/2 = .25, max w 2 and 1.
        Assert.Equal(new PiRepetition(0.0, 0, 0.5, 0.5, 0.25, 2, 1), reps[0]);
        // rep 0, π=1: nn (4+0)/2, gbt (0+4)/2, const (2.25+6.25)/2, max w 8 and 2.
        Assert.Equal(new PiRepetition(1.0, 0, 2, 2, 4.25, 8, 2), reps[1]);
        Assert.Equal(new PiRepetition(0.0, 1, 0.5, 2, 3.25, 4, 1), reps[2]);
        Assert.Equal(new PiRepetition(1.0, 1, 2, 0.5, 1.25, 8, 2), reps[3]);

        var points = PiAnalysis.Average(reps);
        // Δ: rep 0 → 0 (π=0), 0 (π=1); rep 1 → −1.5 (π=0), 1.5 (π=1). Δ̄(0) = −0.75, Δ̄(1) = 0.75, ρ(1) = 1.5/0.75 = 2.
        Assert.Equal(-0.75, points[0].Delta, 12);
        Assert.Equal(0.75, points[1].Delta, 12);
        Assert.Equal(2.0, points[1].RelativeGapIncrease, 12);
        Assert.Equal(0.0, points[0].RelativeGapIncrease, 12);
        Assert.Equal(Math.Sqrt(2 * 0.75 * 0.75), points[1].DeltaStd, 12);
        // W: rep 0 → 8/2 = 4, rep 1 → 8/4 = 2 (NN); trees 2/1 in both.
        Assert.Equal(3.0, points[1].WNn, 12);
        Assert.Equal(Math.Sqrt(2.0), points[1].WNnStd, 12);
        Assert.Equal(2.0, points[1].WGbt, 12);
        Assert.Equal(0.0, points[1].WGbtStd, 12);
        Assert.Equal(1.0, points[0].WNn, 12);
        // The report's slopes come from the verdict logic (TrendCheck), which replaced PiAnalysis.Slope.
        Assert.Equal(1.0, TrendCheck.Judge(SeededSeries.FromSingle([0, 1, 2], [1, 2, 3]), VerdictCriteria.Default, TrendDirection.Grows).Slope, 12);
    }
}
