using Telescope.Data;
using Xunit;

namespace Telescope.Tests.Data;

/// <summary>
/// A fact that needs the real data folder: skipped, with a message saying how to enable it, when
/// TELESCOPE_DATA is unset. Mark such tests <c>[Trait("Category", "RealData")]</c> too.
/// </summary>
public sealed class RealDataFactAttribute : FactAttribute
{
    public RealDataFactAttribute()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(DataFolder.EnvironmentVariableName)))
            Skip = $"Needs the real data sets: set {DataFolder.EnvironmentVariableName} to the data folder " +
                   "(e.g. export TELESCOPE_DATA=/work/shared/data) to run this test.";
    }

    /// <summary>The data folder named by TELESCOPE_DATA (only call from a test this attribute did not skip).</summary>
    public static DataFolder Folder => DataFolder.Require();
}
