using System.Text.Json;
using Telescope.Cli;
using Telescope.Recipes;
using Telescope.Recipes.DesignChoices;
using Telescope.Runs;
using Xunit;

namespace Telescope.Tests.Recipes;

/// <summary>
/// The design-choices recipe end to end on tiny settings (synthetic images, a synthetic tabular set, seconds): the
/// documented folder and summary schema, the exactness checks as the recipe reports them (decomposition gap and the
/// homogeneous weight-decay identity below 1e-10 in float64), reproducibility from config and seed, bad input.
/// </summary>
public sealed class DesignChoicesRecipeTests() : TempFolderTest("telescope-design-")
{
    private readonly RecipeCatalog _catalog = new([new DesignChoicesRecipe(name => TabularGbtTests.Synthetic(name, rows: 500))]);

    internal static readonly string[] Tiny =
    [
        "data=synthetic", "train_size=80", "train_probes=16", "test_probes=16", "kernel_train=8", "kernel_test=6", "drift_probes=6",
        "hidden=10", "batch_size=16", "steps=30", "identity_steps=10", "log_every=5", "kernel_every=10", "kernel_directions=8",
        "identity_nets=relu-nobias,tanh-bias", "tab_train_size=100", "tab_pool_size=300", "tab_test_size=10", "tab_repetitions=2",
        "tab_hidden=8", "tab_steps=30", "tab_kernel_every=10", "tab_batch_size=16", "threads=1",
    ];

    private RunResult Run(string name, params string[] extra) => RecipeRunner.Run(_catalog,
        new RunRequest { Recipe = "design-choices", Quick = true, Assignments = [.. Tiny, .. extra], Out = Path.Combine(_root, name) },
        SilentProgressReporter.Instance);

    [Fact]
    public void TinyRunWritesTheDocumentedFolderAndSchema()
    {
        var folder = Run("a").Folder;
        foreach (var file in new[] { "config.json", "metrics.csv", "summary.json", "report.md", "contributions_per_input.csv", "contributions_sgd.png", "contributions_adamw.svg",
                     "weight_decay_identity.png", "momentum_share.png", "momentum_vs_rescaled.png", "kernel_alignment.png", "kernel_weights.svg" })
            Assert.True(File.Exists(Path.Combine(folder, file)), file);

        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "summary.json")));
        var root = summary.RootElement;
        Assert.Equal("design-choices", root.GetProperty("recipe").GetString());
        var results = root.GetProperty("results").EnumerateArray().ToList();
        // sgd 1 + sgd_momentum 2 + sgd_momentum_wd 3 + adam 2 + adamw 3 components (SGD at 0.05 is the rescaled run).
        Assert.Equal(11, results.Count);
        foreach (var r in results)
        {
            Assert.Contains(r.GetProperty("optimizer").GetString(), OptimizerChoice.All);
            Assert.True(double.IsFinite(r.GetProperty("contribution_train").GetDouble()));
            Assert.True(double.IsFinite(r.GetProperty("contribution_test").GetDouble()));
            Assert.True(r.GetProperty("decomposition_gap").GetDouble() < 1e-10);
        }
        var identity = root.GetProperty("weight_decay_identity");
        Assert.True(identity.GetProperty("homogeneous_max_step_deviation").GetDouble() < 1e-10);
        Assert.Contains(identity.GetProperty("runs").EnumerateArray(), r => !r.GetProperty("homogeneous").GetBoolean() && r.GetProperty("max_step_deviation").GetDouble() > 1e-3);
        var momentum = root.GetProperty("momentum");
        Assert.Equal(0.05, momentum.GetProperty("rescaled_learning_rate").GetDouble(), 12);
        Assert.True(momentum.GetProperty("gap_telescoped_final").GetDouble() > 0);
        Assert.True(momentum.GetProperty("gap_network_final").GetDouble() > 0);
        var kernel = root.GetProperty("adaptive_kernel");
        Assert.InRange(kernel.GetProperty("mnist").GetProperty("adam").GetProperty("alignment_test_final").GetDouble(), -1, 1);
        Assert.True(kernel.GetProperty("houses").GetProperty("adam").GetProperty("w1_own").GetDouble() > 0);

        var header = File.ReadLines(Path.Combine(folder, "metrics.csv")).First().Split(',');
        foreach (var column in new[] { "test_contribution_momentum", "wd_step_deviation_max", "carried_share_projection", "gap_relative_network", "kernel_alignment_test", "tab_w1_own" })
            Assert.Contains(column, header);
        string report = File.ReadAllText(Path.Combine(folder, "report.md"));
        foreach (var heading in new[] { "1. Functional contribution", "2. Weight decay", "3. Momentum", "4. Adaptive" })
            Assert.Contains(heading, report);
    }

    [Fact]
    public void SameConfigAndSeedGiveIdenticalMetrics()
    {
        string first = File.ReadAllText(Path.Combine(Run("first", "tabular=none").Folder, "metrics.csv"));
        var again = RecipeRunner.Run(_catalog, new RunRequest { ConfigPath = Path.Combine(_root, "first", "config.json"), Out = Path.Combine(_root, "again") },
            SilentProgressReporter.Instance);
        Assert.Equal(first, File.ReadAllText(Path.Combine(again.Folder, "metrics.csv")));
    }

    [Fact]
    public void CoupledAdamDecayIsTrackedButNotCheckedAsShrinkage()
    {
        var folder = Run("coupled", "tabular=none", "adam_weight_decay=0.01", "optimizers=adam", "identity_nets=").Folder;
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "summary.json")));
        var root = summary.RootElement;
        Assert.Contains(root.GetProperty("results").EnumerateArray(), r => r.GetProperty("component").GetString() == "weight_decay");
        Assert.Empty(root.GetProperty("weight_decay_identity").GetProperty("runs").EnumerateArray());
    }

    [Fact]
    public void BadSettingsAreUserErrorsWithoutAFolder()
    {
        foreach (var bad in new[] { "kernel_every=7", "kernel_train=99", "momentum=0", "identity_nets=gelu-bias" })
        {
            var output = new StringWriter();
            var error = new StringWriter();
            int code = TelescopeCli.Invoke(["run", "design-choices", "--quick", .. Tiny.Append(bad).SelectMany(a => new[] { "--set", a }), "--out", Path.Combine(_root, "bad")],
                _catalog, output, error, CancellationToken.None);
            Assert.Equal(2, code);
            Assert.Contains(bad.Split('=')[0], error.ToString());
        }
        Assert.Empty(Directory.GetFileSystemEntries(_root));
    }
}
