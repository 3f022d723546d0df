namespace Telescope.Data.Tabular;

/// <summary>
/// Per-column standardization z = (x − mean)/std with statistics of the training rows only (population std,
/// as scikit-learn's StandardScaler). A constant column gets std 1 so it maps to 0 instead of NaN.
/// </summary>
public sealed class Standardizer
{
    private readonly double[] _mean;
    private readonly double[] _std;

    public IReadOnlyList<double> FeatureMean => _mean;
    public IReadOnlyList<double> FeatureStd => _std;
    /// <summary>Whether the target is standardized too.</summary>
    public bool StandardizesTarget { get; }
    public double TargetMean { get; }
    public double TargetStd { get; }

    private Standardizer(double[] mean, double[] std, bool target, double targetMean, double targetStd)
    {
        _mean = mean;
        _std = std;
        StandardizesTarget = target;
        TargetMean = targetMean;
        TargetStd = targetStd;
    }

    /// <summary>Fits on the training set (features, and the target when <paramref name="standardizeTarget"/>).</summary>
    public static Standardizer Fit(TabularDataset train, bool standardizeTarget = true)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (train.Rows < 1) throw new ArgumentException("Cannot fit a standardizer on zero rows.", nameof(train));
        int n = train.Rows, d = train.Columns;
        var mean = new double[d];
        var std = new double[d];
        var x = train.Features;
        for (int c = 0; c < d; c++)
        {
            double m = 0;
            for (int i = 0; i < n; i++) m += x[i * d + c];
            m /= n;
            double v = 0;
            for (int i = 0; i < n; i++) { double e = x[i * d + c] - m; v += e * e; }
            mean[c] = m;
            std[c] = StdOrOne(Math.Sqrt(v / n));
        }
        double ym = 0, ys = 1;
        if (standardizeTarget)
        {
            var y = train.Target;
            for (int i = 0; i < n; i++) ym += y[i];
            ym /= n;
            double v = 0;
            for (int i = 0; i < n; i++) { double e = y[i] - ym; v += e * e; }
            ys = StdOrOne(Math.Sqrt(v / n));
        }
        return new Standardizer(mean, std, standardizeTarget, ym, ys);
    }

    private static double StdOrOne(double s) => s > 0 ? s : 1.0;

    /// <summary>Applies the training statistics to any data set with the same columns.</summary>
    public TabularDataset Transform(TabularDataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Columns != _mean.Length)
            throw new ArgumentException($"Data set has {data.Columns} columns; the standardizer was fitted on {_mean.Length}.", nameof(data));
        int d = data.Columns;
        var x = data.Features.ToArray();
        for (int k = 0; k < x.Length; k++) { int c = k % d; x[k] = (x[k] - _mean[c]) / _std[c]; }
        var y = data.Target.ToArray();
        if (StandardizesTarget) for (int i = 0; i < y.Length; i++) y[i] = (y[i] - TargetMean) / TargetStd;
        return data.WithValues(x, y);
    }

    /// <summary>Maps standardized targets (e.g. predictions) back to the original scale.</summary>
    public double InverseTarget(double z) => StandardizesTarget ? z * TargetStd + TargetMean : z;
}
