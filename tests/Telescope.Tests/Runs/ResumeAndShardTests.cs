using Telescope.Cli;
using Telescope.Recipes.Approximation;
using Telescope.Recipes.TabularGbt;
using Telescope.Runs;
using Telescope.Tests.Recipes;
using Xunit;

namespace Telescope.Tests.Runs;

/// <summary>
/// Live results, failures and refusals in-process on tiny settings (synthetic data, seconds): the partial
/// metrics.csv readable mid-run; a failed run leaving nothing; and the refusals (corrupt or truncated checkpoint,
/// shards of other runs, missing or duplicate shares). Ctrl+C + resume, shards + merge and SIGKILL + resume of every
/// recipe are <see cref="SweepRecipeTests"/>; <see cref="AssertSameResults"/> is what "the same run" means there.
/// </summary>
public sealed class ResumeAndShardTests() : TempFolderTest("telescope-resume-")
{
    internal static readonly string[] TinyApproximation =
    [
        "data=synthetic", "train_size=96", "test_probes=24", "train_probes=12", "hidden=12", "batch_size=16",
        "steps=30", "log_every=5", "optimizers=sgd_momentum,adamw", "lr.sgd_momentum=0.001,0.01", "default_lr.sgd_momentum=0.001",
        "lr.adamw=0.0001,0.001", "default_lr.adamw=0.001", "threads=1",
    ];

    internal static readonly string[] TinyTabular =
    [
        "datasets=houses,cpu_act,wine_quality", "train_size=100", "pool_size=200", "test_size=10", "repetitions=2",
        "hidden=8", "steps=40", "log_every=10", "batch_size=16", "lr=0.01",
        "gbt_leaves=4", "gbt_min_data_in_leaf=5", "gbt_max_rounds=20", "dtype=float64", "threads=1",
    ];

    private readonly RecipeCatalog _catalog = new([new ApproximationRecipe(), new TabularGbtRecipe(name => TabularGbtTests.Synthetic(name))]);

    private RunResult Run(string recipe, string[] settings, string name, IProgressReporter? progress = null,
        RunShard? shard = null, CancellationToken cancel = default, params string[] extra) =>
        RecipeRunner.Run(_catalog, new RunRequest
        {
            Recipe = recipe, Quick = true, Assignments = [.. settings, .. extra], Out = Path.Combine(_root, name), Shard = shard,
        }, progress ?? SilentProgressReporter.Instance, cancel);

    internal static void AssertSameResults(string expectedFolder, string actualFolder)
    {
        foreach (string csv in Directory.GetFiles(expectedFolder, "*.csv").Select(f => Path.GetFileName(f)))
            Assert.True(File.ReadAllBytes(Path.Combine(expectedFolder, csv)).SequenceEqual(File.ReadAllBytes(Path.Combine(actualFolder, csv))),
                $"{csv} differs between {expectedFolder} and {actualFolder}");
        Assert.Equal(WallClockFields.Strip(File.ReadAllText(Path.Combine(expectedFolder, "summary.json"))),
            WallClockFields.Strip(File.ReadAllText(Path.Combine(actualFolder, "summary.json"))));
        Assert.Equal(Directory.GetFiles(expectedFolder).Select(Path.GetFileName).Order(), Directory.GetFiles(actualFolder).Select(Path.GetFileName).Order());
        // Resumed and merged runs too: their TensorBoard scalars are their metrics.csv, each step once.
        Telescope.Tests.Reporting.TensorBoard.RunTensorBoardAssert.MatchesMetrics(actualFolder);
    }

    [Fact]
    public void MetricsGrowRowByRowInThePartialFolderWhileTheRunGoesOn()
    {
        string? partial = null;
        var snapshots = new List<string[]>();
        var progress = new HookedProgress(onMessage: m =>
        {
            const string marker = "Partial run folder (metrics.csv grows row by row): ";
            if (m.StartsWith(marker, StringComparison.Ordinal)) partial = m[marker.Length..];
        }, onAdvance: units =>
        {
            // Paused mid-run (inside a progress callback): read the file as a user plotting it would.
            if (units is 12 or 47)
                using (var stream = new FileStream(Path.Combine(partial!, "metrics.csv"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
                using (var reader = new StreamReader(stream))
                    snapshots.Add(reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        });
        var result = Run("approximation", TinyApproximation, "live", progress);

        Assert.NotNull(partial);
        Assert.EndsWith("live", result.Folder);
        var final = File.ReadAllText(Path.Combine(result.Folder, "metrics.csv")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, snapshots.Count);
        // After 12 steps of the first sub-run: header, step 0, 5, 10. After 47 steps (30 + 17): the first sub-run's
        // 7 rows and the second's steps 0, 5, 10, 15.
        Assert.Equal(1 + 3, snapshots[0].Length);
        Assert.Equal(1 + 7 + 4, snapshots[1].Length);
        Assert.Equal(final.Take(snapshots[1].Length), snapshots[1]);
        Assert.StartsWith("sgd_momentum_lr=0.01,15,", snapshots[1][^1]);
        Assert.Equal(1 + 4 * 7, final.Length);
    }

    [Fact]
    public void TabularGbtWritesEachTrainingCurveRowWhileItTrains()
    {
        string? partial = null;
        string[]? snapshot = null;
        bool piMetricsMidRun = true;
        var progress = new HookedProgress(onMessage: m =>
        {
            const string marker = "Partial run folder (metrics.csv grows row by row): ";
            if (m.StartsWith(marker, StringComparison.Ordinal)) partial = m[marker.Length..];
        }, onAdvance: units =>
        {
            if (units != 65) return;   // the second data set's network at step 25 (40 steps each, rows every 10)
            using var stream = new FileStream(Path.Combine(partial!, "metrics.csv"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            snapshot = new StreamReader(stream).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            piMetricsMidRun = File.Exists(Path.Combine(partial!, "pi_metrics.csv"));
        });
        var result = Run("tabular-gbt", TinyTabular, "live-tabular", progress);
        var final = File.ReadAllText(Path.Combine(result.Folder, "metrics.csv")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotNull(snapshot);
        Assert.Equal(1 + 5 + 3, snapshot!.Length);      // header, houses 0…40, cpu_act 0, 10, 20
        Assert.Equal(final.Take(snapshot.Length), snapshot);
        Assert.StartsWith("cpu_act,20,", snapshot[^1]);
        Assert.Equal(1 + 3 * 5, final.Length);
        Assert.False(piMetricsMidRun);                   // pi_metrics.csv is written from all results at the end
    }

    [Fact]
    public void ARunThatFailsAfterACheckpointStillLeavesNothing()
    {
        // A linear network at lr 1e4 diverges within a few steps; checkpoint_minutes ≈ 0 writes a checkpoint before every step.
        string? partial = null;
        var progress = new HookedProgress(onAdvance: _ => partial ??= Directory.GetDirectories(_root, "diverges.partial-*").Single(),
            onMessage: _ => { });
        var e = Assert.ThrowsAny<TelescopeException>(() => Run("approximation", TinyApproximation, "diverges", progress,
            extra: ["optimizers=sgd", "lr.sgd=10000", "default_lr.sgd=10000", "activation=identity", "checkpoint_minutes=0.000001"]));
        Assert.Contains("diverged", e.Message);
        Assert.NotNull(partial);                                         // the run did have a partial folder …
        Assert.Empty(Directory.GetFileSystemEntries(_root));             // … with checkpoints, and left nothing
        Assert.Empty(Directory.GetFileSystemEntries(_root));
    }

    [Theory]
    [InlineData("corrupt")]
    [InlineData("truncated")]
    public void ResumeRefusesADamagedCheckpointNamingItAndKeepsTheFolder(string damage)
    {
        using var cancel = new CancellationTokenSource();
        var progress = new HookedProgress(onAdvance: units => { if (units == 40) cancel.Cancel(); });
        var interrupted = Assert.Throws<RunInterruptedException>(() =>
            Run("approximation", TinyApproximation, "damaged", progress, cancel: cancel.Token));
        string checkpoint = Path.Combine(interrupted.PartialFolder, RunCheckpoints.FileName);
        byte[] bytes = File.ReadAllBytes(checkpoint);
        if (damage == "corrupt") bytes[bytes.Length / 2] ^= 0x40;
        else bytes = bytes[..(bytes.Length - 100)];
        File.WriteAllBytes(checkpoint, bytes);

        var output = new StringWriter();
        var error = new StringWriter();
        int code = TelescopeCli.Invoke(["resume", interrupted.PartialFolder], _catalog, output, error);
        Assert.Equal(TelescopeCli.ExitUserError, code);
        Assert.Contains(checkpoint, error.ToString());
        Assert.Contains(damage == "corrupt" ? "corrupt" : "truncated", error.ToString());
        Assert.True(File.Exists(checkpoint));                       // never a silent restart, never deleted
        Assert.False(Directory.Exists(Path.Combine(_root, "damaged")));
    }

    [Fact]
    public void MergeRefusesShardsOfOtherRunsAndMissingOrDuplicateShares()
    {
        var shards = Enumerable.Range(0, 3).Select(i => Run("approximation", TinyApproximation, $"s{i}", shard: new RunShard(i, 3)).Folder).ToList();
        var otherSeed = Run("approximation", TinyApproximation, "other", shard: new RunShard(1, 3), extra: "seed=9").Folder;
        var twoShares = Run("approximation", TinyApproximation, "half", shard: new RunShard(1, 2)).Folder;

        string Refusal(params string[] folders) =>
            Assert.Throws<TelescopeException>(() => RecipeRunner.Merge(_catalog, folders, Path.Combine(_root, "m"), SilentProgressReporter.Instance)).Message;
        Assert.Contains("different run", Refusal(shards[0], otherSeed, shards[2]));
        Assert.Contains("missing", Refusal(shards[0], shards[2]));
        Assert.Contains("given twice", Refusal(shards[0], shards[1], shards[1], shards[2]));
        Assert.Contains("different numbers of shares", Refusal(shards[0], twoShares, shards[2]));
        Assert.Contains("shard.json", Refusal(shards[0], shards[1], _root));
        Assert.False(Directory.Exists(Path.Combine(_root, "m")));

        Assert.Contains("empty", Assert.Throws<TelescopeException>(() => Run("approximation", TinyApproximation, "x", shard: new RunShard(4, 5))).Message);
        Assert.Throws<TelescopeException>(() => RunShard.Parse("3/3"));
        Assert.Equal(new RunShard(2, 3), RunShard.Parse("2/3"));
    }

    /// <summary>A progress reporter that calls back on messages and on the running total of advanced units.</summary>
    internal sealed class HookedProgress(Action<double>? onAdvance = null, Action<string>? onMessage = null) : IProgressReporter
    {
        private double _units;
        public IProgressTask Start(string description, double total) => new Task(this);
        public void Message(string text) => onMessage?.Invoke(text);

        private sealed class Task(HookedProgress owner) : IProgressTask
        {
            public void Advance(double amount = 1)
            {
                owner._units += amount;
                owner.Advanced(owner._units);
            }
            public void SetStatus(string status) { }
            public void Finish() { }
            public void Dispose() { }
        }

        private void Advanced(double units) => onAdvance?.Invoke(units);
    }
}
