using Telescope.Data;
using Xunit;

namespace Telescope.Tests.Data;

/// <summary>
/// A theory that needs the real data folder: skipped like <see cref="RealDataFactAttribute"/> when TELESCOPE_DATA is
/// unset. Mark such tests <c>[Trait("Category", "RealData")]</c> too.
/// </summary>
public sealed class RealDataTheoryAttribute : TheoryAttribute
{
    public RealDataTheoryAttribute()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(DataFolder.EnvironmentVariableName)))
            Skip = $"Needs the real data sets: set {DataFolder.EnvironmentVariableName} to the data folder " +
                   "(e.g. export TELESCOPE_DATA=/work/shared/data) to run this test.";
    }
}
