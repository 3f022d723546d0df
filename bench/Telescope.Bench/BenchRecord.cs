using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;

namespace Telescope.Bench;

/// <summary>
/// The benchmark's report as a committed record (<c>--out results/performance/….json</c>): the exact command, the
/// commit of the build, when it ran, its wall time and the load average before and after, then the report itself.
/// The docs quote measured numbers only from such files (docs/reproduce.md §4), so every ratio can be traced to the
/// run that produced it and to how busy the machine was.
/// </summary>
internal sealed class BenchRecord
{
    private readonly string[] _args;
    private readonly DateTime _started = DateTime.UtcNow;
    private readonly long _start = Stopwatch.GetTimestamp();
    private readonly string _loadBefore = LoadAverage();

    internal BenchRecord(string[] args) => _args = args;

    /// <summary>Writes the record to <paramref name="path"/> (through a temporary file, so a failed write leaves nothing half-written).</summary>
    internal void Write(string path, Dictionary<string, object> report, JsonSerializerOptions options)
    {
        string version = typeof(TorchRuntime).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        var record = new Dictionary<string, object>
        {
            ["command"] = "dotnet Telescope.Bench.dll " + string.Join(' ', _args),
            ["version"] = version,
            ["commit"] = version.IndexOf('+') is int plus and >= 0 ? version[(plus + 1)..] : "not recorded by this build",
            ["started_utc"] = _started.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
            ["wall_seconds"] = Math.Round(Stopwatch.GetElapsedTime(_start).TotalSeconds, 1),
            ["load_average_before"] = _loadBefore,
            ["load_average_after"] = LoadAverage(),
            ["report"] = report,
        };
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null) Directory.CreateDirectory(folder);
        string temporary = path + ".partial";
        File.WriteAllText(temporary, JsonSerializer.Serialize(record, options) + "\n");
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The 1-, 5- and 15-minute load averages (Linux), or "not available".</summary>
    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "not available";
}
