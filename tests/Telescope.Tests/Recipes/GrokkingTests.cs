using System.Text.Json;
using Telescope.Recipes.Grokking;
using Telescope.Models;
using Telescope.Runs;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Telescope.Tests.Recipes;

public sealed class GrokkingTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "telescope-grokking-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void PlateauIsTheFirstStepWithinTenPercentOfTheFinalValue()
    {
        // Drop 1.0 → 0.0: within 0.1 of 0 first at step 30 (0.08), although it bounces out again at step 40.
        var series = new List<(double, double)> { (0, 1.0), (10, 0.5), (20, 0.2), (30, 0.08), (40, 0.15), (50, 0.0) };
        Assert.Equal(30, Plateau.FirstStepNearFinal(series));
        // A rising curve (p, accuracy) is handled the same way: within 10% of the rise 0 → 10 means ≥ 9.
        Assert.Equal(20, Plateau.FirstStepNearFinal([(0, 0), (10, 8.9), (20, 9.0), (30, 10)]));
        // A flat curve has settled at once; the boundary counts as settled.
        Assert.Equal(5, Plateau.FirstStepNearFinal([(5, 2.0), (6, 2.0)]));
        Assert.Equal(1, Plateau.FirstStepNearFinal([(0, 1.0), (1, 0.1), (2, 0.0)]));
        Assert.Throws<ArgumentException>(() => Plateau.FirstStepNearFinal([(1, 1.0), (1, 0.0)]));
        Assert.Throws<ArgumentException>(() => Plateau.FirstStepNearFinal([]));
    }

    [Fact]
    public void LogScheduleHoldsZeroTheGeometricGridTheIntervalAndTheEnd()
    {
        var steps = LogSchedule.Steps(1000, perDecade: 1, every: 300);
        Assert.Equal([0, 1, 10, 100, 300, 600, 900, 1000], steps);
        Assert.Equal([0, 1, 2, 3], LogSchedule.Steps(3, perDecade: 20, every: 100));
    }

    [Fact]
    public void MnistConfigurationParsesActivationAndAlpha()
    {
        var c = MnistConfiguration.Parse("sigmoid:1");
        Assert.Equal(ActivationKind.Sigmoid, c.Activation.Kind);
        Assert.Equal(1.0, c.Alpha);
        Assert.Equal("relu_alpha=8", MnistConfiguration.Parse("relu:8").Label);
        Assert.Throws<TelescopeException>(() => MnistConfiguration.Parse("relu"));
        Assert.Throws<TelescopeException>(() => MnistConfiguration.Parse("relu:-1"));
        Assert.Throws<TelescopeException>(() => MnistConfiguration.Parse("swish:2"));
    }

    /// <summary>
    /// With ε = 0 the network is linear in x, so its tangent kernel K = (α²/N)·X Xᵀ never changes and full-batch GD
    /// on (c/2)·mean (f − y)² has the closed form r_T = (I − γcK/n)^T r_0 and S_T(X_train) = I − (I − γcK/n)^T.
    /// The recipe's p_train and train MSE must match it (independent of the smoother and the optimizer code).
    /// </summary>
    [Fact]
    public void PolyRecipeMatchesClosedFormGradientDescentOnALinearModel()
    {
        const int d = 5, n = 30, testSize = 40, width = 20, steps = 25, seed = 3;
        const double alpha = 1.5, c = 0.7, lrFactor = 1.0;
        var folder = Run(new GrokkingPolyRecipe(), "poly",
            ["epsilons=0", $"alpha={alpha}", $"width={width}", $"input_dim={d}", $"train_size={n}", $"test_size={testSize}",
             "test_probes=10", $"steps={steps}", "log_every=5", $"loss_scale={c}", $"lr_factor={lrFactor}", "dtype=float64", $"seed={seed}"]);

        // The task as the recipe documents it: β, then the training inputs, from one generator seeded with the run seed.
        using var scope = torch.NewDisposeScope();
        using var generator = new Generator(seed, device: torch.CPU);
        var beta = torch.randn([d, 1], dtype: ScalarType.Float64, generator: generator);
        using var rootD = Math.Sqrt(d).ToScalar();
        using var half = 0.5.ToScalar();
        var x = torch.randn([n, d], dtype: ScalarType.Float64, generator: generator).div(rootD);
        var y = x.mm(beta).pow(TorchScalars.Two).mul(half);
        var network = new Mlp(new MlpOptions
        {
            InputSize = d, HiddenWidths = [width], OutputSize = 1, Activation = Activation.Polynomial(0), Bias = false,
            HiddenWeightStd = 1.0, FixedReadout = alpha / width, DType = ScalarType.Float64,
        }, seed + 1);
        Tensor r0;
        using (torch.no_grad()) r0 = network.forward(x) - y;
        double gamma = lrFactor * width / (alpha * alpha);
        using var kernelScale = (alpha * alpha / width).ToScalar();
        using var stepScale = (gamma * c / n).ToScalar();
        var kernel = x.mm(x.t()).mul(kernelScale);
        var contraction = torch.eye(n, dtype: ScalarType.Float64) - kernel.mul(stepScale);
        var power = torch.eye(n, dtype: ScalarType.Float64);
        for (int t = 0; t < steps; t++) power = power.mm(contraction);
        double pTrain = (torch.eye(n, dtype: ScalarType.Float64) - power).pow(TorchScalars.Two).sum().item<double>();
        double trainMse = power.mm(r0).pow(TorchScalars.Two).mean().item<double>();

        var result = Summary(folder).GetProperty("results")[0];
        Assert.Equal(0.0, result.GetProperty("epsilon").GetDouble());
        Assert.Equal(pTrain, result.GetProperty("p_train").GetDouble(), 1e-8 * pTrain);
        Assert.Equal(trainMse, result.GetProperty("train_mse").GetDouble(), 1e-9 * trainMse);
        // The surrogate of a linear model is the model: the fidelity gap is round-off.
        Assert.True(result.GetProperty("fidelity_train_surrogate_vs_network").GetDouble() < 1e-10);
    }

    [Fact]
    public void PolyRecipeWritesTheDocumentedFilesAndSchema()
    {
        var folder = Run(new GrokkingPolyRecipe(), "poly-schema",
            ["epsilons=0.02,0.5", "width=16", "input_dim=4", "train_size=20", "test_size=15", "test_probes=6", "steps=12", "log_every=4", "lr_factor=1"]);
        foreach (var file in new[] { "config.json", "metrics.csv", "summary.json", "report.md", "findings.json", "dynamics_eps=0.02.png", "dynamics_eps=0.5.svg",
                     "spectrum_eps=0.02.png", "eigenvalues_eps=0.5.svg" })
            Assert.True(File.Exists(Path.Combine(folder, file)), file);
        var header = File.ReadLines(Path.Combine(folder, "metrics.csv")).First().Split(',');
        // The spectrum view is on by default (spectrum_probes = 64, clamped to the 15 test examples).
        Assert.Equal(["run", "step", "epsilon", "train_mse", "test_mse", "p_train", "p_test", .. Telescope.Recipes.Sensitivity.SensitivityColumns.Names,
            "kernel_lambda_1", "kernel_lambda_k", "alignment_train", "alignment_test", "energy_top_k", "rotation"], header);
        var results = Summary(folder).GetProperty("results");
        Assert.Equal(2, results.GetArrayLength());
        foreach (var r in results.EnumerateArray())
        {
            foreach (var key in new[] { "train_mse", "test_mse", "p_train", "p_test" })
                Assert.True(double.IsFinite(r.GetProperty(key).GetDouble()), key);
            Assert.InRange(r.GetProperty("p_train").GetDouble(), 0, 20);
            Assert.InRange(r.GetProperty("step_train_plateau").GetInt32(), 0, 12);
            Assert.InRange(r.GetProperty("step_test_plateau").GetInt32(), 0, 12);
        }
        Assert.Contains("## Findings", File.ReadAllText(Path.Combine(folder, "report.md")));
    }

    [Fact]
    public void MnistRecipeOnSyntheticImagesWritesTheDocumentedFilesAndSchema()
    {
        var folder = Run(new GrokkingMnistRecipe(), "mnist",
            ["data=synthetic", "configs=relu:2,sigmoid:1", "train_size=30", "test_size=20", "test_probes=8", "hidden=6,5",
             "batch_size=10", "steps=9", "directions=3", "log_every=3", "smoother=label-tangent"]);
        var header = File.ReadLines(Path.Combine(folder, "metrics.csv")).First().Split(',');
        foreach (var column in new[] { "run", "step", "train_error", "test_error", "p_train", "p_test", "p_train_se", "p_test_se", "p_gap_se" })
            Assert.Contains(column, header);
        var summary = Summary(folder);
        Assert.True(summary.GetProperty("synthetic_data").GetBoolean());
        var results = summary.GetProperty("results");
        Assert.Equal(2, results.GetArrayLength());
        Assert.Equal("relu", results[0].GetProperty("activation").GetString());
        Assert.Equal("sigmoid", results[1].GetProperty("activation").GetString());
        Assert.Equal(2.0, results[0].GetProperty("alpha").GetDouble());
        foreach (var r in results.EnumerateArray())
        {
            Assert.InRange(r.GetProperty("train_error").GetDouble(), 0, 1);
            Assert.InRange(r.GetProperty("test_error").GetDouble(), 0, 1);
            foreach (var key in new[] { "p_train", "p_test", "p_train_se", "p_test_se", "p_gap_se" })
                Assert.True(double.IsFinite(r.GetProperty(key).GetDouble()) && r.GetProperty(key).GetDouble() >= 0, key);
            Assert.InRange(r.GetProperty("step_train_plateau").GetInt32(), 0, 9);
            Assert.True(r.TryGetProperty("step_p_unreliable", out _), "step_p_unreliable");
        }
        string report = File.ReadAllText(Path.Combine(folder, "report.md"));
        Assert.Contains("not MNIST", report);
        Assert.True(report.Contains("p_train stays ≤ 1.25·n = 37.5") || report.Contains("p is not a measurement"), "reliability finding");
    }

    [Fact]
    public void MnistRecipeWithoutTheSmootherReportsPNetAndTheAdamBound()
    {
        var folder = Run(new GrokkingMnistRecipe(), "pnet",
            ["data=synthetic", "configs=relu:2", "train_size=30", "test_size=20", "test_probes=8", "hidden=6,5",
             "batch_size=10", "steps=12", "log_every=4", "smoother=none", "sensitivity=retraining", "sensitivity_linearity=true", "dtype=float64"]);
        var summary = Summary(folder);
        Assert.Equal("none", summary.GetProperty("smoother").GetString());
        Assert.Equal(38.0, summary.GetProperty("stability_bound").GetDouble(), 10);
        var r = summary.GetProperty("results")[0];
        Assert.Equal(6, r.GetProperty("retraining_members").GetInt32());
        foreach (var key in new[] { "p_net_train", "p_net_test", "p_net_train_se", "p_net_gap_se", "surrogate_sharpness", "sensitivity_linearity" })
            Assert.True(double.IsFinite(r.GetProperty(key).GetDouble()), key);
        // No smoother: p is an empty cell (not measured), p_net is filled at every logged step after 0.
        var lines = File.ReadAllLines(Path.Combine(folder, "metrics.csv"));
        var header = lines[0].Split(',');
        int p = Array.IndexOf(header, "p_train"), net = Array.IndexOf(header, "p_net_train");
        Assert.All(lines.Skip(2), l => { var cells = l.Split(','); Assert.Equal("", cells[p]); Assert.NotEqual("", cells[net]); });
        string report = File.ReadAllText(Path.Combine(folder, "report.md"));
        Assert.Contains("From p_net (retraining, docs/method.md §5.2)", report);
        Assert.Contains("adam: λ < 2(1+β1)/(1−β1) = 38", report);
    }

    [Fact]
    public void MnistWithoutTheSmootherHasNoUnreliableStepAndNoNaNInItsProgressLines()
    {
        // Issue 10: without the smoother p is not measured, so it cannot be "unreliable" (null, not step 1), and the
        // progress line prints p_net and λ but no "p_train NaN±NaN".
        var statuses = new List<string>();
        string output = Path.Combine(_root, "no-smoother");
        RecipeRunner.Run(new RecipeCatalog([new GrokkingMnistRecipe()]), new RunRequest
        {
            Recipe = "grokking-mnist", Quick = true, Out = output,
            Assignments = ["data=synthetic", "configs=relu:2", "train_size=30", "test_size=20", "test_probes=8", "hidden=6",
                "batch_size=10", "steps=8", "log_every=4", "smoother=none", "sensitivity=retraining"],
        }, new StatusRecorder(statuses));
        var r = Summary(output).GetProperty("results")[0];
        Assert.Equal(JsonValueKind.Null, r.GetProperty("step_p_unreliable").ValueKind);
        Assert.Equal(JsonValueKind.Null, r.GetProperty("p_train").ValueKind);
        Assert.NotEmpty(statuses);
        Assert.All(statuses, line =>
        {
            Assert.DoesNotContain("NaN", line);
            Assert.DoesNotContain("p_train", line);
            Assert.Contains("p_net", line);
            Assert.Contains("λ", line);
        });
        // With the smoother the same line carries p.
        statuses.Clear();
        RecipeRunner.Run(new RecipeCatalog([new GrokkingMnistRecipe()]), new RunRequest
        {
            Recipe = "grokking-mnist", Quick = true, Out = Path.Combine(_root, "smoother"),
            Assignments = ["data=synthetic", "configs=relu:2", "train_size=30", "test_size=20", "test_probes=8", "hidden=6",
                "batch_size=10", "steps=8", "log_every=4", "smoother=label-tangent", "sensitivity=none", "stability_iterations=0"],
        }, new StatusRecorder(statuses));
        Assert.All(statuses, line => { Assert.Contains("p_train", line); Assert.DoesNotContain("p_net", line); Assert.DoesNotContain("λ", line); });
    }

    /// <summary>Records every status line the recipe sets.</summary>
    private sealed class StatusRecorder(List<string> statuses) : IProgressReporter
    {
        public IProgressTask Start(string description, double total) => new Task(statuses);
        public void Message(string text) { }
        private sealed class Task(List<string> statuses) : IProgressTask
        {
            public void Advance(double amount = 1) { }
            public void SetStatus(string status) => statuses.Add(status);
            public void Finish() { }
            public void Dispose() { }
        }
    }

    [Fact]
    public void PolySharpnessIsTheGradientDescentKernelSharpness()
    {
        // Full-batch GD, T = I: λ_t = γ·c·λ_max(J Jᵀ)/n, which the recipe also computes from the explicit trace kernel at the start.
        var folder = Run(new GrokkingPolyRecipe(), "poly-sharpness",
            ["epsilons=0.1", "width=16", "input_dim=4", "train_size=20", "test_size=15", "test_probes=6", "steps=4", "log_every=1",
             "lr_factor=1", "dtype=float64", "stability_iterations=500"]);
        var r = Summary(folder).GetProperty("results")[0];
        var first = File.ReadLines(Path.Combine(folder, "metrics.csv")).Skip(2).First().Split(',');   // step 1: λ at θ_0
        var header = File.ReadLines(Path.Combine(folder, "metrics.csv")).First().Split(',');
        double lambda = double.Parse(first[Array.IndexOf(header, "surrogate_sharpness")], System.Globalization.CultureInfo.InvariantCulture);
        // The recipe stops the power iteration once the Rayleigh quotient moves by < 1e-4 relatively (a lower bound on λ_max).
        Assert.InRange(lambda, (1 - 2e-4) * r.GetProperty("gd_sharpness_initial").GetDouble(), (1 + 1e-9) * r.GetProperty("gd_sharpness_initial").GetDouble());
        Assert.Equal(2.0, Summary(folder).GetProperty("stability_bound").GetDouble());
    }

    [Fact]
    public void MnistRecipeDifferentiatedPreconditionerChangesOnlyTheSmoother()
    {
        // Same seeds: the network's errors are identical, the smoother's p differ, and the report says which T.
        string[] tiny = ["data=synthetic", "configs=relu:2", "train_size=30", "test_size=20", "test_probes=8", "hidden=6",
            "batch_size=10", "steps=20", "directions=3", "log_every=10", "dtype=float64", "smoother=label-tangent"];
        var frozen = Summary(Run(new GrokkingMnistRecipe(), "frozen", tiny)).GetProperty("results")[0];
        string folder = Run(new GrokkingMnistRecipe(), "differentiated", [.. tiny, "preconditioner=differentiated"]);
        var own = Summary(folder).GetProperty("results")[0];
        Assert.Equal(frozen.GetProperty("train_error").GetDouble(), own.GetProperty("train_error").GetDouble());
        Assert.Equal(frozen.GetProperty("test_error").GetDouble(), own.GetProperty("test_error").GetDouble());
        Assert.NotEqual(frozen.GetProperty("p_train").GetDouble(), own.GetProperty("p_train").GetDouble());
        Assert.True(double.IsFinite(own.GetProperty("p_train").GetDouble()));
        Assert.Contains("the surrogate keeps its own Adam second moment", File.ReadAllText(Path.Combine(folder, "report.md")));
    }

    private string Run(IRecipe recipe, string name, string[] assignments)
    {
        string output = Path.Combine(_root, name);
        RecipeRunner.Run(new RecipeCatalog([recipe]), new RunRequest
        {
            Recipe = recipe.Name, Quick = true, Out = output, Assignments = assignments,
        }, SilentProgressReporter.Instance);
        return output;
    }

    private static JsonElement Summary(string folder) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "summary.json"))).RootElement.Clone();
}
