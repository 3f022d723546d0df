namespace Telescope.Recipes.Sensitivity;

/// <summary>
/// B_t as an int64 tensor for every retraining member of a step: built once per step from the run's
/// <see cref="BatchSchedule"/> and shared, so all members see exactly the caller's batches.
/// </summary>
internal sealed class BatchIndexCache(BatchSchedule batches, Device device) : IDisposable
{
    private int _step = -1;
    private Tensor? _index;

    public Tensor At(int step)
    {
        if (step != _step || _index is null)
        {
            _index?.Dispose();
            _index = torch.tensor(batches.Batch(step).ToArray(), dtype: ScalarType.Int64, device: device).DetachFromDisposeScope();
            _step = step;
        }
        return _index;
    }

    public void Dispose() => _index?.Dispose();
}
