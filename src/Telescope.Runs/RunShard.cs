namespace Telescope.Runs;

/// <summary>
/// Share <see cref="Index"/> of <see cref="Count"/> of a recipe's independent sub-runs (<c>--shard i/N</c>):
/// sub-run k belongs to share k mod N, so every share gets a similar mix of the sweep. <see cref="All"/> is the
/// unsharded run.
/// </summary>
public sealed record RunShard(int Index, int Count)
{
    /// <summary>The whole sweep (no sharding).</summary>
    public static RunShard All { get; } = new(0, 1);

    public bool IsAll => Count == 1;

    /// <summary>Whether sub-run <paramref name="subRun"/> belongs to this share.</summary>
    public bool Includes(int subRun) => subRun % Count == Index;

    /// <summary>"i/N".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");

    /// <summary>Parses "i/N" with 0 ≤ i &lt; N.</summary>
    /// <exception cref="TelescopeException">Not of that form.</exception>
    public static RunShard Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int i)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n)
            && n >= 1 && i < n)
            return new RunShard(i, n);
        throw new TelescopeException($"'--shard {text}' is not of the form i/N with 0 ≤ i < N.")
        { Hint = "Example: --shard 0/3 runs the first of three shares (Slurm: --shard $SLURM_ARRAY_TASK_ID/3)." };
    }

    /// <summary>Checks that this share is not empty for a sweep of <paramref name="subRuns"/> sub-runs.</summary>
    /// <exception cref="TelescopeException">More shares than sub-runs.</exception>
    public void CheckFits(int subRuns, string recipe)
    {
        if (Index >= subRuns)
            throw new TelescopeException($"--shard {this}: {recipe} has only {subRuns} independent sub-run(s) with these settings, so share {Index} would be empty.")
            { Hint = $"Use at most {subRuns} shares." };
    }
}
