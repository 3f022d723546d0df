using System.Diagnostics;
using TorchSharp;

namespace Telescope.Experiments;

/// <summary>
/// Runs a recipe end to end: resolves its settings (defaults → config file → <c>--set</c>), creates the
/// run folder, writes config.json, calls the recipe and commits the folder only if it returns. Used by
/// the CLI; recipe tests can call it directly with a <see cref="SilentProgressReporter"/>.
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
        string name = (request.Recipe, config?.Recipe) switch
        {
            (null, null) => throw new TelescopeException("No recipe given.") { Hint = "Usage: telescope run <recipe> (see 'telescope list'), or --config runs/<name>/config.json" },
            ({ } r, { } c) when r != c => throw new TelescopeException(
                $"The recipe '{r}' differs from the recipe '{c}' in the config file.") { Hint = "Leave out the recipe name when using --config." },
            ({ } r, _) => r,
            (null, { } c) => c,
        };
        var recipe = catalog.Get(name);
        var settings = recipe.CreateSettings(request.Quick || config?.Quick == true);
        if (config is not null)
        {
            var missing = config.ApplyTo(settings);
            if (missing.Count > 0)
                warn?.Invoke($"The config file has no value for {string.Join(", ", missing)}; using the defaults.");
        }
        settings.Apply(request.Assignments);
        return (recipe, settings, config);
    }

    /// <summary>Runs the recipe of <paramref name="request"/> and returns the committed folder.</summary>
    /// <exception cref="TelescopeException">Any user-fixable problem; no run folder is left behind.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; no run folder is left behind.</exception>
    public static RunResult Run(RecipeCatalog catalog, RunRequest request, IProgressReporter progress,
        CancellationToken cancellationToken = default, Action<string>? warn = null)
    {
        var (recipe, settings, config) = Resolve(catalog, request, warn);
        string? data = ResolveDataDirectory(request.DataDirectory ?? Environment.GetEnvironmentVariable(DataEnvironmentVariable) ?? config?.DataDirectory);
        cancellationToken.ThrowIfCancellationRequested();

        if (settings.Contains(RecipeSettings.ThreadsKey) && settings.GetInt(RecipeSettings.ThreadsKey) is > 0 and var threads)
            torch.set_num_threads(threads);
        var machine = MachineInfo.Capture();
        var started = DateTimeOffset.UtcNow;
        string outPath = request.Out ?? UnusedDefaultPath(recipe.Name, request.RunsRoot);

        using var folder = RunFolder.Create(outPath, request.Force);
        var runConfig = RunConfig.FromSettings(recipe.Name, settings, machine, data);
        folder.WriteConfig(runConfig);
        var context = new RunContext(recipe.Name, settings, folder, progress, data, cancellationToken, machine, started)
        {
            RecordedDataFiles = config?.DataFiles ?? [],
        };
        var clock = Stopwatch.StartNew();
        recipe.Run(context);
        cancellationToken.ThrowIfCancellationRequested();
        // Files read by path are known only once the recipe has read them: config.json gets their digests now.
        if (context.DataFiles.Count > 0) folder.WriteConfig(new RunConfig
        {
            Recipe = runConfig.Recipe, Quick = runConfig.Quick, CreatedUtc = runConfig.CreatedUtc, Machine = machine,
            DataDirectory = data, Settings = runConfig.Settings, DataFiles = context.DataFiles,
        });
        folder.Commit();
        return new RunResult(folder.FinalPath, clock.Elapsed);
    }

    /// <summary>runs/&lt;recipe&gt;-&lt;timestamp&gt;, with -2, -3, … appended if runs started in the same second.</summary>
    private static string UnusedDefaultPath(string recipe, string root)
    {
        string basePath = RunFolder.DefaultPath(recipe, DateTime.Now, root);
        string path = basePath;
        for (int i = 2; Directory.Exists(path) || File.Exists(path); i++) path = $"{basePath}-{i}";
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
