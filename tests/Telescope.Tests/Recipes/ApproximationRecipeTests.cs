using System.Text.Json;
using Telescope.Cli;
using Telescope.Recipes.Approximation;
using Telescope.Runs;
using Xunit;

namespace Telescope.Tests.Recipes;

/// <summary>
/// The approximation recipe end to end on tiny settings (synthetic images, seconds): the run folder, the
/// machine-readable schema, reproducibility from config and seed, and the bad-input paths.
/// </summary>
public class ApproximationRecipeTests() : TempFolderTest("telescope-approx-")
{
    private readonly RecipeCatalog _catalog = new([new ApproximationRecipe()]);

    private static readonly string[] Tiny =
    [
        "data=synthetic", "train_size=96", "test_probes=24", "train_probes=12", "hidden=12", "batch_size=16",
        "steps=12", "log_every=4", "optimizers=sgd,adamw", "lr.sgd=0.01,0.1", "default_lr.sgd=0.01",
        "lr.adamw=0.0001,0.001", "default_lr.adamw=0.001", "threads=1",
    ];

    private RunResult Run(string name, params string[] extra) => RecipeRunner.Run(_catalog,
        new RunRequest { Recipe = "approximation", Quick = true, Assignments = [.. Tiny, .. extra], Out = Path.Combine(_root, name) },
        SilentProgressReporter.Instance);

    private (int Code, string Out, string Err) Cli(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = TelescopeCli.Invoke(args, _catalog, output, error, CancellationToken.None);
        return (code, output.ToString(), error.ToString());
    }

    private static string[] CliSets(params string[] extra) => [.. Tiny.Concat(extra).SelectMany(a => new[] { "--set", a })];

    [Fact]
    public void TinyRunWritesTheDocumentedFolder()
    {
        var folder = Run("a").Folder;
        foreach (var file in new[] { "config.json", "metrics.csv", "summary.json", "report.md", "error_vs_learning_rate.png",
                     "error_vs_learning_rate.svg", "error_and_accuracy_sgd.png", "error_and_accuracy_adamw.svg" })
            Assert.True(File.Exists(Path.Combine(folder, file)), file);

        var lines = File.ReadAllLines(Path.Combine(folder, "metrics.csv"));
        var header = lines[0].Split(',');
        Assert.Equal(["run", "step"], header[..2]);
        foreach (var column in new[] { "err_abs_telescoping", "err_abs_linear", "err_rel_telescoping", "err_rel_linear", "acc_network", "acc_telescoping", "acc_linear" })
            Assert.Contains(column, header);
        Assert.Equal(1 + 4 * 4, lines.Length);   // 4 sub-runs × steps {0, 4, 8, 12}
        Assert.StartsWith("sgd_lr=0.01,0,", lines[1]);

        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "summary.json")));
        var root = summary.RootElement;
        Assert.Equal("approximation", root.GetProperty("recipe").GetString());
        Assert.Equal(0.01, root.GetProperty("default_learning_rate").GetProperty("sgd").GetDouble());
        Assert.Equal(0.001, root.GetProperty("default_learning_rate").GetProperty("adamw").GetDouble());
        var results = root.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(4, results.Count);
        foreach (var r in results)
        {
            Assert.Contains(r.GetProperty("optimizer").GetString(), new[] { "sgd", "adamw" });
            double tele = r.GetProperty("err_abs_telescoping").GetDouble(), lin = r.GetProperty("err_abs_linear").GetDouble();
            Assert.True(double.IsFinite(tele) && tele > 0 && double.IsFinite(lin), $"errors {tele}, {lin}");
            foreach (var key in new[] { "acc_network", "acc_telescoping", "acc_linear" })
                Assert.InRange(r.GetProperty(key).GetDouble(), 0, 1);
        }
        string report = File.ReadAllText(Path.Combine(folder, "report.md"));
        Assert.Contains("## Findings", report);
        Assert.Contains("not MNIST", report);
    }

    [Fact]
    public void SameConfigAndSeedGiveIdenticalMetrics_AndAnotherSeedDoesNot()
    {
        string first = File.ReadAllText(Path.Combine(Run("first").Folder, "metrics.csv"));
        string second = File.ReadAllText(Path.Combine(Run("second").Folder, "metrics.csv"));
        Assert.Equal(first, second);

        var again = RecipeRunner.Run(_catalog, new RunRequest { ConfigPath = Path.Combine(_root, "first", "config.json"), Out = Path.Combine(_root, "third") },
            SilentProgressReporter.Instance);
        Assert.Equal(first, File.ReadAllText(Path.Combine(again.Folder, "metrics.csv")));

        string other = File.ReadAllText(Path.Combine(Run("other", "seed=1").Folder, "metrics.csv"));
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void DivergenceStopsWithAClearErrorAndNoFolder()
    {
        string target = Path.Combine(_root, "diverged");
        var (code, _, error) = Cli(["run", "approximation", "--quick", .. CliSets("lr.sgd=1e6", "default_lr.sgd=1e6", "activation=identity"), "--out", target]);
        Assert.Equal(2, code);
        Assert.Contains("sgd_lr=1E+06", error);
        Assert.Contains("learning rate", error);
        Assert.False(Directory.Exists(target));
        Assert.Empty(Directory.GetFileSystemEntries(_root));
    }

    [Fact]
    public void DivergenceCanBeRecordedInsteadOfStopping()
    {
        var folder = Run("recorded", "lr.sgd=0.01,1e6", "activation=identity", "stop_on_divergence=false").Folder;
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "summary.json")));
        var diverged = summary.RootElement.GetProperty("results").EnumerateArray()
            .Single(r => r.GetProperty("learning_rate").GetDouble() == 1e6);
        Assert.True(diverged.GetProperty("diverged_at_step").GetInt32() >= 1);
        Assert.Contains("Diverged", File.ReadAllText(Path.Combine(folder, "report.md")));
    }

    [Fact]
    public void BadSettingsAreUserErrors()
    {
        var (code, _, error) = Cli(["run", "approximation", "--quick", .. CliSets("default_lr.sgd=0.5"), "--out", Path.Combine(_root, "x")]);
        Assert.Equal(2, code);
        Assert.Contains("default_lr.sgd", error);

        (code, _, error) = Cli("run", "approximation", "--quick", "--set", "optimizers=sgd,rmsprop", "--out", Path.Combine(_root, "y"));
        Assert.Equal(2, code);
        Assert.Contains("rmsprop", error);

        (code, _, error) = Cli("run", "approximation", "--quick", "--set", "stepz=3", "--out", Path.Combine(_root, "z"));
        Assert.Equal(2, code);
        Assert.Contains("steps", error);   // the closest valid key is suggested
        Assert.Empty(Directory.GetFileSystemEntries(_root));
    }

    [Fact]
    public void MissingOrCorruptDataFilesAreUserErrorsNamingTheFile()
    {
        string data = Path.Combine(_root, "data");
        Directory.CreateDirectory(Path.Combine(data, "mnist"));
        var (code, _, error) = Cli(["run", "approximation", "--quick", .. CliSets("data=mnist"), "--data", data, "--out", Path.Combine(_root, "m")]);
        Assert.Equal(2, code);
        Assert.Contains("train", error);

        // A file with a known name but the wrong content: the checksum check names it.
        foreach (var name in new[] { "train-10k-images-idx3-ubyte.gz", "train-10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz" })
            File.WriteAllBytes(Path.Combine(data, "mnist", name), [1, 2, 3, 4]);
        (code, _, error) = Cli(["run", "approximation", "--quick", .. CliSets("data=mnist"), "--data", data, "--out", Path.Combine(_root, "m")]);
        Assert.Equal(2, code);
        Assert.Contains("ubyte.gz", error);
        Assert.Contains("sha256", error);

        (code, _, error) = Cli(["run", "approximation", "--quick", .. CliSets("data=mnist"), "--data", Path.Combine(_root, "nowhere"), "--out", Path.Combine(_root, "m")]);
        Assert.Equal(2, code);
        Assert.Contains("nowhere", error);
        Assert.Equal(["data"], Directory.GetFileSystemEntries(_root).Select(Path.GetFileName));
    }
}
