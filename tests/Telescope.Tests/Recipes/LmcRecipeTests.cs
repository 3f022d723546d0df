using System.Text.Json;
using Telescope.Cli;
using Telescope.Recipes.Lmc;
using Telescope.Runs;
using Telescope.Tests.Data;
using Xunit;

namespace Telescope.Tests.Recipes;

/// <summary>The lmc recipe: bad input fails with exit code 2 and leaves no run folder; a tiny real-data run is consistent.</summary>
public sealed class LmcRecipeTests() : TempFolderTest("telescope-lmc-")
{
    /// <summary>Small enough for seconds: w = 2, 8 steps, spawns at 0 and 4, 64 main and 64 pretraining images.</summary>
    private static readonly string[] Tiny =
    [
        "width=2", "steps=8", "spawn_steps=0,4", "pretrain_steps=4", "train_size=64", "pretrain_offset=64", "pretrain_size=64",
        "test_size=100", "probes=4", "batch_size=16", "bn_batches=2", "warmup_steps=2", "log_every=2",
    ];

    private (int Code, string Err) Cli(string data, params string[] assignments)
    {
        var args = new List<string> { "run", "lmc", "--quick", "--out", Path.Combine(_root, "run"), "--data", data };
        foreach (var a in Tiny.Concat(assignments)) { args.Add("--set"); args.Add(a); }
        var output = new StringWriter();
        var error = new StringWriter();
        int code = TelescopeCli.Invoke(args.ToArray(), new RecipeCatalog([new LmcRecipe()]), output, error, CancellationToken.None);
        return (code, error.ToString());
    }

    private static string DataOrEmpty => Environment.GetEnvironmentVariable("TELESCOPE_DATA") is { Length: > 0 } d ? d : "/nonexistent-data";

    [Theory]
    [InlineData("spawn_steps=0,8", "[0, T = 8)")]
    [InlineData("spawn_steps=-1,2", "spawn_steps")]
    [InlineData("alphas=0.25,0.5,1", "must be strictly increasing from 0 to 1")]
    [InlineData("alphas=0,0.25,1", "must contain 0.5")]
    [InlineData("pretrain_offset=32", "overlaps the main subset")]
    [InlineData("norm=layernorm", "norm")]
    [InlineData("arms=random,finetuned", "arms")]
    [InlineData("norm=groupnorm;groups=3", "must divide the width")]
    public void BadSettingsExitWithTwoAndLeaveNoFolder(string assignment, string expected)
    {
        var (code, err) = Cli(DataOrEmpty, assignment.Split(';'));
        Assert.Equal(2, code);
        Assert.Contains(expected, err);
        Assert.Empty(Directory.GetFileSystemEntries(_root));
    }

    [Fact]
    public void MissingCifarExitsWithTwoAndNamesTheFiles()
    {
        string empty = Directory.CreateTempSubdirectory("telescope-lmc-nodata-").FullName;
        try
        {
            var (code, err) = Cli(empty);
            Assert.Equal(2, code);
            Assert.Contains("cifar10-train-10k.bin", err);
            Assert.False(Directory.Exists(Path.Combine(_root, "run")));
        }
        finally { Directory.Delete(empty, true); }
    }

    [Fact]
    public void CorruptCifarExitsWithTwoAndNamesTheFile()
    {
        string data = Directory.CreateTempSubdirectory("telescope-lmc-corrupt-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(data, "cifar10"));
            File.WriteAllBytes(Path.Combine(data, "cifar10", "cifar10-train-10k.bin.gz"), [1, 2, 3, 4]);
            File.WriteAllBytes(Path.Combine(data, "cifar10", "cifar10-test-10k.bin.gz"), [1, 2, 3, 4]);
            var (code, err) = Cli(data);
            Assert.Equal(2, code);
            Assert.Contains("cifar10-train-10k.bin.gz", err);
            Assert.False(Directory.Exists(Path.Combine(_root, "run")));
        }
        finally { Directory.Delete(data, true); }
    }

    [RealDataFact]
    [Trait("Category", "RealData")]
    public void TinyRunWritesTheSpecifiedSummaryAndMetrics()
    {
        var (code, err) = Cli(DataOrEmpty);
        Assert.True(code == 0, err);
        string folder = Path.Combine(_root, "run");
        var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "summary.json"))).RootElement;
        Assert.Equal("lmc", summary.GetProperty("recipe").GetString());
        var results = summary.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal(4, results.Length);   // 2 arms × 2 spawn steps
        foreach (var r in results)
        {
            double a1 = r.GetProperty("acc_child_1").GetDouble(), a2 = r.GetProperty("acc_child_2").GetDouble(), mid = r.GetProperty("acc_midpoint").GetDouble();
            Assert.Equal((a1 + a2) / 2 - mid, r.GetProperty("accuracy_drop").GetDouble(), 12);
            Assert.True(r.GetProperty("barrier").GetDouble() >= r.GetProperty("accuracy_drop").GetDouble() - 1e-12);
            Assert.True(r.GetProperty("loss_barrier").GetDouble() >= 0);
            foreach (var key in new[] { "path_nonlinearity", "linearization_gap" })
                Assert.True(double.IsFinite(r.GetProperty(key).GetDouble()) && r.GetProperty(key).GetDouble() >= 0, key);
            var groups = r.GetProperty("gradient_change").EnumerateObject().Select(p => p.Name).ToArray();
            Assert.Equal(11, groups.Length);
            Assert.Equal("stem", groups[0]);
            Assert.Equal("classifier", groups[^1]);
            Assert.Contains(r.GetProperty("arm").GetString(), new[] { "random", "pretrained" });
        }
        var lines = File.ReadAllLines(Path.Combine(folder, "metrics.csv"));
        Assert.Equal("run,step,spawn_step,alpha,test_accuracy,test_loss,train_loss,learning_rate", lines[0]);
        Assert.Equal(4 * 5, lines.Count(l => l.Contains("_path,")));                // one row per (arm, t′, α), quick α grid of 5
        Assert.Contains(lines, l => l.StartsWith("random_t=4_child=1,8,"));          // children's training curves
        Assert.Contains(lines, l => l.StartsWith("pretrained_t=0_child=2,"));
        foreach (var figure in new[] { "accuracy-drop", "gradient-change-random", "gradient-change-pretrained", "path-accuracy-random", "function-gaps" })
            Assert.True(File.Exists(Path.Combine(folder, figure + ".png")), figure);
        Assert.Contains("docs/method.md §9 expects", File.ReadAllText(Path.Combine(folder, "report.md")));
    }

    [RealDataFact]
    [Trait("Category", "RealData")]
    public void HutchinsonAndInterpolatedStatisticsOptionsRun()
    {
        var (code, err) = Cli(DataOrEmpty, "arms=random", "gradient_method=hutchinson", "directions=3", "bn_mode=interpolate", "norm=groupnorm", "groups=2");
        Assert.True(code == 0, err);
        var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(_root, "run", "summary.json"))).RootElement;
        Assert.Equal("hutchinson", summary.GetProperty("gradient_method").GetString());
        foreach (var r in summary.GetProperty("results").EnumerateArray())
        {
            Assert.Equal("random", r.GetProperty("arm").GetString());
            foreach (var g in r.GetProperty("gradient_change_se").EnumerateObject())
                Assert.True(g.Value.GetDouble() >= 0 && double.IsFinite(r.GetProperty("gradient_change").GetProperty(g.Name).GetDouble()), g.Name);
        }
    }
}
