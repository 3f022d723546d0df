using Telescope.Data.Tabular;

namespace Telescope.Recipes.TabularGbt;

/// <summary>The docs/method.md §7 metrics of one test set T_π (one repetition): the three MSEs and max_{x∈T_π} w(x) per model.</summary>
public sealed record PiRepetition(double Pi, int Repetition, double MseNn, double MseGbt, double MseConstant,
    double MaxWNn, double MaxWGbt)
{
    /// <summary>Δ = MSE_NN − MSE_GBT.</summary>
    public double Delta => MseNn - MseGbt;
}

/// <summary>
/// One grid point π averaged over the R repetitions: means and (sample) standard deviations across
/// repetitions, ρ(π) = (Δ̄(π) − Δ̄(0))/|Δ̄(0)| from the repetition-averaged gaps, and W(π) per model — the
/// repetition mean of max_{T_π} w / max_{T_0} w (both maxima of the same repetition).
/// </summary>
public sealed record PiPoint(double Pi, double MseNn, double MseGbt, double MseConstant, double Delta, double DeltaStd,
    double RelativeGapIncrease, double WNn, double WNnStd, double WGbt, double WGbtStd);

/// <summary>Computes the per-π comparison from per-row predictions and smoother-row norms (docs/method.md §7).</summary>
public static class PiAnalysis
{
    /// <summary>Per test set: the three MSEs and the two maxima of w over T_π.</summary>
    /// <param name="sets">T_π, rows indexing the arrays below (the tracked rows' targets and the two models' predictions).</param>
    /// <param name="constant">The constant predictor's value (the training target mean).</param>
    /// <param name="wNn">w(x) = ‖S_T(x)‖₂ of the network.</param>
    /// <param name="wGbt">w(x) of the trees.</param>
    public static List<PiRepetition> Repetitions(IReadOnlyList<MixedTestSet> sets, ReadOnlySpan<double> target,
        ReadOnlySpan<double> nn, ReadOnlySpan<double> gbt, double constant, ReadOnlySpan<double> wNn, ReadOnlySpan<double> wGbt)
    {
        var result = new List<PiRepetition>(sets.Count);
        foreach (var set in sets)
        {
            double sNn = 0, sGbt = 0, sConst = 0, maxNn = double.NegativeInfinity, maxGbt = double.NegativeInfinity;
            foreach (int r in set.Rows)
            {
                sNn += Square(nn[r] - target[r]);
                sGbt += Square(gbt[r] - target[r]);
                sConst += Square(constant - target[r]);
                maxNn = Math.Max(maxNn, wNn[r]);
                maxGbt = Math.Max(maxGbt, wGbt[r]);
            }
            int m = set.Rows.Length;
            result.Add(new PiRepetition(set.Pi, set.Repetition, sNn / m, sGbt / m, sConst / m, maxNn, maxGbt));
        }
        return result;
    }

    /// <summary>Averages over repetitions; every repetition must contain π = 0.</summary>
    public static List<PiPoint> Average(IReadOnlyList<PiRepetition> repetitions)
    {
        var baseline = repetitions.Where(r => r.Pi == 0).ToDictionary(r => r.Repetition);
        if (baseline.Count != repetitions.Select(r => r.Repetition).Distinct().Count())
            throw new ArgumentException("Every repetition needs its π = 0 test set (the normalizer of W and ρ).");
        double delta0 = repetitions.Where(r => r.Pi == 0).Average(r => r.Delta);
        return repetitions.GroupBy(r => r.Pi).OrderBy(g => g.Key).Select(g =>
        {
            var reps = g.ToList();
            var wNn = reps.Select(r => r.MaxWNn / baseline[r.Repetition].MaxWNn).ToList();
            var wGbt = reps.Select(r => r.MaxWGbt / baseline[r.Repetition].MaxWGbt).ToList();
            double delta = reps.Average(r => r.Delta);
            return new PiPoint(g.Key, reps.Average(r => r.MseNn), reps.Average(r => r.MseGbt), reps.Average(r => r.MseConstant),
                delta, Std(reps.Select(r => r.Delta).ToList()),
                (delta - delta0) / Math.Abs(delta0),
                wNn.Average(), Std(wNn), wGbt.Average(), Std(wGbt));
        }).ToList();
    }

    /// <summary>Sample standard deviation (0 for a single value).</summary>
    public static double Std(IReadOnlyList<double> values)
    {
        if (values.Count < 2) return 0;
        double mean = values.Average();
        return Math.Sqrt(values.Sum(v => Square(v - mean)) / (values.Count - 1));
    }

    private static double Square(double v) => v * v;
}
