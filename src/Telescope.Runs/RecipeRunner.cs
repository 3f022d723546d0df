using Telescope.Data;

namespace Telescope.Runs;

/// <summary>
/// Runs a recipe end to end: resolves its settings (defaults → config file → <c>--set</c>), creates the
/// run folder, writes config.json, calls the recipe and commits the folder only if it returns. Used by
/// the CLI; recipe tests can call it directly with a <see cref="SilentProgressReporter"/>. Also resumes an
/// interrupted run from its checkpoint (<see cref="Resume"/>) and merges the shards of a sweep (<see cref="Merge"/>).
/// </summary>
public static class RecipeRunner
{
    /// <summary>Environment variable naming the data folder when <c>--data</c> is not given.</summary>
    public const string DataEnvironmentVariable = "TELESCOPE_DATA";

    /// <summary>Resolves the recipe and settings of <paramref name="request"/> without running anything.</summary>
    /// <param name="warn">Receives warnings (e.g. settings missing from an older config file).</param>
    /// <exception cref="TelescopeException">Unknown recipe or setting, bad value, bad config file.</exception>
    public static (IRecipe Recipe, RecipeSettings Settings, RunConfig? Config) Resolve(RecipeCatalog catalog,
        RunRequest request, Action<string>? warn = null)
    {
        RunConfig? config = request.ConfigPath is null ? null : RunConfig.Load(request.ConfigPath);
        if (request.Recipe is { } r && config?.Recipe is { } c && r != c)
            throw new TelescopeException($"The recipe '{r}' differs from the recipe '{c}' in the config file.")
            { Hint = "Leave out the recipe name when using --config." };
        string name = request.Recipe ?? config?.Recipe ?? throw new TelescopeException("No recipe given.")
        { Hint = "Usage: telescope run <recipe> (see 'telescope list'), or --config runs/<name>/config.json" };
        var recipe = catalog.Get(name);
        var settings = CreateSettings(recipe, request.Quick || config?.Quick == true);
        if (config is not null)
        {
            var missing = config.ApplyTo(settings);
            if (missing.Count > 0)
                warn?.Invoke($"The config file has no value for {string.Join(", ", missing)}; using the defaults.");
        }
        settings.Apply(request.Assignments);
        return (recipe, settings, config);
    }

    /// <summary>The recipe's settings followed by the run settings every recipe has (<see cref="RecipeSettings.AddRunSettings"/>).</summary>
    public static RecipeSettings CreateSettings(IRecipe recipe, bool quick) => recipe.CreateSettings(quick).AddRunSettings();

    /// <summary>Runs the recipe of <paramref name="request"/> and returns the committed folder.</summary>
    /// <exception cref="TelescopeException">Any user-fixable problem; no run folder is left behind.</exception>
    /// <exception cref="RunInterruptedException">Cancelled after a checkpoint: the partial folder is kept for <see cref="Resume"/>.</exception>
    /// <exception cref="OperationCanceledException">Cancelled before any checkpoint; no run folder is left behind.</exception>
    public static RunResult Run(RecipeCatalog catalog, RunRequest request, IProgressReporter progress,
        CancellationToken cancellationToken = default, Action<string>? warn = null)
    {
        var (recipe, settings, config) = Resolve(catalog, request, warn);
        string? data = ResolveDataDirectory(request.DataDirectory ?? Environment.GetEnvironmentVariable(DataEnvironmentVariable) ?? config?.DataDirectory);
        var shard = request.Shard ?? RunShard.All;
        if (!shard.IsAll && recipe is not ISweepRecipe)
            throw new TelescopeException($"Recipe '{recipe.Name}' cannot be sharded yet: it does not split into independent sub-runs.")
            { Hint = "Run it without --shard (see src/Telescope.Recipes/README.md for how a recipe adopts sharding)." };
        cancellationToken.ThrowIfCancellationRequested();

        ApplyThreads(settings);
        var machine = MachineInfo.Capture();
        var started = DateTimeOffset.UtcNow;
        string outPath = request.Out ?? UnusedDefaultPath(recipe.Name + (shard.IsAll ? "" : $"-shard{shard.Index}of{shard.Count}"), request.RunsRoot);

        using var folder = RunFolder.Create(outPath, request.Force);
        folder.WriteConfig(RunConfig.FromSettings(recipe.Name, settings, machine, data));
        progress.Message($"Partial run folder (metrics.csv grows row by row): {folder.WorkingPath}");
        return Execute(recipe, settings, folder, progress, data, cancellationToken, machine, started, shard, resumed: null, config?.DataFiles ?? []);
    }

    /// <summary>
    /// Continues the interrupted run in <paramref name="partialFolder"/> from its last checkpoint, with the
    /// configuration, shard and thread count recorded there, and commits the folder exactly as the
    /// uninterrupted run would have. A failure after the checkpoint was loaded keeps the partial folder.
    /// </summary>
    /// <exception cref="TelescopeException">No, a corrupt or a foreign checkpoint (named), or a problem of the resumed run.</exception>
    public static RunResult Resume(RecipeCatalog catalog, string partialFolder, IProgressReporter progress,
        CancellationToken cancellationToken = default, Action<string>? warn = null, bool force = false, string? dataDirectory = null)
    {
        string full = Path.GetFullPath(partialFolder);
        string configPath = Path.Combine(full, RunConfig.FileName);
        string checkpointPath = Path.Combine(full, RunCheckpoints.FileName);
        if (!Directory.Exists(full))
            throw new TelescopeException($"The folder '{full}' does not exist.") { Hint = "Pass the partial folder printed when the run started." };
        if (!File.Exists(checkpointPath))
            throw new TelescopeException($"'{full}' has no {RunCheckpoints.FileName}: the run stopped before its first checkpoint, so there is nothing to resume.")
            { Hint = "Start the run again with 'telescope run --config " + configPath + "' (and a smaller --set checkpoint_minutes=…)." };
        var state = Checkpointing.CheckpointFile.Read(checkpointPath);
        var (recipe, settings, config) = Resolve(catalog, new RunRequest { ConfigPath = configPath }, warn);
        string savedRecipe = state.GetString(RecipeKey), savedFingerprint = state.GetString(FingerprintKey);
        if (savedRecipe != recipe.Name || savedFingerprint != settings.Fingerprint())
            throw new TelescopeException($"The checkpoint '{checkpointPath}' belongs to another run ({savedRecipe}) than '{configPath}' describes " +
                $"({recipe.Name}{(savedRecipe == recipe.Name ? ", other settings or seed" : "")}).")
            { Hint = "Do not edit config.json of a partial folder; resume the folder the checkpoint was written in." };
        var shard = RunShard.Parse(state.GetString(ShardKey));
        // A resume continues with the data the run started on: the folder it recorded wins over TELESCOPE_DATA (which
        // may point elsewhere in the new shell) unless that folder is gone (moved machine); --data overrides both.
        string? recorded = config!.DataDirectory is { } r && Directory.Exists(r) ? r : null;
        string? data = ResolveDataDirectory(dataDirectory ?? recorded ?? Environment.GetEnvironmentVariable(DataEnvironmentVariable));

        // The same intra-op thread count as before the interruption: reductions split by thread can round differently.
        int threads = state.GetInt(RunCheckpoints.ThreadsKey);
        torch.set_num_threads(threads);
        var machine = MachineInfo.Capture();
        using var folder = RunFolder.OpenPartial(full, force);
        folder.KeepPartial();   // until the recipe has the checkpoint loaded, nothing may delete it
        Checkpointing.CheckpointFile.DeleteLeftovers(checkpointPath);   // a kill during a checkpoint write
        folder.RestoreMetrics(state);   // before the TensorBoard log starts: it is rewritten from the restored rows
        progress.Message($"Resuming {recipe.Name}{(shard.IsAll ? "" : $" shard {shard}")} from {checkpointPath} ({threads} threads); partial run folder: {full}");
        return Execute(recipe, settings, folder, progress, data, cancellationToken, machine, config.CreatedUtc, shard, state, config.DataFiles);
    }

    /// <summary>
    /// Merges the folders of the N shards of one sweep into <paramref name="outPath"/>: the folder an unsharded
    /// run writes (metrics, summary, figures, report). Refuses shards of different recipes, configurations or
    /// seeds, and missing or duplicate shares.
    /// </summary>
    /// <exception cref="TelescopeException">The shards do not make up one whole sweep; the message says why.</exception>
    public static RunResult Merge(RecipeCatalog catalog, IReadOnlyList<string> shardFolders, string outPath, IProgressReporter progress,
        bool force = false, Action<string>? warn = null)
    {
        var clock = Stopwatch.StartNew();
        if (shardFolders.Count == 0) throw new TelescopeException("No shard folders given.") { Hint = "Usage: telescope merge <shard folder>... --out DIR" };
        var shards = shardFolders.Select(f => (Folder: Path.GetFullPath(f), File: ShardFile.Read(f))).ToList();
        var first = shards[0];
        foreach (var (folder, file) in shards.Skip(1))
        {
            if (file.Recipe != first.File.Recipe || file.Fingerprint != first.File.Fingerprint || file.SubRuns != first.File.SubRuns)
                throw new TelescopeException($"'{folder}' is a shard of a different run than '{first.Folder}' " +
                    (file.Recipe != first.File.Recipe ? $"(recipe {file.Recipe} vs {first.File.Recipe})." : "(other settings or seed)."))
                { Hint = "Merge only the shards of one 'telescope run … --shard i/N' sweep (same recipe, --set values and seed)." };
            if (file.Count != first.File.Count)
                throw new TelescopeException($"'{folder}' is shard {file.Index}/{file.Count} but '{first.Folder}' is shard {first.File.Index}/{first.File.Count}: different numbers of shares.")
                { Hint = "Merge the shards of one sweep, all run with the same N." };
            if (file.Facts != first.File.Facts)
                throw new TelescopeException($"'{folder}' and '{first.Folder}' saw different data or models (their sweep facts differ).")
                { Hint = "Run every shard against the same data folder and version of Telescope." };
        }
        var duplicate = shards.GroupBy(s => s.File.Index).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new TelescopeException($"Shard {duplicate.Key}/{first.File.Count} is given twice: {string.Join(" and ", duplicate.Select(d => $"'{d.Folder}'"))}.")
            { Hint = "Pass each shard folder once." };
        var missing = Enumerable.Range(0, first.File.Count).Except(shards.Select(s => s.File.Index)).ToList();
        if (missing.Count > 0)
            throw new TelescopeException($"Shard(s) {string.Join(", ", missing.Select(m => $"{m}/{first.File.Count}"))} missing: got {shards.Count} of {first.File.Count} shares.")
            { Hint = "Pass the folders of all N shards (a failed shard can be rerun alone with --shard i/N)." };
        var results = new string[first.File.SubRuns];
        foreach (var (folder, file) in shards)
        {
            var expected = Enumerable.Range(0, file.SubRuns).Where(new RunShard(file.Index, file.Count).Includes);
            if (!expected.SequenceEqual(file.Results.Keys))
                throw new TelescopeException($"'{folder}' holds sub-runs [{string.Join(", ", file.Results.Keys)}] but shard {file.Index}/{file.Count} should hold [{string.Join(", ", expected)}].")
                { Hint = "The shard file is damaged; run that shard again." };
            foreach (var (k, json) in file.Results) results[k] = json;
        }
        if (shards.Select(s => s.File.Threads).Distinct().Count() > 1)
            warn?.Invoke($"The shards ran with different intra-op thread counts ({string.Join(", ", shards.Select(s => s.File.Threads))}); " +
                "their numbers can differ in the last bits from a run with one fixed count (use --set threads=K for all).");

        var (recipe, settings, config) = Resolve(catalog, new RunRequest { ConfigPath = Path.Combine(first.Folder, RunConfig.FileName) }, warn);
        if (settings.Fingerprint() != first.File.Fingerprint)
            throw new TelescopeException($"'{Path.Combine(first.Folder, RunConfig.FileName)}' does not match its {ShardFile.FileName} (was it edited?).")
            { Hint = "Run that shard again." };
        if (recipe is not ISweepRecipe sweep)
            throw new TelescopeException($"Recipe '{recipe.Name}' cannot merge shards.");
        ApplyThreads(settings);   // so that the report's machine facts match an unsharded run's
        var machine = MachineInfo.Capture();
        using var output = RunFolder.Create(outPath, force);
        output.WriteConfig(RunConfig.FromSettings(recipe.Name, settings, machine, config!.DataDirectory));
        if (settings.GetBool(RecipeSettings.TensorBoardKey)) output.StartTensorBoard(settings);   // the merged metrics are written anew
        var context = new RunContext(recipe.Name, settings, output, progress, config.DataDirectory, CancellationToken.None, machine, config.CreatedUtc);
        sweep.Merge(context, first.File.Facts, results);
        output.WriteText(RunRecord.FileName, RunRecord.Render($"merge of {shards.Count} shards ({string.Join(", ", shards.Select(s => s.Folder))})",
            recipe.Name, settings, machine, config.CreatedUtc, DateTimeOffset.UtcNow, clock.Elapsed.TotalSeconds));
        output.Commit();
        return new RunResult(output.FinalPath, clock.Elapsed);
    }

    private static void ApplyThreads(RecipeSettings settings)
    {
        if (settings.Contains(RecipeSettings.ThreadsKey) && settings.GetInt(RecipeSettings.ThreadsKey) is > 0 and var threads)
            torch.set_num_threads(threads);
    }

    private const string RecipeKey = "run/recipe", FingerprintKey = "run/fingerprint", ShardKey = "run/shard";

    /// <summary>
    /// Runs the recipe and commits; on interruption keeps a folder that has a checkpoint. Starts the TensorBoard log when
    /// <c>tensorboard=true</c>; the run's checkpoints are tied to it by its recipe, configuration fingerprint and shard.
    /// </summary>
    private static RunResult Execute(IRecipe recipe, RecipeSettings settings, RunFolder folder, IProgressReporter progress, string? data,
        CancellationToken cancellationToken, MachineInfo machine, DateTimeOffset started, RunShard shard, CheckpointState? resumed,
        IReadOnlyList<DataFileRecord> recordedDataFiles)
    {
        if (settings.GetBool(RecipeSettings.TensorBoardKey)) folder.StartTensorBoard(settings);
        string fingerprint = settings.Fingerprint();
        var checkpoints = new RunCheckpoints(folder, settings.GetDouble(RecipeSettings.CheckpointMinutesKey), cancellationToken, resumed, state =>
        {
            state.Set(RecipeKey, recipe.Name);
            state.Set(FingerprintKey, fingerprint);
            state.Set(ShardKey, shard.ToString());
        });
        var context = new RunContext(recipe.Name, settings, folder, progress, data, cancellationToken, machine, started, shard, checkpoints)
        { RecordedDataFiles = recordedDataFiles };
        var clock = Stopwatch.StartNew();
        try
        {
            recipe.Run(context);
            context.CancellationToken.ThrowIfCancellationRequested();
        }
        catch (OperationCanceledException e) when (context.Checkpoints.Exists)
        {
            folder.KeepPartial();
            throw new RunInterruptedException(folder.WorkingPath, e);
        }
        catch (TelescopeException e) when (resumed is not null)
        {
            // The folder still holds the checkpoint this run started from: keep it (KeepPartial is in force).
            throw new TelescopeException(e.Message, e)
            { Hint = $"{e.Hint} The partial folder '{folder.WorkingPath}' and its checkpoint were kept: fix this and run 'telescope resume' again.".Trim() };
        }
        // Files read by path are known only once the recipe has read them: config.json gets their digests now.
        if (context.DataFiles.Count > 0)
            folder.WriteConfig(RunConfig.Load(Path.Combine(folder.WorkingPath, RunConfig.FileName)) with { DataFiles = context.DataFiles });
        // Any other failure of a fresh run: the folder is deleted on dispose, so nothing half-written is left.
        // The finished folder holds results only: its checkpoint (possibly large) has done its job.
        File.Delete(context.Checkpoints.FilePath);
        Checkpointing.CheckpointFile.DeleteLeftovers(context.Checkpoints.FilePath);
        string kind = (resumed is not null ? "resumed " : "") + (context.Shard.IsAll ? "run" : $"shard {context.Shard} of a sweep");
        folder.WriteText(RunRecord.FileName, RunRecord.Render(kind, recipe.Name, context.Settings, context.Machine,
            context.StartedUtc, DateTimeOffset.UtcNow, clock.Elapsed.TotalSeconds));
        folder.Commit();
        return new RunResult(folder.FinalPath, clock.Elapsed);
    }

    /// <summary>runs/&lt;recipe&gt;-&lt;timestamp&gt;, with -2, -3, … appended if runs started in the same second.</summary>
    private static string UnusedDefaultPath(string recipe, string root)
    {
        string basePath = RunFolder.DefaultPath(recipe, DateTime.Now, root);
        string path = basePath;
        for (int i = 2; Path.Exists(path); i++) path = $"{basePath}-{i}";
        return path;
    }

    private static string? ResolveDataDirectory(string? path)
    {
        if (string.IsNullOrWhiteSpace(path)) return null;
        string full = Path.GetFullPath(path);
        if (!Directory.Exists(full))
            throw new TelescopeException($"The data folder '{full}' does not exist.")
            { Hint = $"Pass an existing folder with --data DIR or set {DataEnvironmentVariable}." };
        return full;
    }
}
