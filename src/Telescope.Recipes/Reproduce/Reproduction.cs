namespace Telescope.Recipes.Reproduce;

/// <summary>
/// <c>telescope reproduce</c> (docs/reproduce.md): runs a <see cref="ReproducePlan"/> into one root folder, one run
/// folder per paper finding, and writes the index of every finding's verdict (<see cref="ReproduceIndex"/>).
/// Idempotent and resumable: a finished folder with the plan's settings is kept, an interrupted one is resumed from
/// its checkpoint, so running the same command again after a kill ends with the folders an uninterrupted
/// reproduction writes. With <c>--shard i/N</c> every run does share i of its sub-runs into
/// <c>&lt;folder&gt;.shards/shard-i</c>; <see cref="MergeShards"/> then combines them.
/// One reproduction per root and shard at a time: a second process would take the first one's partial folders for
/// abandoned ones.
/// </summary>
public sealed class Reproduction(RecipeCatalog catalog, string root, ReproduceScale scale, IReadOnlyList<ReproduceItem> plan)
{
    /// <summary>The reproduction of <paramref name="scale"/> with the built-in plan.</summary>
    public static Reproduction Of(RecipeCatalog catalog, string root, ReproduceScale scale) => new(catalog, root, scale, ReproducePlan.For(scale));

    public IReadOnlyList<ReproduceItem> Plan => plan;

    private ReproduceLedger Ledger => ReproduceLedger.In(root, scale);

    /// <summary>Runs, resumes or keeps every item (share <paramref name="shard"/> of each), then, unsharded, writes the index.</summary>
    /// <param name="force">Run every item anew, replacing finished folders once each new run succeeds.</param>
    /// <exception cref="TelescopeException">A finished folder holds other settings than the plan's (without <paramref name="force"/>), or any run's own problem.</exception>
    /// <exception cref="RunInterruptedException">Cancelled after a checkpoint: running the same command again continues.</exception>
    /// <param name="only">Run only the items of these recipes (the index still lists every finished item).</param>
    public void Run(RunShard shard, string? dataDirectory, bool force, IProgressReporter progress, CancellationToken cancellationToken = default,
        Action<string>? warn = null, IReadOnlyCollection<string>? only = null)
    {
        if (only?.FirstOrDefault(r => plan.All(i => i.Recipe != r)) is { } unknown)
            throw new TelescopeException($"The reproduction plan has no recipe '{unknown}'.") { Hint = $"Choose among: {string.Join(", ", plan.Select(i => i.Recipe))}." };
        for (int i = 0; i < plan.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var item = plan[i];
            if (only is not null && !only.Contains(item.Recipe)) continue;
            string folder = shard.IsAll ? item.Folder : $"{item.Folder}.shards/shard-{shard.Index}";
            string target = Path.Combine(root, folder);
            var request = Request(item) with { Out = target, Force = force, DataDirectory = dataDirectory, Shard = shard.IsAll ? null : shard };
            progress.Message($"[{i + 1}/{plan.Count}] {item.Recipe}: {item.Finding} → {target}");
            if (IsFinished(target) && !force)
            {
                EnsureSameSettings(request, target);
                progress.Message($"{target} is finished with the plan's settings: kept.");
                continue;
            }
            string? partial = force ? null : ResumablePartial(target, progress);
            var clock = Stopwatch.StartNew();
            try
            {
                var result = partial is not null
                    ? RecipeRunner.Resume(catalog, partial, progress, cancellationToken, warn, dataDirectory: dataDirectory)
                    : RecipeRunner.Run(catalog, request, progress, cancellationToken, warn);
                Ledger.Add(new(folder, partial is not null ? "resume" : "run", result.Elapsed.TotalSeconds, DateTimeOffset.UtcNow, MachineInfo.TelescopeVersion));
            }
            catch (RunInterruptedException)
            {
                // The work up to the checkpoint counts: the resume continues from it.
                Ledger.Add(new(folder, "interrupted", clock.Elapsed.TotalSeconds, DateTimeOffset.UtcNow, MachineInfo.TelescopeVersion));
                throw;
            }
        }
        if (shard.IsAll) WriteIndex();
    }

    /// <summary>
    /// Merges, for every item not yet finished, the <paramref name="count"/> shard folders that <c>--shard i/N</c> runs
    /// wrote, then writes the index of what is finished.
    /// </summary>
    /// <exception cref="TelescopeException">Some shards are missing or unfinished (named); the others are merged first.</exception>
    /// <param name="only">Merge only the items of these recipes (the others are neither merged nor reported missing).</param>
    public void MergeShards(int count, IProgressReporter progress, Action<string>? warn = null, IReadOnlyCollection<string>? only = null)
    {
        var missing = new List<string>();
        foreach (var item in plan)
        {
            if (only is not null && !only.Contains(item.Recipe)) continue;
            string target = Path.Combine(root, item.Folder);
            if (IsFinished(target)) continue;
            var shards = Enumerable.Range(0, count).Select(i => Path.Combine(root, $"{item.Folder}.shards/shard-{i}")).ToList();
            var absent = shards.Where(s => !IsFinished(s)).ToList();
            if (absent.Count > 0) { missing.AddRange(absent); continue; }
            var result = RecipeRunner.Merge(catalog, shards, target, progress, force: false, warn);
            Ledger.Add(new(item.Folder, "merge", result.Elapsed.TotalSeconds, DateTimeOffset.UtcNow, MachineInfo.TelescopeVersion));
        }
        WriteIndex();
        if (missing.Count > 0)
            throw new TelescopeException($"{missing.Count} shard folder(s) are missing or unfinished: {string.Join(", ", missing)}.")
            { Hint = $"Run 'telescope reproduce --scale {ReproducePlan.ScaleName(scale)} --shard i/{count}' for each missing i (it resumes interrupted shards), then merge again." };
    }

    /// <summary>
    /// Writes <c>README.md</c> and <c>index.json</c> of the root from its finished folders: this plan's, and, when it is
    /// the built-in plan, the other scale's too (a root holds both), quick first.
    /// </summary>
    public void WriteIndex() => ReproduceIndex.Write(root, IndexSections());

    /// <summary>What the index shows: this plan, and the other scale's built-in plan when this one is built in.</summary>
    public IReadOnlyList<ReproduceSection> IndexSections()
    {
        var sections = new List<ReproduceSection> { new(scale, plan, Ledger.Read()) };
        var other = scale == ReproduceScale.Quick ? ReproduceScale.Full : ReproduceScale.Quick;
        if (plan.Select(i => i.Folder).SequenceEqual(ReproducePlan.For(scale).Select(i => i.Folder)))
            sections.Add(new(other, ReproducePlan.For(other), ReproduceLedger.In(root, other).Read()));
        return sections.OrderBy(s => s.Scale).ToList();
    }

    /// <summary>The run request of <paramref name="item"/> (recipe, mode and settings; no folder).</summary>
    public static RunRequest Request(ReproduceItem item) => new() { Recipe = item.Recipe, Quick = item.Quick, Assignments = item.Assignments };

    /// <summary>A committed run folder (its RUN.md is the last file the tool writes before the rename).</summary>
    public static bool IsFinished(string folder) => File.Exists(Path.Combine(folder, RunRecord.FileName)) && File.Exists(Path.Combine(folder, RunConfig.FileName));

    /// <summary>A kept folder must hold what the plan would run now: same recipe and result-relevant settings.</summary>
    private void EnsureSameSettings(RunRequest request, string target)
    {
        string planned = RecipeRunner.Resolve(catalog, request).Settings.Fingerprint();
        string found = RecipeRunner.Resolve(catalog, new RunRequest { ConfigPath = Path.Combine(target, RunConfig.FileName) }).Settings.Fingerprint();
        if (planned != found)
            throw new TelescopeException($"{target} was written with other settings than the reproduction plan's ({request.Recipe}{(request.Quick ? " --quick" : "")}).")
            { Hint = "Move that folder away, or pass --force to run the plan anew over it." };
    }

    /// <summary>
    /// The interrupted run of <paramref name="target"/> to continue, if one left a checkpoint; partial folders without one
    /// (killed before their first checkpoint) hold nothing to continue and are removed.
    /// </summary>
    private static string? ResumablePartial(string target, IProgressReporter progress)
    {
        string parent = Path.GetDirectoryName(Path.GetFullPath(target))!;
        if (!Directory.Exists(parent)) return null;
        string? resumable = null;
        // The newest checkpoint wins: an older partial folder is a run that was started over instead of resumed.
        foreach (var partial in Directory.GetDirectories(parent, Path.GetFileName(target) + ".partial-*")
            .OrderByDescending(p => File.GetLastWriteTimeUtc(Path.Combine(p, RunCheckpoints.FileName))))
        {
            if (resumable is null && File.Exists(Path.Combine(partial, RunCheckpoints.FileName))) { resumable = partial; continue; }
            progress.Message($"Removing {partial}: {(resumable is null ? "it has no checkpoint to continue from" : "another partial folder of this run is resumed")}.");
            Directory.Delete(partial, recursive: true);
        }
        return resumable;
    }
}
