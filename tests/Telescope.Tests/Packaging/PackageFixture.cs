using System.Diagnostics;
using System.Text;
using System.Xml.Linq;
using Xunit;

namespace Telescope.Tests.Packaging;

/// <summary>
/// Packs the library (Telescope) and the tool (Telescope.Cli) once for the package tests, from this checkout into
/// a temporary local feed, under a unique pre-release version (so no stale copy in the NuGet cache can be used) and
/// with a private artifacts folder (so the repository's bin/obj are not touched). Disposing deletes the temporary
/// folder and that version's entries in the global NuGet cache.
/// </summary>
public sealed class PackageFixture : IDisposable
{
    public PackageFixture()
    {
        RepoRoot = FindRepoRoot();
        CentralVersion = XDocument.Load(Path.Combine(RepoRoot, "Directory.Build.props")).Descendants("VersionPrefix").Single().Value;
        Version = $"{CentralVersion}-test.{DateTime.UtcNow:yyyyMMddHHmmss}{Random.Shared.Next(1000):D3}";
        Root = Directory.CreateTempSubdirectory("telescope-packages-").FullName;
        Feed = Path.Combine(Root, "feed");
        var clock = Stopwatch.StartNew();
        foreach (string project in new[] { "src/Telescope/Telescope.csproj", "src/Telescope.Cli/Telescope.Cli.csproj" })
            Dotnet(RepoRoot, "pack", Path.Combine(RepoRoot, project), "-c", "Release", "-o", Feed,
                "--artifacts-path", Path.Combine(Root, "artifacts"), $"-p:Version={Version}");
        PackSeconds = clock.Elapsed.TotalSeconds;
    }

    /// <summary>The checkout (the folder holding Telescope.slnx).</summary>
    public string RepoRoot { get; }
    /// <summary>VersionPrefix of Directory.Build.props, the one place the version is set.</summary>
    public string CentralVersion { get; }
    /// <summary>The unique version the packages were packed with.</summary>
    public string Version { get; }
    /// <summary>The temporary folder of this fixture.</summary>
    public string Root { get; }
    /// <summary>The local feed holding Telescope.&lt;Version&gt;.nupkg and Telescope.Cli.&lt;Version&gt;.nupkg.</summary>
    public string Feed { get; }
    /// <summary>Wall time of the two packs.</summary>
    public double PackSeconds { get; }

    public string LibraryPackage => Path.Combine(Feed, $"Telescope.{Version}.nupkg");
    public string ToolPackage => Path.Combine(Feed, $"Telescope.Cli.{Version}.nupkg");

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        string cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (string id in new[] { "telescope", "telescope.cli" })
        {
            string idFolder = Path.Combine(cache, id), versionFolder = Path.Combine(idFolder, Version.ToLowerInvariant());
            try
            {
                if (Directory.Exists(versionFolder)) Directory.Delete(versionFolder, recursive: true);
                if (Directory.Exists(idFolder) && !Directory.EnumerateFileSystemEntries(idFolder).Any()) Directory.Delete(idFolder);
            }
            catch (IOException) { }
        }
    }

    /// <summary>
    /// Runs <c>dotnet</c> with <paramref name="args"/> in <paramref name="directory"/>; fails the test with the command,
    /// exit code and the end of its output unless it exits with 0. Returns standard output and error together.
    /// </summary>
    public static string Dotnet(string directory, params string[] args) => Run("dotnet", directory, args);

    /// <summary>Runs a program like <see cref="Dotnet"/> does (15-minute limit).</summary>
    public static string Run(string program, string directory, params string[] args)
    {
        var (code, output) = TryRun(program, directory, args);
        if (code != 0)
            Assert.Fail($"'{program} {string.Join(' ', args)}' in {directory} exited with {code}:\n{Tail(output)}");
        return output;
    }

    /// <summary>Runs a program and returns its exit code and combined output.</summary>
    public static (int Code, string Output) TryRun(string program, string directory, params string[] args)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in args) start.ArgumentList.Add(a);
        // The test host runs inside 'dotnet test': its MSBuild variables must not steer the child builds.
        foreach (string key in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(key);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";   // no build servers left running after the test
        start.Environment["DOTNET_CLI_DO_NOT_USE_MSBUILD_SERVER"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var output = new StringBuilder();
        var lockObject = new object();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (lockObject) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (lockObject) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(TimeSpan.FromMinutes(15)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"'{program} {string.Join(' ', args)}' did not finish within 15 minutes:\n{Tail(output.ToString())}");
        }
        process.WaitForExit();
        lock (lockObject) return (process.ExitCode, output.ToString());
    }

    private static string Tail(string text) => text.Length <= 6000 ? text : "…" + text[^6000..];

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Telescope.slnx"))) return dir.FullName;
        throw new InvalidOperationException($"No Telescope.slnx above {AppContext.BaseDirectory}.");
    }
}
