using Telescope.Reporting;
using TorchSharp;

namespace Telescope.Experiments;

/// <summary>Everything a recipe's <see cref="IRecipe.Run"/> needs: settings, output folder, progress, data, cancellation.</summary>
public sealed class RunContext
{
    /// <summary>Creates a context (the runner does this; tests may too).</summary>
    public RunContext(string recipeName, RecipeSettings settings, RunFolder folder, IProgressReporter progress,
        string? dataDirectory, CancellationToken cancellationToken, MachineInfo? machine = null,
        DateTimeOffset? startedUtc = null, RunShard? shard = null, RunCheckpoints? checkpoints = null)
    {
        RecipeName = recipeName;
        Settings = settings;
        Folder = folder;
        Progress = progress;
        DataDirectory = dataDirectory;
        CancellationToken = cancellationToken;
        Machine = machine;
        StartedUtc = startedUtc ?? DateTimeOffset.UtcNow;
        Shard = shard ?? RunShard.All;
        Checkpoints = checkpoints ?? new RunCheckpoints(folder,
            settings.Contains(RecipeSettings.CheckpointMinutesKey) ? settings.GetDouble(RecipeSettings.CheckpointMinutesKey) : 0,
            cancellationToken);
    }

    /// <summary>The share of the recipe's sub-runs to compute (<c>--shard i/N</c>); <see cref="RunShard.All"/> when not sharded.</summary>
    public RunShard Shard { get; }

    /// <summary>Periodic and on-stop checkpoints, and the checkpoint a resumed run starts from.</summary>
    public RunCheckpoints Checkpoints { get; }

    /// <summary>Name of the recipe being run.</summary>
    public string RecipeName { get; }
    /// <summary>The resolved settings.</summary>
    public RecipeSettings Settings { get; }
    /// <summary>Where to write metrics, figures, summary and report.</summary>
    public RunFolder Folder { get; }
    /// <summary>Progress display for long work.</summary>
    public IProgressReporter Progress { get; }
    /// <summary>Data folder from <c>--data</c> or <c>TELESCOPE_DATA</c>, or null when neither was given.</summary>
    public string? DataDirectory { get; }
    /// <summary>Signalled by Ctrl+C; check it between steps (e.g. <c>ThrowIfCancellationRequested()</c>).</summary>
    public CancellationToken CancellationToken { get; }
    /// <summary>Machine facts recorded in config.json, if captured.</summary>
    public MachineInfo? Machine { get; }
    /// <summary>When the run started.</summary>
    public DateTimeOffset StartedUtc { get; }

    /// <summary>Whether quick-mode defaults are in force.</summary>
    public bool Quick => Settings.Quick;
    /// <summary>The run's seed.</summary>
    public long Seed => Settings.Seed;

    /// <summary>The data folder, or an error telling the user how to give one.</summary>
    /// <exception cref="TelescopeException">No data folder was given.</exception>
    public string RequireDataDirectory() => DataDirectory ?? throw new TelescopeException(
        $"Recipe '{RecipeName}' needs a data folder, but none was given.")
    { Hint = "Pass --data DIR or set the environment variable TELESCOPE_DATA (e.g. /work/shared/data)." };

    /// <summary>The <c>dtype</c> setting (see <see cref="RecipeSettings.AddComputeSettings"/>).</summary>
    public torch.ScalarType DType => Settings.GetString(RecipeSettings.DTypeKey) switch
    {
        "float32" => torch.ScalarType.Float32,
        "float64" => torch.ScalarType.Float64,
        var other => throw new TelescopeException($"Unsupported dtype '{other}'.") { Hint = "Use --set dtype=float32 or float64." },
    };

    /// <summary>The <c>device</c> setting as a torch device (see <see cref="RecipeSettings.AddComputeSettings"/>).</summary>
    /// <exception cref="TelescopeException">The device name is invalid or the device is unavailable.</exception>
    public torch.Device Device
    {
        get
        {
            string name = Settings.GetString(RecipeSettings.DeviceKey);
            // Check CUDA first: TorchSharp's own error for a missing CUDA backend is an opaque native trace.
            if (name.StartsWith("cuda", StringComparison.OrdinalIgnoreCase) && !torch.cuda.is_available())
                throw new TelescopeException($"Device '{name}' was requested but CUDA is not available on this machine.")
                { Hint = "Use --set device=cpu." };
            torch.Device device;
            try { device = torch.device(name); }
            catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException
                                          or System.Runtime.InteropServices.ExternalException)
            {
                throw new TelescopeException($"'{name}' is not a usable torch device: {e.Message}", e)
                { Hint = "Use --set device=cpu (or cuda, cuda:1, … on a machine with CUDA)." };
            }
            return device;
        }
    }

    /// <summary>
    /// A report that already holds the standard header (recipe, date, seed, settings, the given
    /// definitions, machine). Add findings, then <c>Folder.WriteReport(report.ToString())</c>.
    /// </summary>
    public ReportBuilder CreateReport(string title, IEnumerable<(string Term, string Definition)>? definitions = null) =>
        new ReportBuilder().StandardHeader(title, RecipeName, StartedUtc, Seed, Quick, MachineInfo.TelescopeVersion,
            Settings.Select(s => (s.Name, s.FormattedValue, s.Description)),
            definitions ?? [],
            Machine?.ToRows() ?? []);
}
