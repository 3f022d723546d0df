using System.Text.Json;
using Telescope.Cli;
using Telescope.Runs;
using Xunit;

namespace Telescope.Tests.Cli;

public class TelescopeCliTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("telescope-cli-").FullName;
    private readonly CancellationTokenSource _cancel = new();
    private readonly RecipeCatalog _catalog;

    public TelescopeCliTests() =>
        _catalog = new RecipeCatalog([new TinyRecipe(), new UserErrorRecipe(), new CrashRecipe(), new CancelRecipe(_cancel)]);

    public void Dispose()
    {
        _cancel.Dispose();
        Directory.Delete(_root, true);
    }

    private (int Code, string Out, string Err) Cli(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = TelescopeCli.Invoke(args, _catalog, output, error, _cancel.Token);
        return (code, output.ToString(), error.ToString());
    }

    private string[] Entries() => Directory.GetFileSystemEntries(_root).Select(Path.GetFileName).ToArray()!;

    [Fact]
    public void SuccessfulRunWritesACompleteFolderAndRerunsFromItsConfig()
    {
        string first = Path.Combine(_root, "first");
        var (code, output, error) = Cli("run", "tiny", "--quick", "--set", "seed=5", "--set", "lrs=0.2,0.5", "--out", first);
        Assert.True(code == 0, error);
        Assert.Contains("Run finished", output);
        Assert.Contains("sweep: 100%", output); // plain progress lines when not interactive
        foreach (string f in new[] { "config.json", "metrics.csv", "loss.png", "loss.svg", "summary.json", "report.md" })
            Assert.True(File.Exists(Path.Combine(first, f)), f);
        Assert.Equal(["first"], Entries());
        string metrics = File.ReadAllText(Path.Combine(first, "metrics.csv"));
        Assert.StartsWith("run,step,loss\nlr=0.2,0,", metrics);
        Assert.Equal(1 + 2 * 10, metrics.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length); // quick: 10 steps
        string report = File.ReadAllText(Path.Combine(first, "report.md"));
        Assert.Contains("| seed | 5 |", report);
        Assert.Contains("![Loss per step](loss.png)", report);

        string second = Path.Combine(_root, "second");
        (code, _, error) = Cli("run", "--config", Path.Combine(first, "config.json"), "--out", second);
        Assert.True(code == 0, error);
        Assert.Equal(metrics, File.ReadAllText(Path.Combine(second, "metrics.csv")));
        Assert.Equal(File.ReadAllText(Path.Combine(first, "summary.json")), File.ReadAllText(Path.Combine(second, "summary.json")));
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(second, "config.json")));
        Assert.True(config.RootElement.GetProperty("quick").GetBoolean());
        Assert.Equal(10, config.RootElement.GetProperty("settings").GetProperty("steps").GetInt32());
    }

    [Fact]
    public void ReproduceAndRecordRefuseBadInputWithAClearMessage()
    {
        var (code, _, error) = Cli("reproduce", "--scale", "huge", "--out", Path.Combine(_root, "r"));
        Assert.Equal(TelescopeCli.ExitUserError, code);
        Assert.Contains("Unknown scale 'huge'", error);
        (code, _, error) = Cli("reproduce", "--only", "no-such-recipe", "--out", Path.Combine(_root, "r"));
        Assert.Equal(TelescopeCli.ExitUserError, code);
        Assert.Contains("has no recipe 'no-such-recipe'", error);
        Assert.False(Directory.Exists(Path.Combine(_root, "r")), "nothing is written for a refused command");

        (code, _, error) = Cli("record", _root);
        Assert.Equal(TelescopeCli.ExitUserError, code);
        Assert.Contains("is not a finished run folder", error);
        string run = Path.Combine(_root, "run");
        Assert.Equal(0, Cli("run", "tiny", "--quick", "--out", run).Code);
        var (recorded, output, _) = Cli("record", run);
        Assert.Equal(0, recorded);
        Assert.Contains("written by the tool already, kept", output);
        File.WriteAllText(Path.Combine(run, "RUN.md"), "hand notes");
        (recorded, output, _) = Cli("record", run);
        Assert.Equal(0, recorded);
        Assert.Equal("hand notes", File.ReadAllText(Path.Combine(run, "NOTES.md")));
        string record = File.ReadAllText(Path.Combine(run, "RUN.md"));
        Assert.Contains("Written by `telescope record`", record);
        Assert.Contains($"| commit | {RunRecord.CommitOf(RunConfig.Load(Path.Combine(run, "config.json")).TelescopeVersion) ?? "not recorded by this build"} |", record);
    }

    [Fact]
    public void InteractiveProgressDisplayRunsToCompletion()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        string target = Path.Combine(_root, "live");
        int code = TelescopeCli.Invoke(["run", "tiny", "--quick", "--out", target], _catalog, output, error,
            CancellationToken.None, interactive: true);
        Assert.True(code == 0, error.ToString());
        Assert.Contains("sweep", output.ToString());
        Assert.True(File.Exists(Path.Combine(target, "report.md")));
    }

    [Fact]
    public void DefaultOutputFolderIsUnderRunsRootAndNeverClashes()
    {
        var request = new RunRequest { Recipe = "tiny", Quick = true, RunsRoot = Path.Combine(_root, "runs") };
        var first = RecipeRunner.Run(_catalog, request, SilentProgressReporter.Instance);
        var second = RecipeRunner.Run(_catalog, request, SilentProgressReporter.Instance);
        Assert.StartsWith(Path.Combine(_root, "runs", "tiny-"), first.Folder);
        Assert.NotEqual(first.Folder, second.Folder);
        Assert.Equal(2, Directory.GetDirectories(Path.Combine(_root, "runs")).Length);
    }

    [Fact]
    public void ConfigCanBeOverriddenButNotContradicted()
    {
        string first = Path.Combine(_root, "first");
        Assert.Equal(0, Cli("run", "tiny", "--quick", "--out", first).Code);
        string config = Path.Combine(first, "config.json");

        string second = Path.Combine(_root, "second");
        var (code, _, error) = Cli("run", "--config", config, "--set", "steps=3", "--out", second);
        Assert.True(code == 0, error);
        Assert.Equal(1 + 2 * 3, File.ReadAllLines(Path.Combine(second, "metrics.csv")).Length);

        (code, _, error) = Cli("run", "crash", "--config", config, "--out", Path.Combine(_root, "third"));
        Assert.Equal(2, code);
        Assert.Contains("differs from the recipe 'tiny'", error);

        (code, _, error) = Cli("run", "--config", Path.Combine(_root, "missing.json"), "--out", Path.Combine(_root, "third"));
        Assert.Equal(2, code);
        Assert.Contains("does not exist", error);
        Assert.Equal(["first", "second"], Entries().Order().ToArray());
    }

    [Fact]
    public void UnknownRecipeIsAUserError()
    {
        var (code, _, error) = Cli("run", "tinny", "--out", Path.Combine(_root, "x"));
        Assert.Equal(TelescopeCli.ExitUserError, code);
        Assert.Contains("error: Unknown recipe 'tinny'. Did you mean 'tiny'?", error);
        Assert.Contains("crash, tiny, user-error", error.Replace("cancel, ", ""));
        Assert.DoesNotContain("   at ", error); // no stack trace
        Assert.Empty(Entries());
    }

    [Fact]
    public void UnknownSettingSuggestsTheClosestKey()
    {
        var (code, _, error) = Cli("run", "tiny", "--set", "step=3", "--out", Path.Combine(_root, "x"));
        Assert.Equal(2, code);
        Assert.Contains("Unknown setting 'step'. Did you mean 'steps'?", error);
        Assert.Contains("Valid keys: seed, steps, lr, lrs", error);
        Assert.Empty(Entries());
    }

    [Fact]
    public void BadValueNamesKeyValueAndType()
    {
        var (code, _, error) = Cli("run", "tiny", "--set", "lr=fast", "--out", Path.Combine(_root, "x"));
        Assert.Equal(2, code);
        Assert.Contains("Setting 'lr' could not read 'fast': expected double", error);
        Assert.Empty(Entries());
    }

    [Fact]
    public void TelescopeExceptionInRecipeGivesExit2AndNoFolder()
    {
        var (code, _, error) = Cli("run", "user-error", "--out", Path.Combine(_root, "x"));
        Assert.Equal(2, code);
        Assert.Contains("error: The test recipe failed on purpose.", error);
        Assert.Contains("Nothing to do; this is a test.", error);
        Assert.DoesNotContain("   at ", error);
        Assert.Empty(Entries());
    }

    [Fact]
    public void UnexpectedExceptionGivesExit1AndStackTraceOnlyWhenVerbose()
    {
        var (code, _, error) = Cli("run", "crash", "--out", Path.Combine(_root, "x"));
        Assert.Equal(1, code);
        Assert.Contains("Unexpected error (InvalidOperationException): boom", error);
        Assert.DoesNotContain("   at ", error);
        (code, _, error) = Cli("run", "crash", "--verbose", "--out", Path.Combine(_root, "x"));
        Assert.Equal(1, code);
        Assert.Contains("   at ", error);
        Assert.Empty(Entries());
    }

    [Fact]
    public void CancellationRemovesTheTemporaryFolder()
    {
        var (code, _, error) = Cli("run", "cancel", "--out", Path.Combine(_root, "x"));
        Assert.Equal(TelescopeCli.ExitCancelled, code);
        Assert.Contains("Cancelled", error);
        Assert.Empty(Entries());
    }

    [Fact]
    public void ExistingOutputNeedsForce()
    {
        string target = Path.Combine(_root, "x");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "keep.txt"), "keep");
        var (code, _, error) = Cli("run", "tiny", "--quick", "--out", target);
        Assert.Equal(2, code);
        Assert.Contains("--force", error);
        (code, _, error) = Cli("run", "tiny", "--quick", "--out", target, "--force");
        Assert.True(code == 0, error);
        Assert.False(File.Exists(Path.Combine(target, "keep.txt")));
        Assert.Equal(["x"], Entries());
    }

    [Fact]
    public void BadArgumentsAreUserErrors()
    {
        var (code, _, error) = Cli("run", "tiny", "--bogus");
        Assert.Equal(2, code);
        Assert.Contains("--bogus", error);
        Assert.Contains("telescope run --help", error);
        (code, _, _) = Cli();
        Assert.Equal(2, code);
    }

    [Fact]
    public void ListAndDescribeShowRecipesAndSettings()
    {
        var (code, output, _) = Cli("list");
        Assert.Equal(0, code);
        Assert.Contains("tiny", output);
        Assert.Contains("Fits y = 2x", output);

        (code, output, _) = Cli("describe", "tiny");
        Assert.Equal(0, code);
        Assert.Contains("steps", output);
        Assert.Contains("Gradient steps", output);
        Assert.Matches(@"steps\s+│?\s*int\s+│?\s*50\s+│?\s*10", output); // default 50, quick 10

        (code, _, _) = Cli("describe", "nope");
        Assert.Equal(2, code);
    }

    [Fact]
    public void MissingDataFolderIsAUserError()
    {
        var (code, _, error) = Cli("run", "tiny", "--data", Path.Combine(_root, "no-such-data"), "--out", Path.Combine(_root, "x"));
        Assert.Equal(2, code);
        Assert.Contains("does not exist", error);
        Assert.Empty(Entries());
    }
}
