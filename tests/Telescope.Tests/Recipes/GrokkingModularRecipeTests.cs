using System.Text.Json;
using Telescope.Recipes.GrokkingModular;
using Telescope.Runs;
using Xunit;

namespace Telescope.Tests.Recipes;

/// <summary>
/// grokking-modular end to end on tiny settings (p = 5, a width-8 transformer, float64, seconds): the documented run
/// folder with every measurement on and the split of the table. Ctrl+C and SIGKILL mid sub-run + resume, and shards
/// merged, are <see cref="Runs.SweepRecipeTests"/>' cases on the same settings.
/// </summary>
public sealed class GrokkingModularRecipeTests() : TempFolderTest("telescope-modular-")
{
    private readonly RecipeCatalog _catalog = new([new GrokkingModularRecipe()]);

    internal static readonly string[] Tiny =
    [
        "p=5", "train_fractions=0.6", "weight_decays=0.5,1", "d_model=8", "heads=2", "d_mlp=16", "lr=0.01", "steps=12",
        "log_per_decade=2", "log_every=4", "telescoping_probes=4", "spectrum_probes=2", "spectrum_top_k=3", "dtype=float64", "threads=1",
    ];

    private RunResult Run(string name) =>
        RecipeRunner.Run(_catalog, new RunRequest { Recipe = "grokking-modular", Quick = true, Assignments = Tiny, Out = Path.Combine(_root, name) },
            SilentProgressReporter.Instance);

    [Fact]
    public void TinyRunWritesTheDocumentedFolder()
    {
        var folder = Run("a").Folder;
        foreach (var file in new[] { "config.json", "metrics.csv", "summary.json", "report.md", "accuracy_fraction_0.6.png", "p_net_fraction_0.6.png",
            "alignment_fraction_0.6.png", "alignment_centered_fraction_0.6.png", "telescoping_fraction_0.6.png", "spectrum.png" })
            Assert.True(File.Exists(Path.Combine(folder, file)), file);
        var lines = File.ReadAllLines(Path.Combine(folder, "metrics.csv"));
        Assert.Equal("run,step," + string.Join(",", GrokkingModularOutput.Columns), lines[0]);
        // Logged steps 0, 1, 3, 4, 8, 10, 12 (two per decade: 1, 3.16, 10; every 4) for each of the two weight decays.
        Assert.Equal(1 + 2 * 7, lines.Length);
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "summary.json")));
        var runs = summary.RootElement.GetProperty("runs");
        Assert.Equal(2, runs.GetArrayLength());
        Assert.Equal(15, runs[0].GetProperty("train_pairs").GetInt32());   // round(0.6 · 25)
        Assert.Equal(10, runs[0].GetProperty("test_pairs").GetInt32());
        Assert.True(runs[0].GetProperty("p_net_train_final").GetDouble() > 0);
        Assert.Equal(9, summary.RootElement.GetProperty("verdicts").GetArrayLength());   // 4 per grid point (the centred alignment on by default) + 1 trend
        Assert.True(runs[0].GetProperty("alignment_test_centered_final").GetDouble() is > 0 and <= 1);
        string report = File.ReadAllText(Path.Combine(folder, "report.md"));
        Assert.Contains("## Findings", report);
        Assert.Contains("p_net_test is clearly below p_net_train", report);
    }

    [Fact]
    public void TheTableIsSplitWithoutOverlapAndLabelledByTheOperation()
    {
        foreach (var op in ModularTask.Operations)
        {
            var task = new ModularTask(op, 7, splitSeed: 3);
            using var split = task.Split(0.4, TorchSharp.torch.ScalarType.Float64, TorchSharp.torch.CPU);
            var pairs = new HashSet<(long, long)>();
            foreach (var part in new[] { split.Train, split.Test })
            {
                var tokens = part.Inputs.data<double>().ToArray();
                var classes = part.Classes.data<long>().ToArray();
                for (int i = 0; i < part.Count; i++)
                {
                    long a = (long)tokens[3 * i], b = (long)tokens[3 * i + 1];
                    Assert.Equal(7, tokens[3 * i + 2]);   // '='
                    Assert.True(pairs.Add((a, b)), $"pair ({a}, {b}) twice");
                    long expected = op switch { "add" => a + b, "subtract" => a - b + 7, "multiply" => a * b, _ => a * a + b * b } % 7;
                    Assert.Equal(expected, classes[i]);
                }
            }
            Assert.Equal(49, pairs.Count);
            Assert.Equal(20, split.Train.Count);   // round(0.4 · 49)
        }
        Assert.Throws<TelescopeException>(() => new ModularTask("add", 7, 0).TrainCount(0.001));
    }
}
