namespace Telescope.Runs;

/// <summary>
/// RUN.md, the record every finished run folder carries, written by the tool when it commits the folder (never by
/// hand): the exact command, the commit and version that ran, when it ran and for how long, the seeds, the settings
/// that differ from the recipe's defaults, and the machine. A number quoted from a run can be traced through it to the
/// command that produced it; <c>telescope run --config config.json</c> repeats the run.
/// </summary>
public static class RunRecord
{
    public const string FileName = "RUN.md";

    /// <summary>
    /// The command line of this process as the user typed it (set by the <c>telescope</c> command at start-up); null in
    /// a program that calls <see cref="RecipeRunner"/> itself, whose RUN.md then says so.
    /// </summary>
    public static string? CommandLine { get; set; }

    /// <summary>The command line of <paramref name="args"/> after <paramref name="program"/>, quoted for a POSIX shell where needed.</summary>
    public static string FormatCommand(string program, IEnumerable<string> args) =>
        string.Join(" ", new[] { program }.Concat(args.Select(Quote)));

    private static string Quote(string arg) =>
        arg.Length > 0 && arg.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,+@%".Contains(c)) ? arg : "'" + arg.Replace("'", "'\\''") + "'";

    /// <summary>The commit in an informational version such as "0.1.0+&lt;sha&gt;", or null when the build recorded none.</summary>
    public static string? CommitOf(string version) => version.IndexOf('+') is int plus and >= 0 ? version[(plus + 1)..] : null;

    /// <summary>The text of RUN.md.</summary>
    /// <param name="kind">"run", "resumed run", "shard 0/3 of a sweep", "merge of N shards (…)".</param>
    /// <param name="settings">The resolved settings (their defaults come from the recipe's declarations).</param>
    /// <param name="createdUtc">When the run was created (config.json's createdUtc).</param>
    /// <param name="processSeconds">Wall time of this process's part (all of it for an uninterrupted run).</param>
    public static string Render(string kind, string recipe, RecipeSettings settings, MachineInfo? machine, DateTimeOffset createdUtc,
        DateTimeOffset finishedUtc, double processSeconds) =>
        Render(kind, recipe, settings, machine, MachineInfo.TelescopeVersion, createdUtc,
            "Written by the `telescope` tool when it committed this folder. Repeat the run with `telescope run --config config.json`.",
            CommandLine is null ? "none: started from a program through `RecipeRunner`" : $"`{CommandLine}`",
            finishedUtc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
            FormatDuration(processSeconds) + (kind == "run" ? "" : " (this process only)"));

    /// <summary>
    /// The RUN.md of a finished run folder that predates RUN.md (<c>telescope record</c>): everything config.json holds —
    /// the commit and version that ran, when it started, its settings and machine — and the wall time only where the
    /// recipe's summary.json recorded one; the command line was never recorded and is said to be unknown.
    /// </summary>
    /// <param name="config">The folder's config.json.</param>
    /// <param name="settings">Its settings, resolved against the recipe's current declarations (for the defaults).</param>
    /// <param name="wallSeconds">summary.json's <c>wall_seconds</c>, when the recipe wrote one.</param>
    public static string RenderAfterwards(RunConfig config, RecipeSettings settings, double? wallSeconds) =>
        Render("run recorded afterwards", config.Recipe, settings, config.Machine, config.TelescopeVersion, config.CreatedUtc,
            $"Written by `telescope record` on {DateTimeOffset.UtcNow:yyyy-MM-dd} from this folder's config.json and summary.json: the run predates the " +
            "records the tool writes itself, so its command line was not recorded. Repeat the run with `telescope run --config config.json`.",
            "not recorded (the run predates RUN.md); equivalent: `telescope run --config config.json`",
            "not recorded",
            wallSeconds is double w ? FormatDuration(w) + " (summary.json `wall_seconds`, the recipe's own clock)" : "not recorded");

    private static string Render(string kind, string recipe, RecipeSettings settings, MachineInfo? machine, string version, DateTimeOffset createdUtc,
        string intro, string command, string finished, string wall)
    {
        var changed = settings.Where(s => Setting.Format(s.Value) != Setting.Format(settings.Quick && s.QuickValue is not null ? s.QuickValue : s.DefaultValue))
            .Select(s => $"`{s.Name}={s.FormattedValue}`").ToList();
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"# {recipe}: {kind}\n\n");
        text.Append(intro + "\n\n");
        text.Append("| | |\n|---|---|\n");
        void Row(string name, string value) => text.Append(CultureInfo.InvariantCulture, $"| {name} | {value.Replace("|", "\\|")} |\n");
        Row("command", command);
        Row("commit", CommitOf(version) ?? "not recorded by this build");
        Row("version", version);
        Row("mode", settings.Quick ? "quick (--quick defaults)" : "full defaults");
        Row("created (UTC)", createdUtc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
        Row("finished (UTC)", finished);
        Row("wall time", wall);
        Row("seed", settings.Seed.ToString(CultureInfo.InvariantCulture));
        if (settings.Contains(RecipeSettings.SeedsKey)) Row("seed repetitions", string.Join(", ", settings.GetSeeds()));
        Row("settings changed from the defaults", changed.Count == 0 ? "none" : string.Join(", ", changed));
        foreach (var (name, value) in machine?.ToRows() ?? []) Row(name, value);
        return text.ToString();
    }

    /// <summary>"4 min 5 s (245.3 s)", "12.4 s" or "2 h 3 min (7380 s)".</summary>
    public static string FormatDuration(double seconds)
    {
        var t = TimeSpan.FromSeconds(seconds);
        string exact = seconds.ToString(seconds < 100 ? "0.0" : "0", CultureInfo.InvariantCulture) + " s";
        if (t.TotalMinutes < 1) return exact;
        string rounded = t.TotalHours >= 1 ? $"{(int)t.TotalHours} h {t.Minutes} min" : $"{t.Minutes} min {t.Seconds} s";
        return $"{rounded} ({exact})";
    }
}
