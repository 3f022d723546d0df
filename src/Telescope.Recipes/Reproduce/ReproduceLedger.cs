using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Telescope.Recipes.Reproduce;

/// <summary>One process's work on one run of a reproduction: a fresh run, a resume, an interrupted part, or a merge of shards.</summary>
/// <param name="Folder">The run folder relative to the root (a shard's folder for a shard).</param>
/// <param name="Action">"run", "resume", "interrupted" (a run or resume stopped after a checkpoint) or "merge".</param>
/// <param name="Seconds">Wall time of that process's part.</param>
/// <param name="FinishedUtc">When it finished.</param>
/// <param name="Version">The Telescope version (with commit) that did it.</param>
public sealed record LedgerEntry(string Folder, string Action, double Seconds, DateTimeOffset FinishedUtc, string Version);

/// <summary>
/// <c>reproduce-&lt;scale&gt;.json</c> in the reproduction's root: the wall time of every process that worked on the plan,
/// so the index can state how long each run took in total even when it was interrupted and resumed, or sharded. A fresh
/// run of a folder drops the entries of that folder's earlier attempts. Shards of one plan may share the file (cluster
/// file systems): every change is a locked read-modify-write.
/// </summary>
public sealed class ReproduceLedger(string path)
{
    /// <summary>The file of <paramref name="scale"/> in <paramref name="root"/>.</summary>
    public static ReproduceLedger In(string root, ReproduceScale scale) =>
        new(Path.Combine(root, $"reproduce-{ReproducePlan.ScaleName(scale)}.json"));

    /// <summary>Every entry, oldest first (none when the file does not exist).</summary>
    public IReadOnlyList<LedgerEntry> Read()
    {
        if (!File.Exists(path)) return [];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return Parse(stream);
    }

    /// <summary>Total seconds of the entries of <paramref name="folder"/> and of its shards (<c>&lt;folder&gt;.shards/…</c>).</summary>
    public static double SecondsOf(IReadOnlyList<LedgerEntry> entries, string folder) =>
        entries.Where(e => e.Folder == folder || e.Folder.StartsWith(folder + ".shards/", StringComparison.Ordinal)).Sum(e => e.Seconds);

    /// <summary>Appends <paramref name="entry"/>; a fresh "run" first drops the earlier entries of its folder.</summary>
    public void Add(LedgerEntry entry)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var stream = OpenLocked();
        var entries = stream.Length == 0 ? [] : Parse(stream).ToList();
        if (entry.Action == "run") entries.RemoveAll(e => e.Folder == entry.Folder);
        entries.Add(entry);
        var array = new JsonArray(entries.Select(e => (JsonNode)new JsonObject
        {
            ["folder"] = e.Folder,
            ["action"] = e.Action,
            ["seconds"] = Math.Round(e.Seconds, 1),
            ["finishedUtc"] = e.FinishedUtc.ToString("yyyy-MM-ddTHH:mm:ssZ"),
            ["version"] = e.Version,
        }).ToArray());
        stream.SetLength(0);
        using var writer = new StreamWriter(stream, new UTF8Encoding(false));
        writer.Write(array.ToJsonString(RunFolder.SummaryJsonOptions) + "\n");
    }

    private FileStream OpenLocked()
    {
        for (int attempt = 0; ; attempt++)
        {
            try { return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
            catch (IOException) when (attempt < 100) { Thread.Sleep(100); }   // another shard holds it for a moment
        }
    }

    private IReadOnlyList<LedgerEntry> Parse(Stream stream)
    {
        try
        {
            return JsonNode.Parse(stream)!.AsArray().Select(n => new LedgerEntry((string)n!["folder"]!, (string)n["action"]!,
                (double)n["seconds"]!, DateTimeOffset.Parse((string)n["finishedUtc"]!, CultureInfo.InvariantCulture), (string)n["version"]!)).ToList();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException or FormatException)
        {
            throw new TelescopeException($"{path} is not a reproduction ledger ({e.Message}).")
            { Hint = "Restore it from version control, or delete it (the index then shows no wall times for the runs it listed)." };
        }
        finally { stream.Position = 0; }
    }
}
