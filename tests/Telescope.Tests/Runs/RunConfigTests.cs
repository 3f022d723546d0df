using System.Text.Json;
using Telescope.Runs;
using Xunit;

namespace Telescope.Tests.Runs;

public class RunConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("telescope-config-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private static RecipeSettings Settings(bool quick) => new RecipeSettings(quick, defaultSeed: 3)
        .AddInt("width", 512, "Hidden width", quick: 64)
        .AddLong("steps", 10L, "Steps")
        .AddDouble("lr", 0.1, "Learning rate")
        .AddDouble("clip", double.PositiveInfinity, "Clip", allowNonFinite: true)
        .AddBool("momentum", false, "Momentum")
        .AddString("name", "a \"quoted\" ü", "Name")
        .AddIntList("widths", [1, 2], "Widths")
        .AddDoubleList("lrs", [0.01], "Lrs")
        .AddStringList("datasets", ["x", "y,z"], "Data sets");

    [Fact]
    public void RoundTripRestoresEveryValueExactly()
    {
        var original = Settings(quick: true);
        original.Apply(["lr=0.30000000000000004", "lrs=1e-300,123456.789012345", "momentum=true", "seed=99",
                        "steps=9007199254740993"]);
        var machine = new MachineInfo
        {
            OperatingSystem = "os", Architecture = "X64", LogicalProcessors = 2, DotNet = ".NET", TorchSharpVersion = "0.107",
            TorchThreads = 2, DefaultDType = "float32", CudaAvailable = false,
        };
        string path = Path.Combine(_dir, "config.json");
        File.WriteAllText(path, RunConfig.FromSettings("tiny", original, machine, "/data").ToJson());

        var loaded = RunConfig.Load(path);
        Assert.Equal("tiny", loaded.Recipe);
        Assert.True(loaded.Quick);
        Assert.Equal("/data", loaded.DataDirectory);
        Assert.Equal(machine, loaded.Machine);
        var restored = Settings(quick: false); // different mode: every value must still come from the file
        Assert.Empty(loaded.ApplyTo(restored));
        foreach (var s in original)
            Assert.Equal(s.FormattedValue, restored[s.Name].FormattedValue);
        Assert.Equal(0.30000000000000004, restored.GetDouble("lr"));
        Assert.Equal(9007199254740993L, restored.GetLong("steps"));
        Assert.True(double.IsPositiveInfinity(restored.GetDouble("clip")));
        Assert.Equal(["x", "y,z"], restored.GetStringList("datasets"));
        Assert.Equal(64, restored.GetInt("width"));
    }

    [Fact]
    public void JsonHasReadableTopLevelFieldsAndNativeTypes()
    {
        var json = RunConfig.FromSettings("tiny", Settings(false), null).ToJson();
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Equal("tiny", root.GetProperty("recipe").GetString());
        Assert.False(root.GetProperty("quick").GetBoolean());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("telescopeVersion").GetString()));
        var settings = root.GetProperty("settings");
        Assert.Equal(JsonValueKind.Number, settings.GetProperty("width").ValueKind);
        Assert.Equal(JsonValueKind.Array, settings.GetProperty("lrs").ValueKind);
        Assert.Equal("Infinity", settings.GetProperty("clip").GetString());
        Assert.Equal("seed", settings.EnumerateObject().First().Name);
    }

    [Fact]
    public void MissingSettingsAreReportedAndKeepDefaults()
    {
        string path = Path.Combine(_dir, "old.json");
        File.WriteAllText(path, """{ "recipe": "tiny", "quick": false, "settings": { "seed": 5, "lr": 0.5 } }""");
        var s = Settings(false);
        var missing = RunConfig.Load(path).ApplyTo(s);
        Assert.Contains("width", missing);
        Assert.DoesNotContain("lr", missing);
        Assert.Equal(0.5, s.GetDouble("lr"));
        Assert.Equal(5L, s.Seed);
    }

    [Theory]
    [InlineData("""{ "recipe": "tiny", "settings": { "lr": "abc" } }""", "'lr'")]
    [InlineData("""{ "recipe": "tiny", "settings": { "width": 1.5 } }""", "'width'")]
    [InlineData("""{ "recipe": "tiny", "settings": { "wdth": 1 } }""", "Unknown setting 'wdth'")]
    [InlineData("""{ "settings": {} }""", "no \"recipe\"")]
    [InlineData("""{ "recipe": "tiny" """, "not valid JSON")]
    public void BadFilesGiveClearErrors(string content, string expected)
    {
        string path = Path.Combine(_dir, "bad.json");
        File.WriteAllText(path, content);
        var e = Assert.Throws<TelescopeException>(() => RunConfig.Load(path).ApplyTo(Settings(false)));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void MissingFileIsAUserError()
    {
        var e = Assert.Throws<TelescopeException>(() => RunConfig.Load(Path.Combine(_dir, "nope.json")));
        Assert.Contains("does not exist", e.Message);
    }
}
