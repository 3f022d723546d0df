using Telescope.Runs;
using Telescope.Verdicts;
using Xunit;

namespace Telescope.Tests.Runs;

/// <summary>Typed settings: one declaration per setting gives the runtime settings (parsing, validation, describe) and the bound record.</summary>
public class SettingsSchemaTests
{
    private sealed record Optimizer(double Momentum, string Name)
    {
        public static SettingsSchema<Optimizer> Schema { get; } = new SettingsSchema<Optimizer>()
            .Double(x => x.Momentum, "momentum", 0.9, "Momentum", min: 0, max: 0.999)
            .String(x => x.Name, "optimizer", "sgd", "Optimizer", choices: ["sgd", "adam"]);
    }

    private sealed record Example(long Seed, int Width, bool Bias, IReadOnlyList<int> Hidden, IReadOnlyList<double> Rates,
        IReadOnlyList<string> Arms, Optimizer Optimizer, IReadOnlyDictionary<string, double> Decay, IReadOnlyList<long> Seeds,
        VerdictCriteria Verdicts, ComputeSettings Compute)
    {
        public static SettingsSchema<Example> Schema { get; } = new SettingsSchema<Example>(defaultSeed: 7)
            .Seed(x => x.Seed)
            .Int(x => x.Width, "width", 512, "Hidden width", quick: 16, min: 1, source: "paper §4.1")
            .Bool(x => x.Bias, "bias", true, "Biases")
            .IntList(x => x.Hidden, "hidden", [128, 128], "Widths", min: 1)
            .DoubleList(x => x.Rates, "rates", [0.1, 0.01], "Rates", quick: [0.1], min: 0)
            .StringList(x => x.Arms, "arms", ["a", "b"], "Arms", choices: ["a", "b"])
            .Group(x => x.Optimizer, Optimizer.Schema)
            .Each(x => x.Decay, ["sgd", "adam"], (s, k) => s.AddDouble($"wd.{k}", k == "sgd" ? 5e-4 : 0, $"Weight decay of {k}", min: 0),
                (s, k) => s.GetDouble($"wd.{k}"))
            .Seeds(x => x.Seeds, full: [0, 1, 2], quick: [])
            .Verdicts(x => x.Verdicts)
            .Compute(x => x.Compute, threads: 2);
    }

    [Fact]
    public void DeclarationsBecomeRuntimeSettingsInOrderWithDefaultsAndQuickValues()
    {
        var full = Example.Schema.Create(quick: false);
        Assert.Equal(["seed", "width", "bias", "hidden", "rates", "arms", "momentum", "optimizer", "wd.sgd", "wd.adam", "seeds",
            VerdictCriteria.PeakNoiseFactorKey, VerdictCriteria.TrendConfidenceKey, VerdictCriteria.GapSeFactorKey, "dtype", "device", "threads"],
            full.Select(s => s.Name));
        Assert.Equal(7L, full.Seed);
        Assert.Equal("paper §4.1", full["width"].Source);
        Assert.Null(full["bias"].Source);
        Assert.Equal(16, Example.Schema.Bind(Example.Schema.Create(quick: true)).Width);
        Assert.Equal([0.1], Example.Schema.Bind(Example.Schema.Create(quick: true)).Rates);
    }

    [Fact]
    public void BindingGivesTheResolvedValuesTyped()
    {
        var settings = Example.Schema.Create(quick: false);
        settings.Apply(["seed=3", "width=64", "bias=no", "hidden=8,4", "arms=b", "momentum=0.5", "optimizer=ADAM", "wd.adam=0.01", "seeds=", "dtype=float64"]);
        var s = Example.Schema.Bind(settings);
        Assert.Equal(3L, s.Seed);
        Assert.Equal(64, s.Width);
        Assert.False(s.Bias);
        Assert.Equal([8, 4], s.Hidden);
        Assert.Equal([0.1, 0.01], s.Rates);
        Assert.Equal(["b"], s.Arms);
        Assert.Equal(new Optimizer(0.5, "adam"), s.Optimizer);
        Assert.Equal(5e-4, s.Decay["sgd"]);
        Assert.Equal(0.01, s.Decay["adam"]);
        Assert.Equal([3L], s.Seeds);                       // empty seeds = one repetition with 'seed'
        Assert.Equal(VerdictCriteria.Default, s.Verdicts);
        Assert.Equal(TorchSharp.torch.ScalarType.Float64, s.Compute.DType);
        Assert.Equal(2, s.Compute.Threads);
    }

    [Fact]
    public void ValidationComesFromTheDeclaration()
    {
        var settings = Example.Schema.Create(quick: false);
        Assert.Contains("below the minimum 1", Assert.Throws<TelescopeException>(() => settings.Set("width", "0")).Message);
        Assert.Contains("above the maximum 0.999", Assert.Throws<TelescopeException>(() => settings.Set("momentum", "1")).Message);
        Assert.Contains("not one of a, b", Assert.Throws<TelescopeException>(() => settings.Set("arms", "a,c")).Message);
        Assert.Contains("Did you mean 'width'", Assert.Throws<TelescopeException>(() => settings.Set("widht", "3")).Message);
    }

    private sealed record Bad(int Width)
    {
        public int Twice => 2 * Width;
    }

    [Fact]
    public void APropertyExpressionMustNameASettableProperty()
    {
        var e = Assert.Throws<ArgumentException>(() => new SettingsSchema<Bad>().Int(x => x.Twice, "twice", 1, "Twice"));
        Assert.Contains("settable or init-only property of Bad", e.Message);
        Assert.Throws<ArgumentException>(() => new SettingsSchema<Bad>().Int(x => x.Width + 1, "w", 1, "W"));
    }
}
