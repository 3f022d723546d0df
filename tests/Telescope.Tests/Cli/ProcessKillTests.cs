using System.Diagnostics;
using System.Runtime.InteropServices;
using Telescope.Runs;
using Telescope.Tests.Data;
using Telescope.Tests.Recipes;
using Telescope.Tests.Runs;
using Xunit;

namespace Telescope.Tests.Cli;

/// <summary>
/// Resume after real process deaths: the built <c>telescope</c> CLI runs as a child process on a small quick
/// run with a tiny <c>checkpoint_minutes</c>; once a checkpoint exists and metrics.csv has grown, the child is
/// SIGKILLed (no chance to clean up) or sent SIGTERM (must write a checkpoint and keep its folder), then
/// <c>telescope resume</c> finishes the run in a new process. The finished folder must equal an uninterrupted
/// child run's: every CSV byte-identical, summary.json identical outside <see cref="WallClockFields"/>.
/// </summary>
public sealed class ProcessKillTests() : TempFolderTest("telescope-kill-")
{
    internal static readonly string[] Approximation =
    [
        "data=synthetic", "train_size=256", "test_probes=40", "train_probes=16", "hidden=24", "batch_size=16",
        "steps=150", "log_every=10", "optimizers=sgd_momentum,adam", "lr.sgd_momentum=0.001,0.005", "default_lr.sgd_momentum=0.001",
        "lr.adam=0.0001,0.001", "default_lr.adam=0.0001", "threads=1",
    ];
    internal const int ApproximationRows = 1 + 4 * 16;

    internal static readonly string[] Tabular =
    [
        "datasets=houses,cpu_act", "train_size=200", "pool_size=400", "test_size=20", "repetitions=2", "hidden=16",
        "steps=300", "log_every=20", "batch_size=16", "gbt_leaves=4", "gbt_min_data_in_leaf=5", "gbt_max_rounds=30", "threads=1",
    ];
    internal const int TabularRows = 1 + 2 * 16;

    [Fact]
    public void SigtermWritesACheckpointKeepsTheFolderAndResumes() =>
        KillResumeAndCompare(_root, "approximation", Approximation, ApproximationRows, signal: Sigterm);

    internal const int Sigkill = 9, Sigterm = 15;

    /// <summary>Runs <paramref name="recipe"/> uninterrupted and interrupted (by <paramref name="signal"/>) + resumed in child processes under <paramref name="root"/>, and compares the folders.</summary>
    internal static void KillResumeAndCompare(string root, string recipe, string[] settings, int totalRows, int signal)
    {
        string reference = Path.Combine(root, "reference");
        var (code, _, error) = Telescope(root, ["run", recipe, "--quick", .. Sets(settings), "--out", reference]).Finish();
        Assert.True(code == 0, error);

        // SIGKILL: checkpoints every 0.3 s. SIGTERM: none on the clock, so the checkpoint found must be the one
        // written on the signal.
        double minutes = signal == Sigkill ? 0.005 : 60;
        string target = Path.Combine(root, "interrupted");
        var child = Telescope(root, ["run", recipe, "--quick", .. Sets(settings), "--set", $"checkpoint_minutes={minutes}", "--out", target]);
        string partial = WaitForProgress(child, target, needCheckpoint: signal == Sigkill, minRows: totalRows / 3);
        Assert.Equal(0, Kill(child.Process.Id, signal));
        var (killedCode, _, killedError) = child.Finish();
        if (signal == Sigkill) Assert.Equal(128 + Sigkill, killedCode);
        else
        {
            Assert.True(killedCode == TelescopeCliExitCancelled, killedError);
            Assert.Contains("telescope resume", killedError);
        }
        Assert.True(File.Exists(Path.Combine(partial, RunCheckpoints.FileName)), $"no checkpoint in {partial}");
        Assert.False(Directory.Exists(target));
        int rowsAtKill = File.ReadAllLines(Path.Combine(partial, "metrics.csv")).Length;
        Assert.InRange(rowsAtKill, totalRows / 3, totalRows - 1);   // really in the middle

        var (resumeCode, resumeOut, resumeError) = Telescope(root, ["resume", partial]).Finish();
        Assert.True(resumeCode == 0, resumeError + resumeOut);
        Assert.False(Directory.Exists(partial));
        ResumeAndShardTests.AssertSameResults(reference, target);
    }

    private const int TelescopeCliExitCancelled = global::Telescope.Cli.TelescopeCli.ExitCancelled;

    /// <summary>Waits until the child's partial folder has a checkpoint (if asked) and at least <paramref name="minRows"/> metrics lines.</summary>
    private static string WaitForProgress(Child child, string target, bool needCheckpoint, int minRows)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromMinutes(3))
        {
            if (child.Process.HasExited)
                throw new Xunit.Sdk.XunitException($"The child exited ({child.Process.ExitCode}) before it could be interrupted: {child.Error}");
            var partial = Directory.GetDirectories(Path.GetDirectoryName(target)!, Path.GetFileName(target) + ".partial-*").SingleOrDefault();
            if (partial is not null && (!needCheckpoint || File.Exists(Path.Combine(partial, RunCheckpoints.FileName))))
            {
                string metrics = Path.Combine(partial, "metrics.csv");
                if (File.Exists(metrics) && ReadShared(metrics).Count(c => c == '\n') >= minRows) return partial;
            }
            Thread.Sleep(50);
        }
        throw new Xunit.Sdk.XunitException("The child made no progress within 3 minutes.");
    }

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return new StreamReader(stream).ReadToEnd();
    }

    private static string[] Sets(string[] settings) => settings.SelectMany(s => new[] { "--set", s }).ToArray();

    /// <summary>The CLI built next to this test assembly's configuration (src/Telescope.Cli/bin/&lt;config&gt;/…/Telescope.Cli.dll).</summary>
    private static string CliPath()
    {
        string here = AppContext.BaseDirectory;
        string configuration = here.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}") ? "Debug" : "Release";
        var root = new DirectoryInfo(here);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Telescope.slnx"))) root = root.Parent;
        Assert.NotNull(root);
        var dll = Directory.GetFiles(Path.Combine(root!.FullName, "src", "Telescope.Cli", "bin", configuration), "Telescope.Cli.dll", SearchOption.AllDirectories)
            .OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault();
        Assert.True(dll is not null, $"Build src/Telescope.Cli ({configuration}) first.");
        return dll!;
    }

    private static Child Telescope(string root, string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root };
        start.ArgumentList.Add(CliPath());
        foreach (string a in args) start.ArgumentList.Add(a);
        return new Child(Process.Start(start)!);
    }

    private sealed class Child
    {
        private readonly System.Text.StringBuilder _out = new(), _error = new();
        public Child(Process process)
        {
            Process = process;
            process.OutputDataReceived += (_, e) => { lock (_out) _out.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { lock (_error) _error.AppendLine(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }
        public Process Process { get; }
        public string Error { get { lock (_error) return _error.ToString(); } }

        public (int Code, string Out, string Error) Finish()
        {
            if (!Process.WaitForExit(TimeSpan.FromMinutes(5)))
            {
                Process.Kill();
                throw new Xunit.Sdk.XunitException("The child did not finish within 5 minutes.");
            }
            Process.WaitForExit();   // drains the redirected output
            lock (_out) lock (_error) return (Process.ExitCode, _out.ToString(), _error.ToString());
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
