namespace Telescope.Runs;

/// <summary>What to run: the parsed form of <c>telescope run …</c>.</summary>
public sealed record RunRequest
{
    /// <summary>Recipe name; may be null when <see cref="ConfigPath"/> names it.</summary>
    public string? Recipe { get; init; }
    public bool Quick { get; init; }
    /// <summary><c>key=value</c> overrides, applied after the config file.</summary>
    public IReadOnlyList<string> Assignments { get; init; } = [];
    /// <summary>Output folder; null = <c>runs/&lt;recipe&gt;-&lt;timestamp&gt;</c>.</summary>
    public string? Out { get; init; }
    /// <summary>Replace an existing non-empty output folder (only when the run succeeds).</summary>
    public bool Force { get; init; }
    /// <summary>Data folder; null = <c>TELESCOPE_DATA</c>, then the config file's.</summary>
    public string? DataDirectory { get; init; }
    /// <summary>config.json of an earlier run to repeat.</summary>
    public string? ConfigPath { get; init; }
    /// <summary>The share of the sweep to run (<c>--shard i/N</c>); null = all of it.</summary>
    public RunShard? Shard { get; init; }
    /// <summary>Folder under which default output folders are created.</summary>
    public string RunsRoot { get; init; } = "runs";
}

/// <summary>The outcome of a successful run.</summary>
/// <param name="Folder">The committed run folder.</param>
/// <param name="Elapsed">Wall-clock time of the recipe.</param>
public sealed record RunResult(string Folder, TimeSpan Elapsed);
