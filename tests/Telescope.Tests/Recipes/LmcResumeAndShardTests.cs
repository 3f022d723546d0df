using System.Text.Json;
using Telescope.Cli;
using Telescope.Recipes.Lmc;
using Telescope.Runs;
using Telescope.Tests.Data;
using Telescope.Tests.Runs;
using Xunit;

namespace Telescope.Tests.Recipes;

/// <summary>
/// lmc's checkpoints, shards and seeds in-process on synthetic CIFAR-10 files (the official batch layout, generated
/// pixels) and a tiny ResNet: three shards merged equal the unsharded run (metrics.csv byte-identical, summary.json
/// identical outside <see cref="WallClockFields"/>), also with two seeds, whose summary entries are the seed means
/// with their spread; a Ctrl+C mid-run leaves a checkpoint from which the resumed run finishes the same run.
/// </summary>
public sealed class LmcResumeAndShardTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("telescope-lmc-shard-").FullName;
    private readonly DataFixtures _data = new();

    public LmcResumeAndShardTests()
    {
        // data_batch_1 holds the main and the pretraining subsets; the loader needs all five official files.
        _data.Write("cifar10/data_batch_1.bin", DataFixtures.CifarRecords(Labels(64)));
        for (int i = 2; i <= 5; i++) _data.Write($"cifar10/data_batch_{i}.bin", DataFixtures.CifarRecords(Labels(10)));
        _data.Write("cifar10/test_batch.bin", DataFixtures.CifarRecords(Labels(40)));
    }

    public void Dispose()
    {
        Directory.Delete(_root, true);
        _data.Dispose();
    }

    private static byte[] Labels(int n) => Enumerable.Range(0, n).Select(i => (byte)(i * 7 % 10)).ToArray();

    private static readonly string[] Tiny =
    [
        "width=2", "steps=6", "spawn_steps=3,0", "pretrain_steps=2", "train_size=32", "pretrain_offset=32", "pretrain_size=32",
        "test_size=40", "probes=2", "batch_size=16", "bn_batches=2", "warmup_steps=2", "log_every=2", "threads=1",
    ];

    private readonly RecipeCatalog _catalog = new([new LmcRecipe()]);

    private RunResult Run(string name, RunShard? shard = null, IProgressReporter? progress = null, CancellationToken cancel = default, params string[] extra) =>
        RecipeRunner.Run(_catalog, new RunRequest
        {
            Recipe = "lmc", Quick = true, Assignments = [.. Tiny, .. extra], Out = Path.Combine(_root, name), Shard = shard, DataDirectory = _data.Root,
        }, progress ?? SilentProgressReporter.Instance, cancel);

    [Theory]
    [InlineData("")]
    [InlineData("seeds=4,5")]
    public void MergingThreeShardsGivesTheUnshardedRun(string seeds)
    {
        string[] extra = seeds.Length == 0 ? [] : [seeds];
        var whole = Run("whole", extra: extra);
        var shards = Enumerable.Range(0, 3).Select(i => Run($"shard{i}", new RunShard(i, 3), extra: extra).Folder).ToList();
        var merged = RecipeRunner.Merge(_catalog, [shards[1], shards[2], shards[0]], Path.Combine(_root, "merged"), SilentProgressReporter.Instance);
        ResumeAndShardTests.AssertSameResults(whole.Folder, merged.Folder);
        Assert.Equal(Directory.GetFiles(whole.Folder, "*.png").Length, Directory.GetFiles(merged.Folder, "*.png").Length);

        var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(whole.Folder, "summary.json"))).RootElement;
        var results = summary.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal(4, results.Length);                                        // 2 arms × 2 spawn steps, seeds combined
        Assert.Equal([0, 3], results.Take(2).Select(r => r.GetProperty("spawn_step").GetInt32()));   // spawn steps sorted
        var rows = File.ReadAllLines(Path.Combine(whole.Folder, "metrics.csv"));
        if (seeds.Length == 0)
        {
            Assert.False(results[0].TryGetProperty("per_seed", out _));
            Assert.Contains(rows, l => l.StartsWith("random_t=3_child=1,6,"));
            return;
        }
        foreach (var r in results)
        {
            var perSeed = r.GetProperty("per_seed").EnumerateArray().ToArray();
            Assert.Equal([4L, 5L], r.GetProperty("seeds").EnumerateArray().Select(s => s.GetInt64()));
            var drops = perSeed.Select(p => p.GetProperty("accuracy_drop").GetDouble()).ToArray();
            Assert.Equal(drops.Average(), r.GetProperty("accuracy_drop").GetDouble(), 12);
            double sd = Math.Sqrt(drops.Sum(d => (d - drops.Average()) * (d - drops.Average())));   // n − 1 = 1
            Assert.Equal(sd, r.GetProperty("accuracy_drop_sd").GetDouble(), 12);
            Assert.NotEqual(perSeed[0].GetProperty("function_change").GetDouble(), perSeed[1].GetProperty("function_change").GetDouble());   // seeds differ
        }
        Assert.Contains(rows, l => l.StartsWith("random_t=3_child=1_seed=5,6,"));
        Assert.Contains(rows, l => l.StartsWith("pretrained_pretrain_seed=4,"));
        Assert.Contains("mean ± sd over 2 seeds", File.ReadAllText(Path.Combine(whole.Folder, "report.md")));
    }

    [Fact]
    public void CtrlCMidRunCheckpointsAndTheResumedRunIsTheUninterruptedOne()
    {
        var reference = Run("reference");
        // Progress units are training steps: random 1–12 children at t′ = 0, 13–15 parent, 16–21 children at t′ = 3;
        // pretrained 22–23 pretraining, 24–35 children at t′ = 0, … Stop in a second child (the first one's end point
        // is in the checkpoint), in the parent between spawn points, in pretraining and in a first child.
        foreach (int stopAt in new[] { 8, 14, 22, 27 })
        {
            using var cancel = new CancellationTokenSource();
            var progress = new ResumeAndShardTests.HookedProgress(onAdvance: units => { if (units >= stopAt) cancel.Cancel(); });
            var interrupted = Assert.Throws<RunInterruptedException>(() =>
                Run($"interrupted{stopAt}", progress: progress, cancel: cancel.Token, extra: "checkpoint_minutes=0"));
            Assert.True(File.Exists(Path.Combine(interrupted.PartialFolder, RunCheckpoints.FileName)), $"stop at {stopAt}: no checkpoint");
            // The data folder given explicitly, as `telescope resume --data` would: TELESCOPE_DATA may name the real one.
            var resumed = RecipeRunner.Resume(_catalog, interrupted.PartialFolder, SilentProgressReporter.Instance, dataDirectory: _data.Root);
            ResumeAndShardTests.AssertSameResults(reference.Folder, resumed.Folder);
        }
    }

    [Fact]
    public void AShardBeyondTheSubRunsIsRefused()
    {
        var e = Assert.Throws<TelescopeException>(() => Run("x", new RunShard(4, 5), extra: "arms=random"));
        Assert.Contains("empty", e.Message);
        Assert.False(Directory.Exists(Path.Combine(_root, "x")));
    }
}
