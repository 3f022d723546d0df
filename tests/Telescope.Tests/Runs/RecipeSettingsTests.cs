using Telescope.Runs;
using Xunit;

namespace Telescope.Tests.Runs;

public class RecipeSettingsTests
{
    private static RecipeSettings Sample(bool quick = false) => new RecipeSettings(quick)
        .AddInt("width", 512, "Hidden width", quick: 64, min: 1)
        .AddLong("steps", 100_000L, "Training steps", quick: 500L, min: 1)
        .AddDouble("lr", 0.1, "Learning rate", min: 0)
        .AddBool("momentum", false, "Use momentum")
        .AddString("optimizer", "sgd", "Optimizer", choices: ["sgd", "adam", "adamw"])
        .AddIntList("widths", [1, 2, 4], "Widths to sweep", quick: [1, 2], min: 1)
        .AddDoubleList("lrs", [0.01, 0.1], "Learning rates")
        .AddStringList("datasets", ["houses"], "Data sets");

    [Fact]
    public void SeedAlwaysExistsFirst()
    {
        var s = new RecipeSettings(false);
        Assert.Equal(RecipeSettings.SeedKey, s[0].Name);
        Assert.Equal(0L, s.Seed);
        s.Set("seed", "17");
        Assert.Equal(17L, s.Seed);
    }

    [Fact]
    public void QuickValuesApplyOnlyInQuickMode()
    {
        Assert.Equal(512, Sample(false).GetInt("width"));
        Assert.Equal(64, Sample(true).GetInt("width"));
        Assert.Equal(500L, Sample(true).GetLong("steps"));
        Assert.Equal(0.1, Sample(true).GetDouble("lr")); // no quick override
        Assert.Equal([1, 2], Sample(true).GetIntList("widths"));
    }

    [Fact]
    public void ParsesEveryTypeCultureInvariant()
    {
        var s = Sample();
        s.Apply(["width=32", "steps=12345678901", "lr=1e-3", "momentum=yes", "optimizer=AdamW",
                 "widths=3, 5,7", "lrs=0.5,2.5E-2", "datasets=a,b , c"]);
        Assert.Equal(32, s.GetInt("width"));
        Assert.Equal(12345678901L, s.GetLong("steps"));
        Assert.Equal(1e-3, s.GetDouble("lr"));
        Assert.True(s.GetBool("momentum"));
        Assert.Equal("adamw", s.GetString("optimizer")); // normalized to the declared spelling
        Assert.Equal([3, 5, 7], s.GetIntList("widths"));
        Assert.Equal([0.5, 0.025], s.GetDoubleList("lrs"));
        Assert.Equal(["a", "b", "c"], s.GetStringList("datasets"));
    }

    [Fact]
    public void ValueMayContainEqualsSign()
    {
        var s = new RecipeSettings(false).AddString("expr", "", "Expression", quick: null);
        s.Apply(["expr=a=b"]);
        Assert.Equal("a=b", s.GetString("expr"));
    }

    [Fact]
    public void UnknownKeyListsValidKeysAndSuggestsClosest()
    {
        var e = Assert.Throws<TelescopeException>(() => Sample().Apply(["widht=3"]));
        Assert.Contains("Unknown setting 'widht'", e.Message);
        Assert.Contains("Did you mean 'width'?", e.Message);
        Assert.NotNull(e.Hint);
        Assert.Contains("seed, width, steps, lr, momentum, optimizer, widths, lrs, datasets", e.Hint);
    }

    [Fact]
    public void UnknownKeyWithNothingCloseHasNoSuggestion()
    {
        var e = Assert.Throws<TelescopeException>(() => Sample().Set("zzzzzzzzzzzz", "1"));
        Assert.DoesNotContain("Did you mean", e.Message);
    }

    [Theory]
    [InlineData("width", "abc", "int")]
    [InlineData("width", "1.5", "int")]
    [InlineData("width", "99999999999", "int")]
    [InlineData("steps", "1e5", "long")]
    [InlineData("lr", "0,01", "double")]
    [InlineData("momentum", "maybe", "bool")]
    [InlineData("widths", "1,x,3", "list of int")]
    public void BadValueNamesKeyValueAndType(string key, string value, string type)
    {
        var e = Assert.Throws<TelescopeException>(() => Sample().Set(key, value));
        Assert.Contains($"'{key}'", e.Message);
        Assert.Contains(value.Contains(',') && type.StartsWith("list") ? "'x'" : $"'{value}'", e.Message);
        Assert.Contains(type, e.Message);
    }

    [Theory]
    [InlineData("lr", "NaN")]
    [InlineData("lr", "inf")]
    [InlineData("lr", "-Infinity")]
    [InlineData("lrs", "0.1,nan")]
    public void NonFiniteRejectedWhereFiniteNeeded(string key, string value)
    {
        var e = Assert.Throws<TelescopeException>(() => Sample().Set(key, value));
        Assert.Contains("finite", e.Message);
    }

    [Fact]
    public void NonFiniteAllowedWhenDeclared()
    {
        var s = new RecipeSettings(false).AddDouble("clip", double.PositiveInfinity, "Clip norm", allowNonFinite: true);
        s.Set("clip", "nan");
        Assert.True(double.IsNaN(s.GetDouble("clip")));
    }

    [Fact]
    public void RangeAndChoiceViolationsAreReported()
    {
        var s = Sample();
        Assert.Contains("below the minimum 1", Assert.Throws<TelescopeException>(() => s.Set("width", "0")).Message);
        Assert.Contains("below the minimum 0", Assert.Throws<TelescopeException>(() => s.Set("lr", "-0.1")).Message);
        var choice = Assert.Throws<TelescopeException>(() => s.Set("optimizer", "adm"));
        Assert.Contains("not one of sgd, adam, adamw", choice.Message);
        Assert.Contains("did you mean 'adam'", choice.Message);
        Assert.Contains("empty", Assert.Throws<TelescopeException>(() => s.Set("widths", "")).Message);
        Assert.Equal(512, s.GetInt("width")); // failed assignments leave the value alone
    }

    [Fact]
    public void AssignmentWithoutEqualsIsAnError()
    {
        var e = Assert.Throws<TelescopeException>(() => Sample().Apply(["width"]));
        Assert.Contains("key=value", e.Message);
    }

    [Fact]
    public void DeclarationMistakesAreProgrammerErrors()
    {
        Assert.Throws<ArgumentException>(() => new RecipeSettings(false).AddInt("seed", 1, "dup"));
        Assert.Throws<ArgumentException>(() => new RecipeSettings(false).AddInt("Bad Name", 1, "x"));
        Assert.Throws<ArgumentException>(() => new RecipeSettings(false).AddInt("n", 0, "x", min: 1));
        Assert.Throws<ArgumentException>(() => new RecipeSettings(false).AddDouble("x", double.NaN, "x"));
        Assert.Throws<ArgumentException>(() => new RecipeSettings(false).AddInt("n", 1, " "));
    }

    [Fact]
    public void FormattedValueRoundTripsThroughTheParser()
    {
        var s = Sample();
        s.Set("lr", "0.1");
        s.Set("lrs", (0.1 + 0.2).ToString("R", System.Globalization.CultureInfo.InvariantCulture) + ",1e-300");
        var copy = Sample();
        foreach (var setting in s) copy.Set(setting.Name, setting.FormattedValue);
        Assert.Equal(s.GetDoubleList("lrs"), copy.GetDoubleList("lrs")); // exact, bit for bit
        Assert.Equal(0.30000000000000004, copy.GetDoubleList("lrs")[0]);
    }

    [Fact]
    public void WrongTypedGetterIsAProgrammerError()
    {
        Assert.Throws<InvalidOperationException>(() => Sample().GetDouble("width"));
    }
}
