using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit;
using Xunit.Abstractions;

namespace Telescope.Tests.Packaging;

/// <summary>
/// The NuGet packages as a user gets them (slow: pack, restore, build). The library package carries its metadata,
/// README, licence and the LibTorchSharp fix as buildTransitive, and the engines alone (the run framework and the
/// recipes ship in the tool); the sample under samples/LibraryExample, built from
/// a local feed (a package reference, not the project), gets the patched libLibTorchSharp.so in its own output and
/// runs the README's library example; the tool installed with --tool-path from that feed runs 'telescope list' and
/// a tiny recipe on a CSV file (which loads LibTorch from the tool's own folder).
/// </summary>
[Trait("Category", "Slow")]
public sealed partial class PackageTests(PackageFixture packages, ITestOutputHelper log) : IClassFixture<PackageFixture>
{
    private const string GlibcxxVersion = "GLIBCXX_3.4.32";

    [Fact]
    public void TheLibraryPackageHasItsMetadataReadmeLicenceAndTheBuildTransitiveFix()
    {
        log.WriteLine($"pack of both packages: {packages.PackSeconds:F1} s");
        using var zip = ZipFile.OpenRead(packages.LibraryPackage);
        var entries = zip.Entries.Select(e => e.FullName).ToHashSet();
        foreach (string f in new[] { "README.md", "LICENSE", "lib/net10.0/Telescope.dll", "lib/net10.0/Telescope.xml", "buildTransitive/Telescope.targets" })
            Assert.True(entries.Contains(f), $"{f} missing from the package: {string.Join(", ", entries)}");
        using (var reader = new StreamReader(zip.GetEntry("buildTransitive/Telescope.targets")!.Open()))
            Assert.Equal(File.ReadAllText(Path.Combine(packages.RepoRoot, "build", "LibTorchSharpGlibcxxFix.targets")), reader.ReadToEnd());

        var nuspec = Nuspec(zip);
        string Meta(string name) => nuspec.Descendants().Single(e => e.Name.LocalName == name).Value;
        Assert.Equal("Telescope", Meta("id"));
        Assert.Equal(packages.Version, Meta("version"));
        Assert.Equal("Telescope contributors", Meta("authors"));
        Assert.Equal("MIT", Meta("license"));
        Assert.Equal("README.md", Meta("readme"));
        Assert.Contains("telescoping", Meta("tags"));
        Assert.False(string.IsNullOrWhiteSpace(Meta("description")));
        var dependencies = nuspec.Descendants().Where(e => e.Name.LocalName == "dependency")
            .ToDictionary(e => e.Attribute("id")!.Value, e => e.Attribute("version")!.Value);
        var central = XDocument.Load(Path.Combine(packages.RepoRoot, "Directory.Packages.props")).Descendants("PackageVersion")
            .ToDictionary(e => e.Attribute("Include")!.Value, e => e.Attribute("Version")!.Value);
        foreach (string id in new[] { "TorchSharp-cpu", "LightGBM", "ScottPlot" })
            Assert.Equal(central[id], dependencies[id]);
        Assert.DoesNotContain(dependencies.Keys, id => id.StartsWith("Telescope", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void TheLibraryPackageHoldsTheEnginesAlone()
    {
        // The run framework and the recipes ship inside the tool package; the library's dll neither contains nor
        // references them (read from the packed file's metadata, without loading it next to the test's own Telescope.dll).
        using var zip = ZipFile.OpenRead(packages.LibraryPackage);
        var dlls = zip.Entries.Where(e => e.FullName.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)).Select(e => e.FullName).ToList();
        Assert.Equal(new[] { "lib/net10.0/Telescope.dll" }, dlls);
        using var stream = new MemoryStream();
        using (var entry = zip.GetEntry("lib/net10.0/Telescope.dll")!.Open()) entry.CopyTo(stream);
        stream.Position = 0;
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        var references = metadata.AssemblyReferences.Select(h => metadata.GetString(metadata.GetAssemblyReference(h).Name)).ToList();
        Assert.Contains("TorchSharp", references);
        foreach (string layer in new[] { "Telescope.Runs", "Telescope.Recipes", "Telescope.Cli" })
            Assert.DoesNotContain(layer, references);
        var namespaces = metadata.TypeDefinitions.Select(h => metadata.GetString(metadata.GetTypeDefinition(h).Namespace)).Distinct().ToList();
        Assert.Contains("Telescope.Telescoping", namespaces);
        Assert.DoesNotContain(namespaces, n => n.StartsWith("Telescope.Runs", StringComparison.Ordinal)
            || n.StartsWith("Telescope.Recipes", StringComparison.Ordinal) || n.StartsWith("Telescope.Experiments", StringComparison.Ordinal));
    }

    [Fact]
    public void TheSampleBuildsFromTheLocalFeedGetsThePatchedLibraryAndRunsTheReadmeExample()
    {
        // The README's library example must be the sample's code, line for line and in order.
        string program = File.ReadAllText(Path.Combine(packages.RepoRoot, "samples", "LibraryExample", "Program.cs"));
        var programLines = program.Split('\n').Select(l => l.TrimEnd()).ToList();
        int at = 0;
        foreach (string line in ReadmeLibraryExample(packages.RepoRoot))
        {
            int found = programLines.FindIndex(at, l => l == line);
            Assert.True(found >= 0, $"The README example line '{line}' is not in samples/LibraryExample/Program.cs (in order).");
            at = found + 1;
        }
        var csproj = XDocument.Load(Path.Combine(packages.RepoRoot, "samples", "LibraryExample", "LibraryExample.csproj"));
        Assert.Equal(packages.CentralVersion, csproj.Descendants("TelescopeVersion").Single().Value);

        // A copy outside the repository, so nothing of the repository's MSBuild files can reach it.
        string sample = Path.Combine(packages.Root, "sample");
        Directory.CreateDirectory(sample);
        foreach (string f in new[] { "LibraryExample.csproj", "Program.cs" })
            File.Copy(Path.Combine(packages.RepoRoot, "samples", "LibraryExample", f), Path.Combine(sample, f));
        // The local feed plus the machine's normal sources (no <clear/>: those come from the user's NuGet.config).
        File.WriteAllText(Path.Combine(sample, "NuGet.config"),
            $"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<configuration>\n  <packageSources>\n" +
            $"    <add key=\"telescope-local-feed\" value=\"{packages.Feed}\" />\n  </packageSources>\n</configuration>\n");

        var clock = Stopwatch.StartNew();
        string build = PackageFixture.Dotnet(sample, "build", "-c", "Release", $"-p:TelescopeVersion={packages.Version}");
        log.WriteLine($"sample restore + build: {clock.Elapsed.TotalSeconds:F1} s");
        var assets = File.ReadAllText(Path.Combine(sample, "obj", "project.assets.json"));
        Assert.Contains($"\"Telescope/{packages.Version}\"", assets);   // the package, not a project

        // No runtime identifier: TorchSharp's native glue sits under runtimes/linux-x64/native in the output.
        string output = Path.Combine(sample, "bin", "Release", "net10.0");
        if (OperatingSystem.IsLinux())
        {
            string lib = Path.Combine(output, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
            Assert.True(File.Exists(lib), $"{lib} is missing; build output:\n{build}");
            if (!SystemLibstdcxxHas(GlibcxxVersion))
            {
                Assert.Contains("Marked GLIBCXX_3.4.32 weak", build);
                Assert.Equal("WEAK", VersionNeedFlags(lib, GlibcxxVersion));
                // The copy in the NuGet cache is left alone (the fix replaces the output's file, never writes through it).
                string cached = Directory.GetFiles(NuGetCache(), "libLibTorchSharp.so", SearchOption.AllDirectories)
                    .First(p => p.Contains("linux-x64", StringComparison.Ordinal));
                Assert.Equal("none", VersionNeedFlags(cached, GlibcxxVersion));
            }
        }

        clock.Restart();
        string run = PackageFixture.Dotnet(sample, Path.Combine(output, "LibraryExample.dll"));
        log.WriteLine($"sample run: {clock.Elapsed.TotalSeconds:F1} s\n{run}");
        Assert.Contains($"Telescope {packages.Version}", run);
        var m = ExampleOutput().Match(run);
        Assert.True(m.Success, $"No 'test: |f − f̃| = …' line in the sample's output:\n{run}");
        double telescoping = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        double linear = double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        // As ReadmeExampleTests: 20 small AdamW steps, f̃ is far closer to f than the linearization f_lin.
        Assert.True(telescoping > 0 && telescoping < 0.2 * linear, $"|f − f̃| = {telescoping}, |f − f_lin| = {linear}");
    }

    [Fact]
    public void TheToolInstallsFromTheLocalFeedAndRuns()
    {
        using (var zip = ZipFile.OpenRead(packages.ToolPackage))
        {
            // The tool carries the three layers: engines, run framework and recipes.
            foreach (string dll in new[] { "Telescope.dll", "Telescope.Runs.dll", "Telescope.Recipes.dll", "Telescope.Cli.dll" })
                Assert.Contains(zip.Entries, e => e.Name == dll);
            var settings = zip.Entries.Single(e => e.Name == "DotnetToolSettings.xml");
            using (var stream = settings.Open())
                Assert.Equal("telescope", XDocument.Load(stream).Descendants("Command").Single().Attribute("Name")!.Value);
            if (OperatingSystem.IsLinux())
            {
                // Patched whatever the packing machine's libstdc++: the tool runs on other machines.
                var lib = zip.Entries.Single(e => e.Name == "libLibTorchSharp.so");
                string extracted = Path.Combine(packages.Root, "tool-libLibTorchSharp.so");
                lib.ExtractToFile(extracted, overwrite: true);
                Assert.Equal("WEAK", VersionNeedFlags(extracted, GlibcxxVersion));
            }
        }

        string tools = Path.Combine(packages.Root, "tools");
        var clock = Stopwatch.StartNew();
        PackageFixture.Dotnet(packages.Root, "tool", "install", "Telescope.Cli", "--tool-path", tools, "--add-source", packages.Feed,
            "--version", packages.Version);
        log.WriteLine($"tool install: {clock.Elapsed.TotalSeconds:F1} s");
        string telescope = Path.Combine(tools, OperatingSystem.IsWindows() ? "telescope.exe" : "telescope");

        string list = PackageFixture.Run(telescope, packages.Root, "list");
        foreach (string recipe in new[] { "approximation", "double-descent", "grokking-mnist", "grokking-poly", "tabular-gbt" })
            Assert.Contains(recipe, list);

        // A real (tiny) run through the installed tool: LibTorch and LightGBM load from the tool's folder.
        string csv = Path.Combine(packages.Root, "tiny.csv");
        var rng = new Random(3);
        File.WriteAllLines(csv, ["a,b,y", .. Enumerable.Range(0, 150).Select(i =>
        {
            double a = rng.NextDouble(), b = rng.NextDouble();
            return string.Create(CultureInfo.InvariantCulture, $"{a:R},{b:R},{Math.Sin(3 * a) + b * b + 0.05 * rng.NextDouble():R}");
        })]);
        clock.Restart();
        string runs = Path.Combine(packages.Root, "runs");
        string run = PackageFixture.Run(telescope, packages.Root, "run", "tabular-gbt", "--quick", "--out", Path.Combine(runs, "tiny"),
            "--set", $"datasets=csv:{csv}", "--set", "target=y", "--set", "train_size=40", "--set", "pool_size=100",
            "--set", "test_size=5", "--set", "repetitions=2", "--set", "hidden=8", "--set", "steps=20", "--set", "log_every=10",
            "--set", "batch_size=8", "--set", "gbt_leaves=4", "--set", "gbt_min_data_in_leaf=5", "--set", "gbt_max_rounds=10");
        log.WriteLine($"tiny tabular-gbt through the tool: {clock.Elapsed.TotalSeconds:F1} s");
        Assert.Contains("Run finished", run);
        Assert.Contains("not a known data file", File.ReadAllText(Path.Combine(runs, "tiny", "report.md")));
    }

    /// <summary>The non-empty lines of the README's library example (the C# block under "Using the library").</summary>
    internal static IReadOnlyList<string> ReadmeLibraryExample(string repoRoot)
    {
        string readme = File.ReadAllText(Path.Combine(repoRoot, "README.md"));
        int section = readme.IndexOf("## Using the library in your own training loop", StringComparison.Ordinal);
        Assert.True(section >= 0, "README has no 'Using the library in your own training loop' section.");
        int start = readme.IndexOf("```csharp\n", section, StringComparison.Ordinal) + "```csharp\n".Length;
        int end = readme.IndexOf("```", start, StringComparison.Ordinal);
        return readme[start..end].Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToList();
    }

    [GeneratedRegex(@"test: \|f − f̃\| = ([0-9.eE+-]+), \|f − f_lin\| = ([0-9.eE+-]+)")]
    private static partial Regex ExampleOutput();

    private static string NuGetCache() => Environment.GetEnvironmentVariable("NUGET_PACKAGES")
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    private static XDocument Nuspec(ZipArchive zip)
    {
        using var stream = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        return XDocument.Load(stream);
    }

    private static bool SystemLibstdcxxHas(string version)
    {
        string? lib = new[] { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6" }
            .FirstOrDefault(File.Exists);
        return lib is not null && File.ReadAllText(lib, System.Text.Encoding.Latin1).Contains(version + "\0", StringComparison.Ordinal);
    }

    /// <summary>The flags readelf (binutils, an independent ELF reader) shows for the version need, e.g. "WEAK" or "none".</summary>
    private static string VersionNeedFlags(string library, string version)
    {
        string text = PackageFixture.Run("readelf", Path.GetDirectoryName(library)!, "-V", library);
        var m = Regex.Match(text, $@"Name: {Regex.Escape(version)}\s+Flags: (\S+)");
        Assert.True(m.Success, $"readelf -V shows no need for {version} in {library}:\n{text}");
        return m.Groups[1].Value;
    }
}
