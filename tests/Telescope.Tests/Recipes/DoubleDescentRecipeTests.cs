using System.Text.Json;
using Telescope.Recipes.DoubleDescent;
using Telescope.Runs;
using Telescope.Tests.Data;
using Xunit;

namespace Telescope.Tests.Recipes;

/// <summary>
/// In-process tiny runs of the double-descent recipe on the built-in synthetic images: run-folder files,
/// summary schema, invariants, and agreement of the two exact smoothers for plain gradient descent.
/// </summary>
public sealed class DoubleDescentRecipeTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "telescope-dd-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private static readonly string[] Tiny =
    [
        "data=synthetic", "train_size=24", "test_size=12", "test_probes=8", "widths=1,3,16", "max_steps=20", "converge_window=0", "log_every=10",
        "directions=4", "dtype=float64",
    ];

    private JsonElement Run(string name, params string[] extra) => RunIn(name, null, extra);

    private JsonElement RunIn(string name, string? dataDirectory, params string[] extra)
    {
        string folder = Path.Combine(_root, name);
        RecipeRunner.Run(new RecipeCatalog([new DoubleDescentRecipe()]),
            new RunRequest { Recipe = "double-descent", Quick = true, Out = folder, Assignments = [.. Tiny, .. extra], DataDirectory = dataDirectory },
            SilentProgressReporter.Instance);
        foreach (var file in new[] { "config.json", "metrics.csv", "summary.json", "report.md", "mse_vs_width.png", "mse_vs_width.svg", "p_vs_width.png", "p_vs_width.svg" })
            Assert.True(File.Exists(Path.Combine(folder, file)), $"{file} is missing");
        return JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "summary.json"))).RootElement;
    }

    [Fact]
    public void HutchinsonRunWritesTheDocumentedSchema()
    {
        // A small Adam rate keeps the run in the smooth regime, where the telescoping error is second order
        // (measured 2e-8 to 5e-6 over widths 1–16; at lr 3e-4 ReLU kink crossings dominate and it is ≈ 1e-4).
        var summary = Run("hutchinson", "label_noise=0.25,0", "lr.adam=3e-5");
        Assert.Equal("double-descent", summary.GetProperty("recipe").GetString());
        Assert.True(summary.GetProperty("synthetic_data").GetBoolean());
        var results = summary.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(6, results.Count);   // 2 noise levels × 3 widths
        foreach (var r in results)
        {
            foreach (var key in new[] { "label_noise", "width", "parameters", "train_mse", "test_mse", "p_train", "p_test", "p_train_se", "p_test_se" })
                Assert.True(r.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number, $"{key} missing or not a number");
            int width = r.GetProperty("width").GetInt32();
            Assert.Equal(width * (7 * 7 + 2) + 1, r.GetProperty("parameters").GetInt64());   // 28×28 pooled by 4 → 49 features
            foreach (var key in new[] { "train_mse", "test_mse", "p_train", "p_test", "p_train_se", "p_test_se" })
            {
                double v = r.GetProperty(key).GetDouble();
                Assert.True(double.IsFinite(v) && v >= 0, $"{key} = {v}");
            }
            foreach (var set in new[] { "fidelity_train", "fidelity_test" })
            {
                var fidelity = r.GetProperty(set);
                Assert.True(fidelity.GetProperty("telescoping_vs_network").GetDouble() < 2e-5, $"{set}: f̃ does not follow f");
                Assert.True(fidelity.GetProperty("surrogate_vs_telescoping").GetDouble() < 2e-5, $"{set}: f̂ does not follow f̃");
            }
        }
        Assert.Contains(results, r => r.GetProperty("label_noise").GetDouble() == 0.25);

        var csv = File.ReadAllLines(Path.Combine(_root, "hutchinson", "metrics.csv"));
        Assert.Equal("run,step,label_noise,width,parameters,train_mse,test_mse,test_error,p_train,p_test,p_train_se,p_test_se," +
            "p_net_train,p_net_train_se,p_net_test,p_net_test_se,p_net_gap_se,sensitivity_linearity,sensitivity_linearity_test,sensitivity_floor,sensitivity_difference," +
            "p_minus_p_net_train,p_minus_p_net_train_se,p_minus_p_net_test,p_minus_p_net_test_se,surrogate_sharpness", csv[0]);
        Assert.Equal(1 + 6 * 3, csv.Length);   // steps 0, 10, 20 per network
        Assert.Contains("Findings", File.ReadAllText(Path.Combine(_root, "hutchinson", "report.md")));
    }

    [Fact]
    public void RetrainingSensitivityAndStabilityAreReportedAtEveryWidth()
    {
        // p_net on (sensitivity = retraining); gd has the bound 2, and λ_t at a logged step is
        // γ·c·λ_max(J Jᵀ)/n, the same quantity the kernel recursion's residual map has.
        var summary = Run("pnet", "optimizer=gd", "lr.gd=0.05", "smoother=kernel", "label_noise=0", "sensitivity=retraining", "sensitivity_directions=3");
        Assert.Equal(2.0, summary.GetProperty("stability_bound").GetDouble());
        foreach (var r in summary.GetProperty("results").EnumerateArray())
        {
            Assert.Equal(8, r.GetProperty("retraining_members").GetInt32());   // 2·3 + the σ/4 pair
            foreach (var key in new[] { "p_net_train", "p_net_test", "p_net_train_se", "p_net_test_se", "sensitivity_linearity", "sensitivity_floor", "surrogate_sharpness" })
                Assert.True(r.GetProperty(key).ValueKind == JsonValueKind.Number && double.IsFinite(r.GetProperty(key).GetDouble()) && r.GetProperty(key).GetDouble() >= 0, key);
            Assert.True(r.TryGetProperty("step_surrogate_unstable", out _));
            // Plain GD at a small rate on a tiny net: the kernel smoother describes the network, so p ≈ p_net (within 20%).
            Assert.InRange(r.GetProperty("p_net_train").GetDouble(), 0.8 * r.GetProperty("p_train").GetDouble() - 1e-9, 1.2 * r.GetProperty("p_train").GetDouble() + 1e-9);
        }
        string report = File.ReadAllText(Path.Combine(_root, "pnet", "report.md"));
        Assert.Contains("p_net (retraining)", report);
        Assert.Contains("surrogate_sharpness λ_t", report);
        Assert.True(File.Exists(Path.Combine(_root, "pnet", "p_net_vs_width.png")));
    }

    [Fact]
    public void KernelAndExactLabelTangentSmoothersAgreeForGradientDescent()
    {
        // docs/method.md §4.3: for plain GD the exact-basis label tangents equal the kernel recursion of §2a — two
        // independent computations of the same S_T, so p_train and p_test must match to float64 rounding.
        string[] gd = ["optimizer=gd", "lr.gd=0.2", "label_noise=0.25", "widths=2,8"];
        var kernel = Run("kernel", [.. gd, "smoother=kernel"]).GetProperty("results").EnumerateArray().ToList();
        var exact = Run("exact", [.. gd, "smoother=exact"]).GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(kernel.Count, exact.Count);
        for (int i = 0; i < kernel.Count; i++)
            foreach (var key in new[] { "p_train", "p_test", "train_mse", "test_mse" })
            {
                double a = kernel[i].GetProperty(key).GetDouble(), b = exact[i].GetProperty(key).GetDouble();
                Assert.True(Math.Abs(a - b) <= 1e-8 * Math.Max(1, Math.Abs(a)), $"{key}: kernel {a} vs exact {b}");
            }
        Assert.True(kernel[1].GetProperty("p_train").GetDouble() > 0);
        // The kernel metrics file has no standard-error columns (exact smoother).
        Assert.DoesNotContain("p_train_se", File.ReadAllLines(Path.Combine(_root, "kernel", "metrics.csv"))[0]);
    }

    [Fact]
    public void KernelSmootherWithAdamIsAUserError()
    {
        var e = Assert.Throws<TelescopeException>(() => Run("bad", "smoother=kernel", "optimizer=adam"));
        Assert.Contains("exact only for plain gradient descent", e.Message);
    }

    [Fact]
    public void OddTrainingSizeIsAUserError()
    {
        var e = Assert.Throws<TelescopeException>(() => Run("odd", "train_size=23"));
        Assert.Contains("odd", e.Message);
    }

    [RealDataFact]
    [Trait("Category", "RealData")]
    public void MnistThreeVersusFiveIsClassBalancedAndPooled()
    {
        var summary = RunIn("mnist", RealDataFactAttribute.Folder.Path, "data=mnist");
        Assert.False(summary.GetProperty("synthetic_data").GetBoolean());
        Assert.Equal(49, summary.GetProperty("features").GetInt32());
        Assert.Contains("MNIST, class 3 (target +1) vs class 5", summary.GetProperty("data").GetString());
    }
}
