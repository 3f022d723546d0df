namespace Telescope.Runs;

/// <summary>A sub-run's wall and CPU time since it started, continued from a checkpoint when it is resumed.</summary>
public sealed class SubRunClock : ICheckpointable
{
    private readonly Stopwatch _wall = Stopwatch.StartNew();
    private readonly TimeSpan _cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
    private double _wallBefore, _cpuBefore;

    /// <summary>Wall time of the sub-run (in earlier processes too).</summary>
    public TimeSpan Wall => TimeSpan.FromSeconds(_wallBefore) + _wall.Elapsed;

    /// <summary>CPU seconds of this process since the sub-run started (plus those of earlier processes).</summary>
    public double CpuSeconds => _cpuBefore + (Process.GetCurrentProcess().TotalProcessorTime - _cpuStart).TotalSeconds;

    public void SaveState(CheckpointState state, string prefix)
    {
        state.Set(prefix + "wall_seconds", Wall.TotalSeconds);
        state.Set(prefix + "cpu_seconds", CpuSeconds);
    }

    public void LoadState(CheckpointState state, string prefix)
    {
        _wallBefore = state.GetDouble(prefix + "wall_seconds");
        _cpuBefore = state.GetDouble(prefix + "cpu_seconds");
    }
}
