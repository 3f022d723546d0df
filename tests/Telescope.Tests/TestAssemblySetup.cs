using System.Runtime.CompilerServices;

namespace Telescope.Tests;

internal static class TestAssemblySetup
{
    /// <summary>Runs before any test touches LibTorch: xunit runs test classes in parallel, and spinning
    /// OpenMP threads of parallel tests would starve each other (see <see cref="TorchRuntime"/>).</summary>
    [ModuleInitializer]
    internal static void Initialize() => TorchRuntime.Configure();
}
