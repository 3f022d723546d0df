namespace Telescope.Tests;

/// <summary>
/// A test class with a temporary folder of its own: xUnit makes one instance per test, so every test gets a fresh
/// folder, deleted with everything in it when the test ends.
/// </summary>
/// <param name="prefix">Start of the folder's name, naming the tests that made it (e.g. "telescope-csv-").</param>
public abstract class TempFolderTest(string prefix) : IDisposable
{
    /// <summary>The test's folder.</summary>
    protected readonly string _root = Directory.CreateTempSubdirectory(prefix).FullName;

    /// <inheritdoc/>
    public void Dispose()
    {
        Directory.Delete(_root, true);
        GC.SuppressFinalize(this);
    }
}
