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
/// pixels) and a tiny ResNet: a share beyond the sub-runs is refused. Its resume, shards (also with two seeds, whose
/// summary entries are the seed means with their spread) and kill cases are in <see cref="SweepRecipeTests"/>.
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

    [Fact]
    public void AShardBeyondTheSubRunsIsRefused()
    {
        var e = Assert.Throws<TelescopeException>(() => Run("x", new RunShard(4, 5), extra: "arms=random"));
        Assert.Contains("empty", e.Message);
        Assert.False(Directory.Exists(Path.Combine(_root, "x")));
    }
}
