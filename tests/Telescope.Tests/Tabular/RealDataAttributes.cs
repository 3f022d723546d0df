using Telescope.Data.Tabular;
using Xunit;

namespace Telescope.Tests.Tabular;

/// <summary>A theory over the real shared data; skipped with a message when TELESCOPE_DATA is unset.</summary>
public sealed class RealDataTheoryAttribute : TheoryAttribute
{
    public RealDataTheoryAttribute()
    {
        if (TabularSuite.DirectoryFromEnvironment() is null)
            Skip = $"Set {TabularSuite.DataEnvironmentVariable} to the shared data folder (e.g. /work/shared/data) to run the real-data tests.";
    }
}

/// <summary>A fact over the real shared data; skipped with a message when TELESCOPE_DATA is unset.</summary>
public sealed class RealDataFactAttribute : FactAttribute
{
    public RealDataFactAttribute()
    {
        if (TabularSuite.DirectoryFromEnvironment() is null)
            Skip = $"Set {TabularSuite.DataEnvironmentVariable} to the shared data folder (e.g. /work/shared/data) to run the real-data tests.";
    }
}
