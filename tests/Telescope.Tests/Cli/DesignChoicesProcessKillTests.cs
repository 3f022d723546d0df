using Xunit;

namespace Telescope.Tests.Cli;

/// <summary>
/// design-choices after a real process death (issue 8): the built CLI runs a small quick design-choices sweep as a
/// child process with checkpoints every 0.3 s, is SIGKILLed once a checkpoint exists and metrics.csv has grown, and
/// <c>telescope resume</c> finishes it in a new process; the folder must equal an uninterrupted child run's (every
/// CSV byte-identical, summary.json identical outside the wall-clock fields). Reuses <see cref="ProcessKillTests"/>.
/// </summary>
public sealed class DesignChoicesProcessKillTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("telescope-design-kill-").FullName;
    public void Dispose() => Directory.Delete(_root, true);

    // Four MNIST sub-runs of 150 steps, 16 rows each (sgd_momentum, adamw, SGD at γ/(1−β), adamw on relu-nobias),
    // then 16 momentum_vs_rescaled rows; no tabular part, so no data folder is needed.
    private static readonly string[] Settings =
    [
        "data=synthetic", "train_size=256", "train_probes=16", "test_probes=24", "kernel_train=8", "kernel_test=6", "drift_probes=6",
        "hidden=16", "batch_size=16", "steps=150", "identity_steps=150", "log_every=10", "kernel_every=50", "kernel_directions=8",
        "optimizers=sgd_momentum,adamw", "identity_nets=relu-nobias", "identity_optimizers=adamw", "tabular=none", "threads=1",
    ];
    private const int Rows = 1 + 4 * 16 + 16;

    [Fact]
    public void DesignChoicesKilledMidRunResumesToTheUninterruptedResult() =>
        ProcessKillTests.KillResumeAndCompare(_root, "design-choices", Settings, Rows, ProcessKillTests.Sigkill);
}
