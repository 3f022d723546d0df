using Telescope.Data;

namespace Telescope.Data;

/// <summary>
/// The minibatches of a training run: epochs of a seeded permutation of 0..n−1 cut into batches (the last,
/// short batch of an epoch is dropped so every step has the same batch size). The same seed gives the same
/// batches on every machine, so sub-runs of a sweep see identical data order.
/// </summary>
public sealed class BatchSchedule
{
    private readonly int _n, _batchSize;
    private readonly ulong _seed;
    private readonly Dictionary<int, int[]> _epochs = [];

    public BatchSchedule(int n, int batchSize, ulong seed)
    {
        if (batchSize < 1 || batchSize > n)
            throw new TelescopeException($"Batch size {batchSize} does not fit {n} training examples.")
            { Hint = "Use a batch size between 1 and the number of training examples." };
        _n = n;
        _batchSize = batchSize;
        _seed = seed;
    }

    public int BatchesPerEpoch => _n / _batchSize;

    /// <summary>Indices of the batch used at step t (t counts from 1).</summary>
    public ReadOnlySpan<int> Batch(int step)
    {
        int epoch = (step - 1) / BatchesPerEpoch, within = (step - 1) % BatchesPerEpoch;
        if (!_epochs.TryGetValue(epoch, out var order))
        {
            // A fresh, hashed stream per epoch: streams of consecutive raw seeds would overlap in SplitMix64.
            order = SplitMix64.Permutation(_n, new SplitMix64(_seed ^ (0x9E3779B97F4A7C15UL * (ulong)(epoch + 1))).NextUInt64());
            _epochs[epoch] = order;
            _epochs.Remove(epoch - 2);
        }
        return order.AsSpan(within * _batchSize, _batchSize);
    }
}
