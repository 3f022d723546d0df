using Telescope.Data;

namespace Telescope.Runs;

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

    public string RecipeName { get; }
    public RecipeSettings Settings { get; }
    /// <summary>Where to write metrics, figures, summary and report.</summary>
    public RunFolder Folder { get; }
    public IProgressReporter Progress { get; }
    /// <summary>Data folder from <c>--data</c> or <c>TELESCOPE_DATA</c>, or null when neither was given.</summary>
    public string? DataDirectory { get; }
    /// <summary>Signalled by Ctrl+C; check it between steps (e.g. <c>ThrowIfCancellationRequested()</c>).</summary>
    public CancellationToken CancellationToken { get; }
    /// <summary>Machine facts recorded in config.json, if captured.</summary>
    public MachineInfo? Machine { get; }
    public DateTimeOffset StartedUtc { get; }

    private readonly List<DataFileRecord> _dataFiles = [];

    /// <summary>
    /// The data files recorded by the run being repeated (from its config.json), if any: a file read again under
    /// the same path must still have the same sha256.
    /// </summary>
    public IReadOnlyList<DataFileRecord> RecordedDataFiles { get; init; } = [];

    /// <summary>The data files read by path so far (<see cref="RecordDataFile"/>), in order.</summary>
    public IReadOnlyList<DataFileRecord> DataFiles => _dataFiles;

    /// <summary>
    /// Records a data file the run read by path (the user's own data): the runner writes the records into
    /// config.json ("dataFiles", checked again when the run is repeated from it) and <see cref="CreateReport"/>
    /// lists them with their sha256 and whether they were verified. Says so in the progress output too.
    /// </summary>
    /// <exception cref="TelescopeException">The run repeats a config.json (<see cref="RecordedDataFiles"/>) that
    /// recorded the same file with another sha256: the data changed since.</exception>
    public void RecordDataFile(DataFileRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var before = RecordedDataFiles.FirstOrDefault(r => r.Path == record.Path && r.Sha256 != record.Sha256);
        if (before is not null)
            throw new TelescopeException(
                $"Data file '{record.Path}' ({record.Role}) has changed since the run this config.json comes from: its " +
                $"sha256 was {before.Sha256} ({before.Bytes} bytes) and is now {record.Sha256} ({record.Bytes} bytes).")
            { Hint = "Restore the original file to repeat the run exactly, or start a new run without --config." };
        _dataFiles.Add(record);
        Progress.Message(record.IsKnown
            ? $"{record.Role}: {record.Path} (verified as {record.KnownAs})"
            : $"{record.Role}: {record.Path} is not a known data file, so it has no checksum to verify; sha256 {record.Sha256} recorded");
    }

    public bool Quick => Settings.Quick;
    public long Seed => Settings.Seed;

    /// <summary>The data folder, or an error telling the user how to give one.</summary>
    /// <exception cref="TelescopeException">No data folder was given.</exception>
    public string RequireDataDirectory() => DataDirectory ?? throw new TelescopeException(
        $"Recipe '{RecipeName}' needs a data folder, but none was given.")
    { Hint = "Pass --data DIR or set the environment variable TELESCOPE_DATA (e.g. /work/shared/data)." };

    /// <summary>The <c>dtype</c> setting (see <see cref="RecipeSettings.AddComputeSettings"/>; its choices are float32 and float64).</summary>
    public torch.ScalarType DType =>
        Settings.GetString(RecipeSettings.DTypeKey) == "float64" ? torch.ScalarType.Float64 : torch.ScalarType.Float32;

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
            try { return torch.device(name); }
            catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException
                                          or System.Runtime.InteropServices.ExternalException)
            {
                throw new TelescopeException($"'{name}' is not a usable torch device: {e.Message}", e)
                { Hint = "Use --set device=cpu (or cuda, cuda:1, … on a machine with CUDA)." };
            }
        }
    }

    /// <summary>
    /// A report that already holds the standard header (recipe, date, seed, settings, the given
    /// definitions, machine). Add findings, then <c>Folder.WriteReport(report.ToString())</c>.
    /// </summary>
    public ReportBuilder CreateReport(string title, IEnumerable<(string Term, string Definition)>? definitions = null)
    {
        var report = new ReportBuilder().StandardHeader(title, RecipeName, StartedUtc, Seed, Quick, MachineInfo.TelescopeVersion,
            Settings.Select(s => (s.Name, s.FormattedValue, s.Description)),
            definitions ?? [],
            Machine?.ToRows() ?? []);
        if (_dataFiles.Count > 0) AddDataFiles(report);
        return report;
    }

    private void AddDataFiles(ReportBuilder report)
    {
        report.Heading("Data files");
        int unknown = _dataFiles.Count(f => !f.IsKnown);
        int total = _dataFiles.Count;
        string which = unknown == total
            ? total == 1 ? "The data file read by path is not a known data file" : $"None of the {total} data files read by path is a known data file"
            : $"{unknown} of the {total} data files read by path {(unknown == 1 ? "is not a known data file" : "are not known data files")}";
        string them = unknown == 1 ? "it" : "them";
        report.Paragraph(unknown == 0
            ? "Every data file was read by path and verified against its published sha256."
            : $"{which}: there is no published checksum to verify {them} against, so the content is vouched for only by " +
              $"whoever supplied {them}. The sha256 below, computed from the file as read, is recorded here and in config.json " +
              "(\"dataFiles\"), and a repeat of this run from its config.json stops if a file no longer matches.");
        report.Table(["role", "file", "bytes", "sha256", "verification", "content"],
            _dataFiles.Select(f => (IReadOnlyList<object?>)[f.Role, $"`{f.Path}`", f.Bytes, $"`{f.Sha256}`",
                f.IsKnown ? $"verified: {f.KnownAs}" : "unknown file: not verified", f.Details]));
    }
}
