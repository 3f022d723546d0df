namespace Telescope.Data.Tabular;

/// <summary>
/// Irregularity score of inputs relative to a training set (docs/method.md §7, our definition): by default the
/// Mahalanobis distance √((x−μ)ᵀ(Σ + 1e-6·I)⁻¹(x−μ)) with the training mean μ and covariance Σ (unbiased,
/// 1/(n−1), as numpy.cov), solved through a Cholesky factor; optionally the mean distance to the k nearest
/// training inputs. Features are expected to be standardized with training statistics already.
/// </summary>
public sealed class IrregularityScore
{
    /// <summary>The ridge added to the covariance diagonal.</summary>
    public const double Ridge = 1e-6;
    /// <summary>Default number of neighbours of the k-NN score.</summary>
    public const int DefaultNeighbours = 10;

    private readonly double[] _train;
    private readonly int _trainRows;
    private readonly double[]? _mean;
    private readonly Cholesky? _cholesky;

    public IrregularityMethod Method { get; }
    /// <summary>Number of feature columns d.</summary>
    public int Columns { get; }
    /// <summary>k of the nearest-neighbour score.</summary>
    public int Neighbours { get; }

    private IrregularityScore(IrregularityMethod method, double[] train, int rows, int columns, int neighbours, double[]? mean, Cholesky? cholesky)
    {
        Method = method;
        _train = train;
        _trainRows = rows;
        Columns = columns;
        Neighbours = neighbours;
        _mean = mean;
        _cholesky = cholesky;
    }

    /// <summary>Fits the score on training features (dense row-major rows × columns).</summary>
    public static IrregularityScore Fit(ReadOnlySpan<double> trainFeatures, int rows, int columns,
        IrregularityMethod method = IrregularityMethod.Mahalanobis, int neighbours = DefaultNeighbours)
    {
        if (rows < 2 || columns < 1 || trainFeatures.Length != (long)rows * columns)
            throw new ArgumentException($"Training features have {trainFeatures.Length} values; expected rows×columns = {rows}×{columns} with at least 2 rows.", nameof(trainFeatures));
        var train = trainFeatures.ToArray();
        switch (method)
        {
            case IrregularityMethod.Mahalanobis:
            {
                var mean = new double[columns];
                for (int i = 0; i < rows; i++)
                    for (int c = 0; c < columns; c++) mean[c] += train[i * columns + c];
                for (int c = 0; c < columns; c++) mean[c] /= rows;
                var cov = new double[columns * columns];
                var centred = new double[columns];
                for (int i = 0; i < rows; i++)
                {
                    for (int c = 0; c < columns; c++) centred[c] = train[i * columns + c] - mean[c];
                    for (int a = 0; a < columns; a++)
                        for (int b = 0; b <= a; b++) cov[a * columns + b] += centred[a] * centred[b];
                }
                for (int a = 0; a < columns; a++)
                {
                    for (int b = 0; b <= a; b++) cov[a * columns + b] /= rows - 1;
                    cov[a * columns + a] += Ridge;
                }
                return new IrregularityScore(method, train, rows, columns, 0, mean, Cholesky.Factor(cov, columns));
            }
            case IrregularityMethod.NearestNeighbours:
                if (neighbours < 1 || neighbours > rows)
                    throw new ArgumentOutOfRangeException(nameof(neighbours), neighbours, $"k must be in 1..{rows} (the number of training rows).");
                return new IrregularityScore(method, train, rows, columns, neighbours, null, null);
            default:
                throw new ArgumentOutOfRangeException(nameof(method), method, "Unknown irregularity method.");
        }
    }

    /// <summary>Fits on a (standardized) training data set.</summary>
    public static IrregularityScore Fit(TabularDataset train, IrregularityMethod method = IrregularityMethod.Mahalanobis, int neighbours = DefaultNeighbours)
        => Fit(train.Features, train.Rows, train.Columns, method, neighbours);

    /// <summary>Scores dense row-major query rows; larger = more irregular.</summary>
    public double[] Score(ReadOnlySpan<double> features, int rows)
    {
        if (rows < 0 || features.Length != (long)rows * Columns)
            throw new ArgumentException($"Query features have {features.Length} values, expected {rows}×{Columns}.", nameof(features));
        var scores = new double[rows];
        if (Method == IrregularityMethod.Mahalanobis)
        {
            var z = new double[Columns];
            for (int j = 0; j < rows; j++)
            {
                for (int c = 0; c < Columns; c++) z[c] = features[j * Columns + c] - _mean![c];
                _cholesky!.SolveLowerInPlace(z); // z = L⁻¹(x − μ), so ‖z‖² = (x−μ)ᵀ Σ⁻¹ (x−μ)
                double s = 0;
                foreach (double v in z) s += v * v;
                scores[j] = Math.Sqrt(s);
            }
        }
        else
        {
            var distances = new double[_trainRows];
            for (int j = 0; j < rows; j++)
            {
                var x = features.Slice(j * Columns, Columns);
                for (int i = 0; i < _trainRows; i++)
                {
                    double s = 0;
                    for (int c = 0; c < Columns; c++) { double e = x[c] - _train[i * Columns + c]; s += e * e; }
                    distances[i] = Math.Sqrt(s);
                }
                // Partial sort is enough: only the k smallest matter.
                Array.Sort(distances);
                double sum = 0;
                for (int k = 0; k < Neighbours; k++) sum += distances[k];
                scores[j] = sum / Neighbours;
            }
        }
        return scores;
    }

    /// <summary>Scores the rows of a data set.</summary>
    public double[] Score(TabularDataset data) => Score(data.Features, data.Rows);
}
