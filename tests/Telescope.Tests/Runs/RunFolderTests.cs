using System.Text.Json;
using Telescope.Runs;
using Xunit;

namespace Telescope.Tests.Runs;

public class RunFolderTests() : TempFolderTest("telescope-runfolder-")
{
    private string[] Entries() => Directory.GetFileSystemEntries(_root).Select(Path.GetFileName).ToArray()!;

    [Fact]
    public void SuccessMovesEverythingToTheFinalFolder()
    {
        string target = Path.Combine(_root, "run");
        using (var folder = RunFolder.Create(target, force: false))
        {
            Assert.False(Directory.Exists(target));
            Assert.StartsWith("run.partial-", Path.GetFileName(folder.WorkingPath));
            var metrics = folder.OpenMetrics(["loss"]);
            metrics.WriteRow("a", 0, 1.5);
            folder.WriteReport("# hi\n");
            folder.WriteText("sub/extra.txt", "x");
            folder.Commit();
            Assert.True(folder.IsCommitted);
        }
        Assert.Equal(["run"], Entries());
        Assert.Equal("run,step,loss\na,0,1.5\n", File.ReadAllText(Path.Combine(target, "metrics.csv")));
        Assert.Equal("# hi\n", File.ReadAllText(Path.Combine(target, "report.md")));
        Assert.True(File.Exists(Path.Combine(target, "sub", "extra.txt")));
    }

    [Fact]
    public void FailureLeavesNothingBehind()
    {
        string target = Path.Combine(_root, "run");
        Assert.Throws<InvalidOperationException>(void () =>
        {
            using var folder = RunFolder.Create(target, force: false);
            folder.OpenMetrics(["loss"]).WriteRow("a", 0, 1.0); // left open on purpose
            folder.WriteSummary(new { x = 1 });
            throw new InvalidOperationException("recipe failed");
        });
        Assert.Empty(Entries());
    }

    [Fact]
    public void ExistingNonEmptyFolderNeedsForce()
    {
        string target = Path.Combine(_root, "run");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "old.txt"), "old");
        var e = Assert.Throws<TelescopeException>(() => RunFolder.Create(target, force: false));
        Assert.Contains("already exists", e.Message);
        Assert.Contains("--force", e.Hint);
        Assert.Equal(["run"], Entries());
    }

    [Fact]
    public void ForceReplacesOnlyOnSuccess()
    {
        string target = Path.Combine(_root, "run");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "old.txt"), "old");

        using (var failing = RunFolder.Create(target, force: true)) failing.WriteText("new.txt", "new"); // no commit
        Assert.True(File.Exists(Path.Combine(target, "old.txt")));
        Assert.Equal(["run"], Entries());

        using (var ok = RunFolder.Create(target, force: true))
        {
            ok.WriteText("new.txt", "new");
            ok.Commit();
        }
        Assert.Equal(["new.txt"], Directory.GetFiles(target).Select(f => Path.GetFileName(f)).ToArray());
        Assert.Equal(["run"], Entries());
    }

    [Fact]
    public void EmptyExistingFolderIsReused()
    {
        string target = Path.Combine(_root, "run");
        Directory.CreateDirectory(target);
        using var folder = RunFolder.Create(target, force: false);
        folder.WriteText("a.txt", "a");
        folder.Commit();
        Assert.True(File.Exists(Path.Combine(target, "a.txt")));
    }

    [Fact]
    public void SummaryKeepsKeysAsGivenAndWritesNonFiniteNumbers()
    {
        string target = Path.Combine(_root, "run");
        using (var folder = RunFolder.Create(target, false))
        {
            folder.WriteSummary(new
            {
                err_abs_telescoping = 1e-7,
                ErrLinear = double.NaN,
                perRate = new Dictionary<string, double> { ["SGD lr=0.1"] = 0.25 },
                name = "f̃",
            });
            folder.Commit();
        }
        string json = File.ReadAllText(Path.Combine(target, "summary.json"));
        Assert.Contains("\n  \"err_abs_telescoping\": 1E-07", json); // indented, key unchanged
        Assert.Contains("\"f̃\"", json); // readable Unicode
        using var doc = JsonDocument.Parse(json);
        Assert.Equal("NaN", doc.RootElement.GetProperty("ErrLinear").GetString());
        Assert.Equal(0.25, doc.RootElement.GetProperty("perRate").GetProperty("SGD lr=0.1").GetDouble());
    }

    [Fact]
    public void PathsCannotEscapeTheFolder()
    {
        using var folder = RunFolder.Create(Path.Combine(_root, "run"), false);
        Assert.Throws<ArgumentException>(() => folder.GetPath("../evil.txt"));
        Assert.Throws<ArgumentException>(() => folder.GetPath("/tmp/evil.txt"));
    }

    [Fact]
    public void OutputPathThatIsAFileIsAUserError()
    {
        string file = Path.Combine(_root, "file");
        File.WriteAllText(file, "x");
        Assert.Throws<TelescopeException>(() => RunFolder.Create(file, force: true));
    }

    [Fact]
    public void DefaultPathHasRecipeAndTimestamp()
    {
        Assert.Equal(Path.Combine("runs", "tiny-20260102-030405"),
            RunFolder.DefaultPath("tiny", new DateTime(2026, 1, 2, 3, 4, 5)));
    }
}
