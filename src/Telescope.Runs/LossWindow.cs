namespace Telescope.Runs;

/// <summary>The batch losses since the last logged point, whose mean the next logged row reports.</summary>
public sealed class LossWindow : ICheckpointable
{
    private double _sum;
    private int _count;

    public void Add(double loss)
    {
        _sum += loss;
        _count++;
    }

    /// <summary>The mean of the window, which then starts afresh.</summary>
    public double TakeMean()
    {
        double mean = _sum / _count;
        (_sum, _count) = (0, 0);
        return mean;
    }

    public void SaveState(CheckpointState state, string prefix)
    {
        state.Set(prefix + "sum", _sum);
        state.Set(prefix + "count", _count);
    }

    public void LoadState(CheckpointState state, string prefix)
    {
        _sum = state.GetDouble(prefix + "sum");
        _count = state.GetInt(prefix + "count");
    }
}
