using Telescope.Autodiff;
using Telescope.Boosting;
using Telescope.Connectivity;
using Telescope.Models;
using Telescope.Optim;
using Telescope.Smoothing;
using Telescope.Telescoping;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Telescope.Tests.Docs;

/// <summary>
/// Every <c>&lt;example&gt;</c> in the XML docs of the main engine types, run verbatim: the block between
/// "example:" and "end of example" in each test is a copy of the doc comment's code (XML-escaped there). Change
/// one, change the other; <see cref="DocExampleIsTheTestedCode"/> fails while they differ. The assertions after
/// each block check what the example claims (shapes, known values, agreement with an explicit computation), so an
/// example that drifts from the API or from the truth fails the build or this class.
/// </summary>
public class DocExampleTests
{
    // Mirrors the <example> of TelescopingTracker (src/Telescope/Telescoping/TelescopingTracker.cs): keep both in sync.
    [Fact]
    public void TelescopingTrackerExample()
    {
        // example:
        // using Telescope.Autodiff; using Telescope.Models; using Telescope.Optim; using Telescope.Telescoping; using TorchSharp; using static TorchSharp.torch;
        using var gen = new Generator(0);
        var x = torch.randn([32, 4], dtype: ScalarType.Float64, generator: gen);
        var y = torch.randn([32, 2], dtype: ScalarType.Float64, generator: gen);
        var model = new Mlp(new MlpOptions { InputSize = 4, HiddenWidths = [16], OutputSize = 2, DType = ScalarType.Float64 }, seed: 0);
        var engine = new ForwardModeJvp(model);
        using var optimizer = ExactOptimizers.Sgd(engine.Parameters, learningRate: 0.1, momentum: 0.9);
        using var tracker = new TelescopingTracker(engine, [new TrackedSet("train", x)]);
        for (int t = 0; t < 20; t++)
        {
            optimizer.ZeroGrad();
            nn.functional.mse_loss(model.forward(x), y).backward();
            tracker.Step(optimizer).Dispose();   // records Δθ_t at θ_{t-1}, then applies it
        }
        var m = tracker.Measure()[0];
        Console.WriteLine($"mean |f − f̃| = {m.ErrAbsTelescoping:G3}, mean |f − f_lin| = {m.ErrAbsLinear:G3}, f moved {m.MeanFunctionChange:G3}");
        // end of example

        Assert.Equal(20, m.Step);
        using var network = model.forward(x).detach();
        using var telescoped = tracker.Telescoped("train");
        using var initial = tracker.Initial("train");
        Assert.Equal((network - telescoped).abs().mean().item<double>(), m.ErrAbsTelescoping, 12);
        Assert.Equal((network - initial).abs().mean().item<double>(), m.MeanFunctionChange, 12);
        Assert.True(m.MeanFunctionChange > 0.01, $"training moved f by only {m.MeanFunctionChange}");
        Assert.True(m.ErrAbsTelescoping > 0 && m.ErrAbsTelescoping < 0.05 * m.MeanFunctionChange,
            $"mean |f − f̃| = {m.ErrAbsTelescoping} for a change of {m.MeanFunctionChange}");
        Assert.True(m.ErrAbsTelescoping < m.ErrAbsLinear!.Value, $"f̃ {m.ErrAbsTelescoping} vs f_lin {m.ErrAbsLinear}");
    }

    // Mirrors the <example> of ForwardModeJvp (src/Telescope/Autodiff/ForwardModeJvp.cs): keep both in sync.
    [Fact]
    public void ForwardModeJvpExample()
    {
        // example:
        // using Telescope.Autodiff; using Telescope.Models; using TorchSharp; using static TorchSharp.torch;
        var model = new Mlp(new MlpOptions { InputSize = 3, HiddenWidths = [8], OutputSize = 2, DType = ScalarType.Float64 }, seed: 0);
        var engine = new ForwardModeJvp(model);
        using var gen = new Generator(0);
        var v = engine.Parameters.Tensors.Select(p => torch.randn(p.shape, dtype: p.dtype, generator: gen)).ToArray();   // one tangent
        using var x = torch.randn([5, 3], dtype: ScalarType.Float64, generator: gen);
        using var result = engine.Compute(x, [v]);   // f(x) and J(x)·v in one pass
        Console.WriteLine($"f: [{string.Join(", ", result.Output.shape)}], J·v: [{string.Join(", ", result.Jvps.shape)}]");   // [5, 2], [1, 5, 2]
        // end of example

        Assert.Equal(new long[] { 5, 2 }, result.Output.shape);
        Assert.Equal(new long[] { 1, 5, 2 }, result.Jvps.shape);
        using (var f = model.forward(x).detach()) Assert.True(result.Output.allclose(f, rtol: 0, atol: 1e-12));
        AssertCentralDifference(engine.Parameters, model, x, v, result.Jvps[0]);
    }

    // Mirrors the <example> of DoubleBackwardJvp (src/Telescope/Autodiff/DoubleBackwardJvp.cs): keep both in sync.
    [Fact]
    public void DoubleBackwardJvpExample()
    {
        // example:
        // using Telescope.Autodiff; using Telescope.Models; using TorchSharp; using static TorchSharp.torch;
        var net = new ResNet(new ResNetOptions { Width = 2, BlocksPerStage = 1, InputChannels = 1, NumClasses = 3, DType = ScalarType.Float64 }, seed: 0);
        net.eval();   // BatchNorm with running statistics: examples independent, as the engine assumes
        var engine = new DoubleBackwardJvp(net);
        using var gen = new Generator(0);
        var v = engine.Parameters.Tensors.Select(p => torch.randn(p.shape, dtype: p.dtype, generator: gen)).ToArray();
        using var images = torch.randn([4, 1, 8, 8], dtype: ScalarType.Float64, generator: gen);
        using var result = engine.Compute(images, [v]);
        Console.WriteLine($"J·v: [{string.Join(", ", result.Jvps.shape)}]");   // [1, 4, 3]: tangents × images × classes
        // end of example

        Assert.Equal(new long[] { 1, 4, 3 }, result.Jvps.shape);
        AssertCentralDifference(engine.Parameters, net, images, v, result.Jvps[0]);
    }

    // Mirrors the <example> of KernelSmoother (src/Telescope/Smoothing/KernelSmoother.cs): keep both in sync.
    [Fact]
    public void KernelSmootherExample()
    {
        // example:
        // using Telescope.Autodiff; using Telescope.Models; using Telescope.Optim; using Telescope.Smoothing; using TorchSharp; using static TorchSharp.torch;
        using var gen = new Generator(0);
        var x = torch.randn([20, 3], dtype: ScalarType.Float64, generator: gen);
        var y = torch.randn([20, 1], dtype: ScalarType.Float64, generator: gen);
        var xTest = torch.randn([5, 3], dtype: ScalarType.Float64, generator: gen);
        var model = new Mlp(new MlpOptions { InputSize = 3, HiddenWidths = [32], OutputSize = 1, DType = ScalarType.Float64 }, seed: 0);
        var kernel = new MlpTangentKernel(model);
        using var sgd = ExactOptimizers.Sgd(kernel.Parameters, learningRate: 0.1);   // plain SGD: the recursion is exact
        using var smoother = new KernelSmoother(x, model.forward(x).detach(), new KernelSmootherOptions { LossScale = 2 });   // c = 2/k: MSELoss
        smoother.Track("test", xTest, model.forward(xTest).detach());
        for (int t = 0; t < 50; t++)
        {
            smoother.Step(kernel, torch.randperm(20, generator: gen), 0.1);   // B_t = all 20 rows; before sgd.Step (kernel at θ_{t-1})
            sgd.ZeroGrad(); nn.functional.mse_loss(model.forward(x), y).backward(); sgd.Step().Dispose();
        }
        Console.WriteLine($"p_train = {EffectiveParameters.Compute(smoother, SmootherSets.Training).Value:F2}, p_test = {EffectiveParameters.Compute(smoother, "test").Value:F2}");
        // end of example

        double pTrain = EffectiveParameters.Compute(smoother, SmootherSets.Training).Value;
        double pTest = EffectiveParameters.Compute(smoother, "test").Value;
        Assert.Equal(50, smoother.StepCount);
        // p(I) = n/(|I|·k)·Σ_x ||S(x)||², from the weights themselves (k = 1).
        using (var s = smoother.Weights("test")) Assert.Equal(20.0 / 5 * s.pow(TorchScalars.Two).sum().item<double>(), pTest, 10);
        Assert.InRange(pTrain, 0.5, 20);
        Assert.True(double.IsFinite(pTest) && pTest > 0, $"p_test = {pTest}");
        // The surrogate S·Y + c is the telescoping model of the run: close to the network itself.
        foreach (var (set, inputs) in new[] { (SmootherSets.Training, x), ("test", xTest) })
        {
            using var surrogate = smoother.Predict(set, y);
            using var network = model.forward(inputs).detach();
            using var start = smoother.Offsets(set);
            double gap = (surrogate - network).abs().mean().item<double>();
            double moved = (network - start).abs().mean().item<double>();
            Assert.True(gap < 0.05 * moved, $"{set}: mean |f̂ − f| = {gap} for |f − c| = {moved}");
        }
    }

    // Mirrors the <example> of RetrainingSensitivity (src/Telescope/Smoothing/RetrainingSensitivity.cs): keep both in sync.
    [Fact]
    public void RetrainingSensitivityExample()
    {
        // example:
        // using Telescope.Autodiff; using Telescope.Models; using Telescope.Optim; using Telescope.Smoothing; using TorchSharp; using static TorchSharp.torch;
        using var gen = new Generator(0);
        var x = torch.randn([16, 3], dtype: ScalarType.Float64, generator: gen);
        var y = torch.randn([16, 1], dtype: ScalarType.Float64, generator: gen);
        var tracked = new Dictionary<string, Tensor> { ["train"] = x, ["test"] = torch.randn([4, 3], dtype: ScalarType.Float64, generator: gen) };
        Mlp NewModel() => new(new MlpOptions { InputSize = 3, HiddenWidths = [16], OutputSize = 1, DType = ScalarType.Float64 }, seed: 0);   // θ_0, the same in every member
        using var sensitivity = new RetrainingSensitivity(y, new RetrainingSensitivityOptions { Sigma = 0.1, DirectionCount = 2 },
            labels => new SquaredLossRetrainingRun(NewModel(), m => ExactOptimizers.AdamW(new TrainableParameters(m), 1e-2),
                x, labels, lossScale: 1, batch: null, tracked: tracked),   // batch: t => B_t for minibatches (the same in every member)
            ["train", "test"]);
        for (int t = 1; t <= 30; t++) sensitivity.Step(t);   // beside the caller's own step t
        var pTest = sensitivity.Record(30).Single(e => e.Set == "test");
        Console.WriteLine($"p_net(test) = {pTest.Value:F2} ± {pTest.StandardError:F2}, linear in the labels: {pTest.IsLinear}");
        // end of example

        Assert.Equal(30, pTest.Step);
        Assert.Equal(2, pTest.PerDirection.Count);
        Assert.True(double.IsFinite(pTest.Value) && pTest.Value > 0, $"p_net(test) = {pTest.Value}");
        Assert.Equal(pTest.PerDirection.Average(), pTest.Value, 12);
        // Direction 0 by hand: two runs on Y ± σ·V_0, p_0 = n/(|I|·k)·Σ_x ((f₊ − f₋)/(2σ))².
        IRetrainingRun Run(SensitivityMember member)
        {
            var labels = RetrainingSensitivity.PerturbedLabels(y, sensitivity.Directions, member);
            return new SquaredLossRetrainingRun(NewModel(), m => ExactOptimizers.AdamW(new TrainableParameters(m), 1e-2), x, labels, 1, null, tracked);
        }
        var pair = new SensitivityPair(0, 0.1);
        using var plus = Run(pair.Plus);
        using var minus = Run(pair.Minus);
        for (int t = 1; t <= 30; t++) { plus.Step(t); minus.Step(t); }
        using var fPlus = plus.Predict("test");
        using var fMinus = minus.Predict("test");
        double p0 = 16.0 / 4 * ((fPlus - fMinus).pow(TorchScalars.Two).sum().item<double>() / (0.2 * 0.2));
        Assert.Equal(p0, pTest.PerDirection[0], 1e-10 * p0);
    }

    // Mirrors the <example> of GbtSmoother (src/Telescope/Boosting/GbtSmoother.cs): keep both in sync.
    [Fact]
    public void GbtSmootherExample()
    {
        // example:
        // using Telescope.Boosting;
        var rng = new Random(0);
        double[] x = Enumerable.Range(0, 200 * 2).Select(_ => rng.NextDouble()).ToArray();   // 200 rows × 2 features, row-major
        double[] y = Enumerable.Range(0, 200).Select(i => Math.Sin(6 * x[2 * i]) + x[2 * i + 1]).ToArray();
        using var model = GbtRegressor.Create(x, 200, 2, y, new GbtOptions { NumRounds = 50, NumLeaves = 8, MinDataInLeaf = 5 });
        model.Train();
        double[] query = [0.5, 0.5, 0.9, 0.1];   // two query rows
        var smoother = GbtSmoother.FromModel(model, query, queryRows: 2);
        double[] f = smoother.PredictQuery(model.TrainLabels);   // S(x*)·Y, the ensemble's prediction
        double pTest = 200.0 / 2 * smoother.QueryRowNorms().Sum(r => r * r);   // n/m·Σ ||S(x*)||²
        Console.WriteLine($"S·Y = [{f[0]:F4}, {f[1]:F4}], LightGBM = [{string.Join(", ", model.PredictRaw(query, 2).Select(v => v.ToString("F4")))}], p_test = {pTest:F1}");
        // end of example

        Assert.Equal(50, smoother.NumTrees);
        double[] lightGbm = model.PredictRaw(query, 2);
        for (int j = 0; j < 2; j++)
        {
            Assert.True(Math.Abs(f[j] - lightGbm[j]) < 1e-7, $"query {j}: S·Y = {f[j]:R}, LightGBM {lightGbm[j]:R}");
            // Boosting from the label mean keeps every smoother row summing to one.
            Assert.Equal(1.0, Sum(smoother.QueryRow(j)), 12);
        }
        for (int i = 0; i < 200; i++) Assert.Equal(1.0, Sum(smoother.TrainRow(i)), 12);
        Assert.True(pTest > 1 && double.IsFinite(pTest), $"p_test = {pTest}");
    }

    // Mirrors the <example> of GradientChange (src/Telescope/Connectivity/GradientChange.cs): keep both in sync.
    [Fact]
    public void GradientChangeExample()
    {
        // example:
        // using Telescope; using Telescope.Autodiff; using Telescope.Connectivity; using Telescope.Models; using TorchSharp; using static TorchSharp.torch;
        var options = new ResNetOptions { Width = 2, BlocksPerStage = 1, InputChannels = 1, NumClasses = 3, DType = ScalarType.Float64 };
        var netAtSpawn = new ResNet(options, seed: 0);
        var netAtEnd = new ResNet(options, seed: 0);   // the same θ (weights depend on the seed alone), then
        using (torch.no_grad()) netAtEnd.Classifier.weight!.mul_(TorchScalars.Two);   // the classifier doubled: J of every earlier group doubles
        using var gen = new Generator(0);
        using var probes = torch.randn([3, 1, 8, 8], dtype: ScalarType.Float64, generator: gen);
        var groups = ParameterGroup.FromModules(new TrainableParameters(netAtSpawn), netAtSpawn.LayerGroups);
        var change = GradientChange.Measure(netAtSpawn, netAtEnd, probes, groups, GradientChangeMethod.Exact);
        foreach (var g in change) Console.WriteLine($"{g.Group}: {g.Value:F3}");   // 1.000 for stem … stage3.block1, 0.000 for classifier
        // end of example

        Assert.Equal(netAtSpawn.LayerGroups.Select(g => g.Name), change.Select(c => c.Group));
        foreach (var g in change)
        {
            double expected = g.Group == "classifier" ? 0.0 : 1.0;
            Assert.True(Math.Abs(g.Value - expected) < 1e-10, $"{g.Group}: {g.Value:R}, expected {expected}");
            Assert.Equal(0.0, g.StandardError);
        }
    }

    /// <summary>
    /// Each doc comment's example is, line for line, the code its test above runs (the XML escapes undone,
    /// indentation relative): the tests prove the examples because they are the examples.
    /// </summary>
    [Theory]
    [InlineData("TelescopingTracker", "src/Telescope/Telescoping/TelescopingTracker.cs")]
    [InlineData("ForwardModeJvp", "src/Telescope/Autodiff/ForwardModeJvp.cs")]
    [InlineData("DoubleBackwardJvp", "src/Telescope/Autodiff/DoubleBackwardJvp.cs")]
    [InlineData("KernelSmoother", "src/Telescope/Smoothing/KernelSmoother.cs")]
    [InlineData("RetrainingSensitivity", "src/Telescope/Smoothing/RetrainingSensitivity.cs")]
    [InlineData("GbtSmoother", "src/Telescope/Boosting/GbtSmoother.cs")]
    [InlineData("GradientChange", "src/Telescope/Connectivity/GradientChange.cs")]
    public void DocExampleIsTheTestedCode(string type, string path)
    {
        string root = RepoRoot();
        var documented = DocumentedExample(File.ReadAllLines(Path.Combine(root, path)), type);
        var tested = TestedExample(File.ReadAllLines(Path.Combine(root, "tests/Telescope.Tests/Docs/DocExampleTests.cs")), type + "Example");
        Assert.True(documented.Count is >= 6 and <= 16, $"{type}'s example has {documented.Count} lines (usings comment included)");
        Assert.Equal(tested, documented);
    }

    /// <summary>The lines of the &lt;example&gt;&lt;code&gt; in the doc comment right above <c>class {type}</c>, unescaped.</summary>
    internal static List<string> DocumentedExample(string[] lines, string type)
    {
        int declaration = Array.FindIndex(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, $@"^public (sealed |static )?class {type}\b"));
        Assert.True(declaration > 0, $"no class {type}");
        int start = declaration;
        while (start > 0 && lines[start - 1].StartsWith("///", StringComparison.Ordinal)) start--;
        var doc = lines[start..declaration];
        int example = Array.FindIndex(doc, l => l.Trim() == "/// <example>");
        Assert.True(example >= 0 && doc[example + 1].Trim() == "/// <code>", $"{type}: no /// <example> /// <code> block in its doc comment");
        int open = example + 1;
        int close = Array.FindIndex(doc, open, l => l.Trim() == "/// </code>");
        return doc[(open + 1)..close]
            .Select(l => (l.Length > 4 ? l[4..] : "").Replace("&lt;", "<").Replace("&gt;", ">").Replace("&amp;", "&").TrimEnd())
            .ToList();
    }

    /// <summary>The lines between "// example:" and "// end of example" in the test method, less its indentation.</summary>
    internal static List<string> TestedExample(string[] lines, string method)
    {
        int header = Array.FindIndex(lines, l => l.Contains($"public void {method}()", StringComparison.Ordinal));
        int open = Array.FindIndex(lines, header, l => l.Trim() == "// example:");
        int close = Array.FindIndex(lines, open, l => l.Trim() == "// end of example");
        int indent = lines[open].Length - lines[open].TrimStart().Length;
        return lines[(open + 1)..close].Select(l => (l.Length > indent ? l[indent..] : l.Trim()).TrimEnd()).ToList();
    }

    internal static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Telescope.slnx"))) return dir.FullName;
        throw new InvalidOperationException($"No Telescope.slnx above {AppContext.BaseDirectory}.");
    }

    /// <summary>J(x)·v against (f(θ + εv) − f(θ − εv))/(2ε), float64, with θ restored afterwards.</summary>
    private static void AssertCentralDifference(TrainableParameters parameters, nn.Module<Tensor, Tensor> model, Tensor x,
        IReadOnlyList<Tensor> v, Tensor jvp)
    {
        const double eps = 1e-6;
        using var scope = NewDisposeScope();
        using var step = eps.ToScalar();
        using var minusStep = (-eps).ToScalar();
        var theta = parameters.CloneValues();
        Tensor At(Scalar alpha)
        {
            using (parameters.Load(theta.Select((p, i) => p.add(v[i], alpha)).ToArray()))
            using (torch.no_grad())
                return model.forward(x).detach();
        }
        using var twoEps = (2 * eps).ToScalar();
        var difference = (At(step) - At(minusStep)).div(twoEps);
        double scale = jvp.abs().max().item<double>();
        double error = (difference - jvp).abs().max().item<double>();
        Assert.True(scale > 0, "J·v is zero");
        Assert.True(error <= 1e-6 * scale, $"max |J·v − central difference| = {error:E2} for max |J·v| = {scale:E2}");
    }

    private static double Sum(ReadOnlySpan<double> row)
    {
        double s = 0;
        foreach (double v in row) s += v;
        return s;
    }
}
