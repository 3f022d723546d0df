using Telescope.Recipes.Approximation;
using Telescope.Runs;
using Xunit;

namespace Telescope.Tests.Runs;

/// <summary>RUN.md: written by the runner into every committed folder, with the commit of config.json's version.</summary>
public sealed class RunRecordTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("telescope-runrecord-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void EveryFinishedRunCarriesARecordMatchingItsConfig()
    {
        RunRecord.CommandLine = null;
        var result = RecipeRunner.Run(new RecipeCatalog([new ApproximationRecipe()]), new RunRequest
        {
            Recipe = "approximation", Quick = true, Out = Path.Combine(_root, "run"),
            Assignments = [.. ResumeAndShardTests.TinyApproximation, "seed=4"],
        }, SilentProgressReporter.Instance);
        string record = File.ReadAllText(Path.Combine(result.Folder, RunRecord.FileName));
        var config = RunConfig.Load(Path.Combine(result.Folder, RunConfig.FileName));
        Assert.StartsWith("# approximation: run\n", record);
        Assert.Contains($"| version | {config.TelescopeVersion} |", record);
        Assert.Contains($"| commit | {RunRecord.CommitOf(config.TelescopeVersion) ?? "not recorded by this build"} |", record);
        Assert.Contains("| command | none: started from a program through `RecipeRunner` |", record);
        Assert.Contains("| mode | quick (--quick defaults) |", record);
        Assert.Contains("| seed | 4 |", record);
        Assert.Contains("`steps=30`", record);              // changed from the quick default 2000
        Assert.Contains("| CPU | ", record);                  // the machine facts
    }

    [Theory]
    [InlineData("0.1.0+342a2d4", "342a2d4")]
    [InlineData("0.1.0", null)]
    public void TheCommitComesFromTheInformationalVersion(string version, string? commit) => Assert.Equal(commit, RunRecord.CommitOf(version));

    [Fact]
    public void CommandsAreQuotedForTheShellAndDurationsRead()
    {
        Assert.Equal("telescope run lmc --set seeds=0,1 --out 'my runs/x' 'it'\\''s'", RunRecord.FormatCommand("telescope", ["run", "lmc", "--set", "seeds=0,1", "--out", "my runs/x", "it's"]));
        Assert.Equal("12.4 s", RunRecord.FormatDuration(12.4));
        Assert.Equal("4 min 5 s (245 s)", RunRecord.FormatDuration(245.3));
        Assert.Equal("2 h 3 min (7380 s)", RunRecord.FormatDuration(7380));
    }
}
