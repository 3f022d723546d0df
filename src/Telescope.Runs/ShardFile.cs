namespace Telescope.Runs;

/// <summary>
/// shard.json: what one share of a sharded sweep (<c>--shard i/N</c>) computed — the serialized results of its
/// sub-runs, the facts shared by the whole sweep, and what identifies the sweep (recipe, configuration
/// fingerprint, number of sub-runs, thread count). <c>telescope merge</c> reads one per shard folder.
/// </summary>
public sealed record ShardFile
{
    public const string FileName = "shard.json";

    public required string Recipe { get; init; }
    public required string Fingerprint { get; init; }
    public required int Index { get; init; }
    public required int Count { get; init; }
    public required int SubRuns { get; init; }
    public required int Threads { get; init; }
    /// <summary>JSON of the recipe's sweep-wide facts (data description, model shape, …).</summary>
    public required string Facts { get; init; }
    /// <summary>Sub-run index → JSON of its result.</summary>
    public required SortedDictionary<int, string> Results { get; init; }

    /// <summary>Reads <c>&lt;folder&gt;/shard.json</c>.</summary>
    /// <exception cref="TelescopeException">Missing or unreadable.</exception>
    public static ShardFile Read(string folder)
    {
        string path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
            throw new TelescopeException($"'{Path.GetFullPath(folder)}' has no {FileName}: it is not the finished folder of a 'telescope run … --shard i/N'.")
            { Hint = "Pass the folders the shard runs wrote (each ends with a shard.json)." };
        try
        {
            return JsonSerializer.Deserialize<ShardFile>(File.ReadAllText(path), SubRunResults.Options)
                ?? throw new JsonException("empty file");
        }
        catch (JsonException e)
        {
            throw new TelescopeException($"'{path}' cannot be read: {e.Message}", e) { Hint = "Run that shard again." };
        }
    }

    public string ToJson() => JsonSerializer.Serialize(this, new JsonSerializerOptions(SubRunResults.Options) { WriteIndented = true }) + "\n";
}
