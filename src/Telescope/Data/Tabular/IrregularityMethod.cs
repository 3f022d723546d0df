namespace Telescope.Data.Tabular;

/// <summary>How irregular an input is relative to the training inputs (docs/method.md §7).</summary>
public enum IrregularityMethod
{
    /// <summary>Mahalanobis distance to the training mean under the training covariance + 1e-6·I (default).</summary>
    Mahalanobis,
    /// <summary>Mean Euclidean distance to the k (default 10) nearest training inputs.</summary>
    NearestNeighbours,
}
