using Telescope.Tests.Recipes;
using Xunit;

namespace Telescope.Tests.Cli;

/// <summary>
/// double-descent after a real process death (issue 8): a child <c>telescope</c> run with the convergence rule, two
/// seeds, the Hutchinson smoother and p_net members is SIGKILLed after a checkpoint and resumed in a new process; the
/// finished folder must equal an uninterrupted child run's (<see cref="ProcessKillTests.KillResumeAndCompare"/>).
/// </summary>
public sealed class DoubleDescentProcessKillTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("telescope-dd-kill-").FullName;
    public void Dispose() => Directory.Delete(_root, true);

    [Fact]
    public void DoubleDescentKilledMidRunResumesToTheUninterruptedResult() =>
        ProcessKillTests.KillResumeAndCompare(_root, "double-descent", Settings, TotalRows, ProcessKillTests.Sigkill);

    /// <summary>The in-process resume tests' tiny sweep, with longer networks so that the child runs a few seconds.</summary>
    internal static readonly string[] Settings =
        [.. DoubleDescentResumeTests.Tiny.Where(s => !s.StartsWith("max_steps=") && !s.StartsWith("converge_window=")), "max_steps=150", "converge_window=50"];

    /// <summary>metrics.csv lines of the uninterrupted run (header + every logged point; measured from the reference run).</summary>
    private const int TotalRows = 170;
}
