using System.Text.Json.Nodes;
using Telescope.Recipes.GrokkingModular;
using Telescope.Recipes.Reproduce;
using Telescope.Recipes.TabularGbt;
using Telescope.Runs;
using Telescope.Tests.Runs;
using Xunit;

namespace Telescope.Tests.Recipes;

/// <summary>
/// <c>telescope reproduce</c> on a plan of two tiny runs: the index lists every finding the run folders judged, a
/// reproduction cancelled after a checkpoint and run again ends with the uninterrupted one's folders and index, a
/// finished folder is kept, a foreign one refused, and shards merge into the unsharded result.
/// </summary>
public sealed class ReproductionTests() : TempFolderTest("telescope-reproduce-")
{
    private static readonly string[] TinyModular =
    [
        "p=5", "train_fractions=0.6", "weight_decays=0.5,1", "d_model=8", "heads=2", "d_mlp=16", "lr=0.01", "steps=12",
        "log_per_decade=2", "log_every=4", "telescoping_probes=4", "spectrum_probes=2", "spectrum_top_k=3", "dtype=float64", "threads=1",
        "checkpoint_minutes=0.000001",
    ];

    private static readonly IReadOnlyList<ReproduceItem> Plan =
    [
        new("GBT vs NN", "Fig. 5", "tabular-gbt", "tabular-gbt/tiny", true, [.. ResumeAndShardTests.TinyTabular, "datasets=houses,wine_quality"]),
        new("Grokking modular arithmetic", "beyond the paper", "grokking-modular", "grokking-modular/tiny", true, TinyModular),
    ];

    private readonly RecipeCatalog _catalog = new([new TabularGbtRecipe(name => TabularGbtTests.Synthetic(name)), new GrokkingModularRecipe()]);

    private Reproduction At(string name) => new(_catalog, Path.Combine(_root, name), ReproduceScale.Quick, Plan);

    [Fact]
    public void TheIndexListsEveryFindingOfEveryRunWithItsVerdict()
    {
        var reproduction = At("a");
        reproduction.Run(RunShard.All, null, force: false, SilentProgressReporter.Instance);
        var index = JsonNode.Parse(File.ReadAllText(Path.Combine(_root, "a", ReproduceIndex.JsonFileName)))!;
        var runs = index["sections"]![0]!["runs"]!.AsArray();
        Assert.Equal(Plan.Select(i => i.Folder), runs.Select(r => (string)r!["folder"]!));
        string readme = File.ReadAllText(Path.Combine(_root, "a", ReproduceIndex.ReadmeFileName));
        foreach (var run in runs)
        {
            var written = RunFindings.Read(Path.Combine(_root, "a", (string)run!["folder"]!));
            Assert.NotEmpty(written);
            Assert.Equal(written.Count, run["findings"]!.AsArray().Count);
            foreach (var f in written)
            {
                Assert.Contains(f.Verdict.Statement.Replace("|", "\\|"), readme);
                Assert.Contains(RunFindings.OutcomeName(f.Verdict.Outcome), run["findings"]!.AsArray().Select(x => (string)x!["outcome"]!));
            }
            Assert.True((double)run["wall_seconds"]! > 0, "the ledger recorded the run's wall time");
        }
        Assert.Contains("| runs finished | 2 of 2 |", readme);
    }

    [Fact]
    public void CancelledAfterACheckpointAndRunAgainItEndsAsTheUninterruptedOne()
    {
        At("straight").Run(RunShard.All, null, force: false, SilentProgressReporter.Instance);

        using var cancel = new CancellationTokenSource();
        bool inModular = false;
        var progress = new ResumeAndShardTests.HookedProgress(
            onAdvance: _ => { if (inModular) cancel.Cancel(); },
            onMessage: text => inModular |= text.Contains("grokking-modular/tiny.partial-", StringComparison.Ordinal));
        Assert.Throws<RunInterruptedException>(() => At("resumed").Run(RunShard.All, null, force: false, progress, cancel.Token));
        Assert.True(Reproduction.IsFinished(Path.Combine(_root, "resumed", "tabular-gbt/tiny")));
        Assert.Single(Directory.GetDirectories(Path.Combine(_root, "resumed", "grokking-modular"), "tiny.partial-*"));

        var messages = new List<string>();
        At("resumed").Run(RunShard.All, null, force: false, new ResumeAndShardTests.HookedProgress(onMessage: messages.Add));
        Assert.Contains(messages, m => m.Contains("tabular-gbt/tiny is finished with the plan's settings: kept", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("Resuming grokking-modular", StringComparison.Ordinal));
        foreach (var item in Plan)
            ResumeAndShardTests.AssertSameResults(Path.Combine(_root, "straight", item.Folder), Path.Combine(_root, "resumed", item.Folder));
        Assert.Empty(Directory.GetDirectories(Path.Combine(_root, "resumed", "grokking-modular"), "tiny.partial-*"));
        Assert.Equal(WithoutClock(Path.Combine(_root, "straight")), WithoutClock(Path.Combine(_root, "resumed")));
        var ledger = ReproduceLedger.In(Path.Combine(_root, "resumed"), ReproduceScale.Quick).Read();
        Assert.Equal(["run", "interrupted", "resume"], ledger.Select(e => e.Action));
        Assert.True(ledger[1].Seconds > 0);
    }

    [Fact]
    public void AFinishedFolderWithOtherSettingsIsRefusedUnlessForced()
    {
        var item = Plan[1];
        RecipeRunner.Run(_catalog, Reproduction.Request(item) with { Assignments = [.. item.Assignments, "steps=8"], Out = Path.Combine(_root, "c", item.Folder) },
            SilentProgressReporter.Instance);
        var reproduction = new Reproduction(_catalog, Path.Combine(_root, "c"), ReproduceScale.Quick, [item]);
        var e = Assert.Throws<TelescopeException>(() => reproduction.Run(RunShard.All, null, force: false, SilentProgressReporter.Instance));
        Assert.Contains("other settings than the reproduction plan's", e.Message);
        reproduction.Run(RunShard.All, null, force: true, SilentProgressReporter.Instance);
        Assert.Contains("\"steps\": 12", File.ReadAllText(Path.Combine(_root, "c", item.Folder, RunConfig.FileName)));
    }

    [Fact]
    public void ShardsMergeIntoTheUnshardedReproduction()
    {
        At("whole").Run(RunShard.All, null, force: false, SilentProgressReporter.Instance);
        var sharded = At("sharded");
        var early = Assert.Throws<TelescopeException>(() => sharded.MergeShards(2, SilentProgressReporter.Instance));
        Assert.Contains("missing or unfinished", early.Message);
        // Restricted to recipes the plan does not shard here, nothing is missing: no error.
        sharded.MergeShards(2, SilentProgressReporter.Instance, only: ["no-such-recipe"]);
        sharded.Run(new RunShard(0, 2), null, force: false, SilentProgressReporter.Instance);
        sharded.Run(new RunShard(1, 2), null, force: false, SilentProgressReporter.Instance);
        sharded.MergeShards(2, SilentProgressReporter.Instance);
        foreach (var item in Plan)
            ResumeAndShardTests.AssertSameResults(Path.Combine(_root, "whole", item.Folder), Path.Combine(_root, "sharded", item.Folder));
        Assert.Equal(WithoutClock(Path.Combine(_root, "whole")), WithoutClock(Path.Combine(_root, "sharded")));
    }

    /// <summary>The index without its wall times (the only fields a resume or a sharding may change).</summary>
    private static string WithoutClock(string root)
    {
        var index = JsonNode.Parse(File.ReadAllText(Path.Combine(root, ReproduceIndex.JsonFileName)))!;
        foreach (var section in index["sections"]!.AsArray())
        {
            section!.AsObject().Remove("wall_seconds");
            foreach (var run in section["runs"]!.AsArray()) run!.AsObject().Remove("wall_seconds");
        }
        return index.ToJsonString();
    }
}
