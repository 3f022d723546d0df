namespace Telescope.Boosting;

/// <summary>
/// The leaf kernel of one tree: L(x, x_i) = 1{x and x_i fall in the same leaf} / (#training rows in that leaf).
/// Stored grouped by leaf (training rows listed per leaf, one leaf id per row), never as a dense matrix:
/// a kernel row is determined by its leaf alone. Every row is non-negative and sums to one.
/// </summary>
public sealed class LeafKernel
{
    private readonly int[] _trainLeaf;
    private readonly int[] _queryLeaf;
    private readonly int[] _leafStart;   // CSR offsets into _rowsByLeaf, length NumLeaves + 1
    private readonly int[] _rowsByLeaf;  // training row ids grouped by leaf

    /// <summary>Number of training rows n.</summary>
    public int TrainRows => _trainLeaf.Length;
    /// <summary>Number of query rows m.</summary>
    public int QueryRows => _queryLeaf.Length;
    /// <summary>One more than the largest leaf id of a training row.</summary>
    public int NumLeaves => _leafStart.Length - 1;

    private LeafKernel(int[] trainLeaf, int[] queryLeaf, int[] leafStart, int[] rowsByLeaf)
    {
        _trainLeaf = trainLeaf;
        _queryLeaf = queryLeaf;
        _leafStart = leafStart;
        _rowsByLeaf = rowsByLeaf;
    }

    /// <summary>
    /// Builds the kernel from the leaf id of every training row and every query row (e.g. LightGBM's
    /// leaf-index prediction). A query row in a leaf that holds no training row is an error: its kernel row
    /// would be undefined.
    /// </summary>
    public static LeafKernel FromLeafIndices(ReadOnlySpan<int> trainLeaves, ReadOnlySpan<int> queryLeaves)
    {
        if (trainLeaves.Length == 0) throw new ArgumentException("A leaf kernel needs at least one training row.", nameof(trainLeaves));
        int numLeaves = 0;
        foreach (int leaf in trainLeaves)
        {
            if (leaf < 0) throw new ArgumentException($"Leaf ids must be non-negative, got {leaf}.", nameof(trainLeaves));
            numLeaves = Math.Max(numLeaves, leaf + 1);
        }
        var start = new int[numLeaves + 1];
        foreach (int leaf in trainLeaves) start[leaf + 1]++;
        for (int l = 0; l < numLeaves; l++) start[l + 1] += start[l];
        var fill = start[..numLeaves];
        var rows = new int[trainLeaves.Length];
        for (int i = 0; i < trainLeaves.Length; i++) rows[fill[trainLeaves[i]]++] = i;

        for (int j = 0; j < queryLeaves.Length; j++)
        {
            int leaf = queryLeaves[j];
            if (leaf < 0 || leaf >= numLeaves || start[leaf + 1] == start[leaf])
                throw new ArgumentException($"Query row {j} falls in leaf {leaf}, which holds no training row; the leaf kernel is undefined there.", nameof(queryLeaves));
        }
        return new LeafKernel(trainLeaves.ToArray(), queryLeaves.ToArray(), start, rows);
    }

    /// <summary>Leaf of training row i.</summary>
    public int TrainLeaf(int i) => _trainLeaf[i];
    /// <summary>Leaf of query row j.</summary>
    public int QueryLeaf(int j) => _queryLeaf[j];
    /// <summary>Number of training rows in a leaf.</summary>
    public int LeafSize(int leaf) => _leafStart[leaf + 1] - _leafStart[leaf];
    /// <summary>The training rows of a leaf, ascending.</summary>
    public ReadOnlySpan<int> TrainRowsInLeaf(int leaf) => _rowsByLeaf.AsSpan(_leafStart[leaf], LeafSize(leaf));

    /// <summary>Writes the dense kernel row L(x, X_train) ∈ Rⁿ of a row in <paramref name="leaf"/>.</summary>
    public void KernelRow(int leaf, Span<double> destination)
    {
        if (destination.Length != TrainRows)
            throw new ArgumentException($"destination has length {destination.Length}, expected n = {TrainRows}.", nameof(destination));
        destination.Clear();
        var members = TrainRowsInLeaf(leaf);
        double w = 1.0 / members.Length;
        foreach (int i in members) destination[i] = w;
    }

    /// <summary>
    /// For every leaf ℓ, the mean over the training rows in ℓ of the rows of <paramref name="rowMajor"/>
    /// (n × columns): the product L·A restricted to one representative per leaf. Result is NumLeaves × columns.
    /// </summary>
    public double[] LeafMeans(ReadOnlySpan<double> rowMajor, int columns)
    {
        if (rowMajor.Length != (long)TrainRows * columns)
            throw new ArgumentException($"Matrix has {rowMajor.Length} values, expected n×columns = {TrainRows}×{columns}.", nameof(rowMajor));
        var means = new double[(long)NumLeaves * columns];
        for (int leaf = 0; leaf < NumLeaves; leaf++)
        {
            var members = TrainRowsInLeaf(leaf);
            if (members.Length == 0) continue;
            var target = means.AsSpan(leaf * columns, columns);
            foreach (int i in members) DenseOps.AddScaled(target, rowMajor.Slice(i * columns, columns), 1.0);
            DenseOps.Scale(target, 1.0 / members.Length);
        }
        return means;
    }
}
