namespace Telescope.Data;

/// <summary>Where a <see cref="DataFolder"/> location came from (used in messages).</summary>
public enum DataFolderSource
{
    /// <summary>Given explicitly, e.g. by the command-line option <c>--data</c>.</summary>
    Explicit,
    /// <summary>Read from the environment variable <c>TELESCOPE_DATA</c>.</summary>
    EnvironmentVariable,
}

/// <summary>
/// The folder holding the real data sets (<c>mnist/</c>, <c>cifar10/</c>, <c>digits/</c>, <c>tabular/</c>).
/// Located from an explicit path (CLI <c>--data</c>), else the environment variable <c>TELESCOPE_DATA</c>,
/// else there is none and callers fall back to built-in synthetic data (<see cref="SyntheticImages"/>).
/// </summary>
public sealed class DataFolder
{
    /// <summary>Name of the environment variable consulted when no explicit path is given.</summary>
    public const string EnvironmentVariableName = "TELESCOPE_DATA";

    private DataFolder(string path, DataFolderSource source)
    {
        Path = path;
        Source = source;
    }

    /// <summary>Absolute path of the folder (it existed when located).</summary>
    public string Path { get; }

    /// <summary>Where the path came from.</summary>
    public DataFolderSource Source { get; }

    /// <summary>
    /// Finds the data folder: <paramref name="explicitPath"/> if given, else <c>TELESCOPE_DATA</c>, else null.
    /// A path that was given but does not exist is an error, never silently replaced by synthetic data.
    /// </summary>
    /// <param name="explicitPath">A path from the user (CLI <c>--data</c>), or null/empty.</param>
    /// <param name="getEnvironmentVariable">Reads an environment variable; defaults to the process environment
    /// (tests pass their own).</param>
    /// <exception cref="DirectoryNotFoundException">The chosen path does not exist.</exception>
    public static DataFolder? Locate(string? explicitPath = null, Func<string, string?>? getEnvironmentVariable = null)
    {
        if (!string.IsNullOrWhiteSpace(explicitPath))
            return Open(explicitPath, DataFolderSource.Explicit);
        var fromEnvironment = (getEnvironmentVariable ?? Environment.GetEnvironmentVariable)(EnvironmentVariableName);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
            return Open(fromEnvironment, DataFolderSource.EnvironmentVariable);
        return null;
    }

    /// <summary>Like <see cref="Locate"/>, but having no data folder at all is an error too.</summary>
    /// <exception cref="DirectoryNotFoundException">No folder was given, or it does not exist.</exception>
    public static DataFolder Require(string? explicitPath = null, Func<string, string?>? getEnvironmentVariable = null)
        => Locate(explicitPath, getEnvironmentVariable) ?? throw new DirectoryNotFoundException(
            $"No data folder was given. {HowToPointAtData}");

    /// <summary>Opens a folder given by path.</summary>
    /// <exception cref="DirectoryNotFoundException">The path does not exist.</exception>
    public static DataFolder Open(string path, DataFolderSource source = DataFolderSource.Explicit)
    {
        string full = System.IO.Path.GetFullPath(path);
        if (!Directory.Exists(full))
        {
            string origin = source == DataFolderSource.Explicit ? "given with --data" : $"from {EnvironmentVariableName}";
            throw new DirectoryNotFoundException(
                $"The data folder '{full}' ({origin}) does not exist. {HowToPointAtData}");
        }
        return new DataFolder(full, source);
    }

    /// <summary>Absolute path of a file or folder inside the data folder (it need not exist).</summary>
    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>
    /// The first of <paramref name="candidateNames"/> that exists in the subfolder <paramref name="subfolder"/>
    /// (or, when the data folder IS that subfolder, directly in it); null if none.
    /// </summary>
    public string? FindFile(string subfolder, params string[] candidateNames)
    {
        foreach (var directory in new[] { Combine(subfolder), Path })
            foreach (var name in candidateNames)
            {
                var candidate = System.IO.Path.Combine(directory, name);
                if (File.Exists(candidate)) return candidate;
            }
        return null;
    }

    /// <inheritdoc />
    public override string ToString() => Path;

    internal const string HowToPointAtData =
        "Set the environment variable " + EnvironmentVariableName + " to the folder holding mnist/, cifar10/, " +
        "digits/ and tabular/ (for example /work/shared/data), or pass --data <folder>. Without a data folder " +
        "the recipes can run on the built-in synthetic defaults (SyntheticImages).";
}
