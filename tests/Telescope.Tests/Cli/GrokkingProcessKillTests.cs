using Telescope.Recipes.Grokking;
using Xunit;

namespace Telescope.Tests.Cli;

/// <summary>
/// grokking-mnist and grokking-poly survive a SIGKILL of the child <c>telescope</c> process: after <c>telescope
/// resume</c> the folder equals an uninterrupted run's (every CSV byte-identical, summary.json identical outside the
/// wall-clock fields). Tiny settings with two sub-runs and every tracker on (smoother, retraining members with the
/// linearity pair, λ_t), a few seconds per run.
/// </summary>
public sealed class GrokkingProcessKillTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("telescope-grok-kill-").FullName;
    public void Dispose() => Directory.Delete(_root, true);

    private const int Steps = 160, LogEvery = 20, LogPerDecade = 20, SubRuns = 2;

    private static readonly string[] Mnist =
    [
        "data=synthetic", "configs=relu:2,sigmoid:1", "train_size=60", "test_size=40", "test_probes=10", "hidden=12,12",
        "batch_size=20", $"steps={Steps}", $"log_every={LogEvery}", "directions=2", "smoother=label-tangent", "sensitivity=retraining",
        "sensitivity_linearity=true", "stability_iterations=5", "threads=1",
    ];

    private static readonly string[] Poly =
    [
        "epsilons=0.02,0.5", "width=32", "input_dim=8", "train_size=40", "test_size=30", "test_probes=10", $"steps={Steps}",
        $"log_every={LogEvery}", "lr_factor=1", "sensitivity=retraining", "stability_iterations=5", "dtype=float64", "threads=1",
    ];

    /// <summary>Header + every sub-run's logged steps.</summary>
    private static int Rows => 1 + SubRuns * LogSchedule.Steps(Steps, LogPerDecade, LogEvery).Count;

    [Fact]
    public void GrokkingMnistKilledMidRunResumesToTheUninterruptedResult()
    {
        ProcessKillTests.KillResumeAndCompare(_root, "grokking-mnist", Mnist, Rows, ProcessKillTests.Sigkill);
    }

    [Fact]
    public void GrokkingPolyKilledMidRunResumesToTheUninterruptedResult()
    {
        ProcessKillTests.KillResumeAndCompare(_root, "grokking-poly", Poly, Rows, ProcessKillTests.Sigkill);
    }
}
