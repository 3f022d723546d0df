namespace Telescope.Boosting;

/// <summary>
/// A boosted tree ensemble as a telescoping model (docs/method.md §6): the smoother rows
/// S_b(x) = S_{b−1}(x) + η·L_b(x, X_train)·(I − S_{b−1}(X_train)), with S_0 = (1/n)·1ᵀ when boosting starts
/// from the label mean and S_0 = 0 otherwise, kept for every training row and every query row, so that the
/// ensemble's prediction is f_b(x) = S_b(x)·Y.
/// </summary>
/// <example>
/// <code>
/// // using Telescope.Boosting;
/// var rng = new Random(0);
/// double[] x = Enumerable.Range(0, 200 * 2).Select(_ => rng.NextDouble()).ToArray();   // 200 rows × 2 features, row-major
/// double[] y = Enumerable.Range(0, 200).Select(i => Math.Sin(6 * x[2 * i]) + x[2 * i + 1]).ToArray();
/// using var model = GbtRegressor.Create(x, 200, 2, y, new GbtOptions { NumRounds = 50, NumLeaves = 8, MinDataInLeaf = 5 });
/// model.Train();
/// double[] query = [0.5, 0.5, 0.9, 0.1];   // two query rows
/// var smoother = GbtSmoother.FromModel(model, query, queryRows: 2);
/// double[] f = smoother.PredictQuery(model.TrainLabels);   // S(x*)·Y, the ensemble's prediction
/// double pTest = 200.0 / 2 * smoother.QueryRowNorms().Sum(r => r * r);   // n/m·Σ ||S(x*)||²
/// Console.WriteLine($"S·Y = [{f[0]:F4}, {f[1]:F4}], LightGBM = [{string.Join(", ", model.PredictRaw(query, 2).Select(v => v.ToString("F4")))}], p_test = {pTest:F1}");
/// </code>
/// </example>
/// <remarks>
/// One tree costs O(n·(n + m)): the leaf means of the rows of I − S_{b−1}(X_train) (O(n²)) and one scaled
/// row addition per training and query row. The first tree is special in LightGBM when it cannot split: it
/// is kept as a constant tree holding the label mean even without boost_from_average, so S_1 = (1/n)·1ᵀ then
/// (with boost_from_average the recursion already gives that).
/// </remarks>
public sealed class GbtSmoother
{
    private readonly double[] _train; // n × n, row i = S_b(x_i)
    private readonly double[] _query; // m × n, row j = S_b(x*_j)

    /// <summary>Number of training rows n (also the length of every smoother row).</summary>
    public int TrainRows { get; }
    /// <summary>Number of query rows m.</summary>
    public int QueryRows { get; }
    /// <summary>η.</summary>
    public double LearningRate { get; }
    /// <summary>Whether S_0 = (1/n)·1ᵀ (true) or 0.</summary>
    public bool BoostFromAverage { get; }
    /// <summary>Number of trees folded in so far (b).</summary>
    public int NumTrees { get; private set; }

    /// <summary>Creates S_0 for n training rows and m query rows.</summary>
    public GbtSmoother(int trainRows, int queryRows, double learningRate, bool boostFromAverage)
    {
        if (trainRows <= 0) throw new ArgumentOutOfRangeException(nameof(trainRows), trainRows, "Need at least one training row.");
        if (queryRows < 0) throw new ArgumentOutOfRangeException(nameof(queryRows), queryRows, "Query row count cannot be negative.");
        if (!(learningRate > 0)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "Learning rate must be positive.");
        TrainRows = trainRows;
        QueryRows = queryRows;
        LearningRate = learningRate;
        BoostFromAverage = boostFromAverage;
        _train = new double[(long)trainRows * trainRows];
        _query = new double[(long)queryRows * trainRows];
        if (boostFromAverage) FillWithMean();
    }

    private void FillWithMean()
    {
        Array.Fill(_train, 1.0 / TrainRows);
        Array.Fill(_query, 1.0 / TrainRows);
    }

    /// <summary>
    /// Builds S_B for a trained LightGBM model: the training rows plus the given query rows (dense row-major,
    /// same columns as the training features). Leaf indices come from LightGBM's leaf-index prediction.
    /// </summary>
    public static GbtSmoother FromModel(GbtRegressor model, ReadOnlySpan<double> queryFeatures, int queryRows)
    {
        ArgumentNullException.ThrowIfNull(model);
        int n = model.TrainRows, trees = model.NumTrees;
        if (queryRows < 0 || queryFeatures.Length != (long)queryRows * model.Columns)
            throw new ArgumentException($"queryFeatures has {queryFeatures.Length} values, expected {queryRows}×{model.Columns}.", nameof(queryFeatures));
        var smoother = new GbtSmoother(n, queryRows, model.Options.LearningRate, model.Options.BoostFromAverage);
        if (trees == 0) return smoother;
        int[] trainLeaves = model.PredictLeafIndices(model.TrainFeatures, n, 0, trees);
        int[] queryLeaves = queryRows > 0 ? model.PredictLeafIndices(queryFeatures, queryRows, 0, trees) : [];
        var trainColumn = new int[n];
        var queryColumn = new int[queryRows];
        for (int b = 0; b < trees; b++)
        {
            for (int i = 0; i < n; i++) trainColumn[i] = trainLeaves[i * trees + b];
            for (int j = 0; j < queryRows; j++) queryColumn[j] = queryLeaves[j * trees + b];
            smoother.AddTree(LeafKernel.FromLeafIndices(trainColumn, queryColumn));
        }
        return smoother;
    }

    /// <summary>One telescoping step: folds tree b's leaf kernel into every smoother row.</summary>
    public void AddTree(LeafKernel kernel)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        if (kernel.TrainRows != TrainRows || kernel.QueryRows != QueryRows)
            throw new ArgumentException($"Kernel is for {kernel.TrainRows} training and {kernel.QueryRows} query rows; the smoother has {TrainRows} and {QueryRows}.", nameof(kernel));

        if (NumTrees == 0 && kernel.NumLeaves == 1)
        {
            // LightGBM keeps an unsplittable first tree as a constant equal to the label mean (see remarks).
            FillWithMean();
            NumTrees++;
            return;
        }

        int n = TrainRows;
        // Leaf means of the rows of I − S_{b−1}(X_train): M_ℓ = (1/|ℓ|)(Σ_{i∈ℓ} e_i − Σ_{i∈ℓ} S_{b−1}(x_i)).
        double[] means = kernel.LeafMeans(_train, n);
        for (int leaf = 0; leaf < kernel.NumLeaves; leaf++)
        {
            var members = kernel.TrainRowsInLeaf(leaf);
            if (members.Length == 0) continue;
            var row = means.AsSpan(leaf * n, n);
            DenseOps.Scale(row, -LearningRate);
            double w = LearningRate / members.Length;
            foreach (int i in members) row[i] += w;
        }
        for (int i = 0; i < n; i++)
            DenseOps.AddScaled(_train.AsSpan(i * n, n), means.AsSpan(kernel.TrainLeaf(i) * n, n), 1.0);
        for (int j = 0; j < QueryRows; j++)
            DenseOps.AddScaled(_query.AsSpan(j * n, n), means.AsSpan(kernel.QueryLeaf(j) * n, n), 1.0);
        NumTrees++;
    }

    /// <summary>S_b(x_i) ∈ Rⁿ for training row i.</summary>
    public ReadOnlySpan<double> TrainRow(int i) => _train.AsSpan(checked(i * TrainRows), TrainRows);
    /// <summary>S_b(x*_j) ∈ Rⁿ for query row j.</summary>
    public ReadOnlySpan<double> QueryRow(int j) => _query.AsSpan(checked(j * TrainRows), TrainRows);
    /// <summary>The n×n training smoother, row-major.</summary>
    public ReadOnlySpan<double> TrainMatrix => _train;
    /// <summary>The m×n query smoother, row-major.</summary>
    public ReadOnlySpan<double> QueryMatrix => _query;

    /// <summary>S_b(X_train)·Y.</summary>
    public double[] PredictTrain(ReadOnlySpan<double> y) => Multiply(_train, TrainRows, y);
    /// <summary>S_b(X_query)·Y.</summary>
    public double[] PredictQuery(ReadOnlySpan<double> y) => Multiply(_query, QueryRows, y);
    /// <summary>‖S_b(x_i)‖₂ for every training row.</summary>
    public double[] TrainRowNorms() => RowNorms(_train, TrainRows);
    /// <summary>‖S_b(x*_j)‖₂ for every query row.</summary>
    public double[] QueryRowNorms() => RowNorms(_query, QueryRows);

    private double[] Multiply(double[] matrix, int rows, ReadOnlySpan<double> y)
    {
        if (y.Length != TrainRows) throw new ArgumentException($"Y has {y.Length} entries, expected n = {TrainRows}.", nameof(y));
        var result = new double[rows];
        for (int r = 0; r < rows; r++) result[r] = DenseOps.Dot(matrix.AsSpan(r * TrainRows, TrainRows), y);
        return result;
    }

    private double[] RowNorms(double[] matrix, int rows)
    {
        var result = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            var row = matrix.AsSpan(r * TrainRows, TrainRows);
            result[r] = Math.Sqrt(DenseOps.Dot(row, row));
        }
        return result;
    }
}
