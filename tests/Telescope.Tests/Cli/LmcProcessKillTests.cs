using Telescope.Tests.Data;
using Xunit;

namespace Telescope.Tests.Cli;

/// <summary>
/// lmc survives a real process death: a child <c>telescope run lmc</c> (tiny ResNet, a few steps, real CIFAR-10) is
/// SIGKILLed once a checkpoint exists mid-run — while a parent, a child or between spawn points — and
/// <c>telescope resume</c> finishes it; metrics.csv is byte-identical to an uninterrupted run's and summary.json
/// identical outside the wall-clock fields (<see cref="ProcessKillTests.KillResumeAndCompare"/>).
/// </summary>
public sealed class LmcProcessKillTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("telescope-lmc-kill-").FullName;
    public void Dispose() => Directory.Delete(_root, true);

    /// <summary>w = 2, T = 6, t′ ∈ {0, 3}, 2 pretraining steps, a row per step: 1 + 2 arms × (2 spawn points × (curve + 5 α)) + parent and pretraining rows.</summary>
    internal static readonly string[] Tiny =
    [
        "width=2", "steps=6", "spawn_steps=0,3", "pretrain_steps=2", "train_size=32", "pretrain_offset=32", "pretrain_size=32",
        "test_size=40", "probes=2", "batch_size=16", "bn_batches=2", "warmup_steps=2", "log_every=1", "threads=1",
    ];

    // Header; per arm: children 6 + 6 rows (t′ = 0) and 3 + 3 (t′ = 3), 5 path rows per t′, the parent's 3; pretraining 2.
    private const int Rows = 1 + 2 * (12 + 6 + 10 + 3) + 2;

    [RealDataFact]
    [Trait("Category", "RealData")]
    public void LmcKilledMidRunResumesToTheUninterruptedResult() =>
        ProcessKillTests.KillResumeAndCompare(_root, "lmc", Tiny, Rows, ProcessKillTests.Sigkill);
}
