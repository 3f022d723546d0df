namespace Telescope.Recipes.DesignChoices;

/// <summary>One logged step of the heavy-ball vs rescaled-SGD comparison (test probes).</summary>
/// <param name="Telescoped">mean |f̃^mom_t − f̃^sgd_t|.</param>
/// <param name="Network">mean |f^mom_t − f^sgd_t|.</param>
/// <param name="RelativeTelescoped">Telescoped / mean |f̃^sgd_t − f_θ0|.</param>
/// <param name="RelativeNetwork">Network / mean |f^sgd_t − f_θ0| (the functions themselves; decides "parted").</param>
/// <param name="Disagreement">share of probes whose argmax differs between the two networks.</param>
/// <param name="Drift">mean of the two runs' Jacobian drift over the last momentum window.</param>
internal sealed record MomentumGap(int Step, double Telescoped, double Network, double RelativeTelescoped, double RelativeNetwork, double Disagreement, double? Drift);

/// <summary>
/// SGD with heavy-ball momentum β at rate γ against plain SGD at rate γ/(1−β) from the same initialization and data
/// order (the classical equivalence): where and when their functions part, and how that relates to the Jacobian's
/// movement inside the momentum window (our measurements).
/// </summary>
internal sealed class MomentumComparison
{
    public MomentumComparison(DecompositionRun momentum, DecompositionRun rescaled, int outputs, double threshold)
    {
        Momentum = momentum;
        Rescaled = rescaled;
        Threshold = threshold;
        // The mean gap of the two runs' outputs at log point i, and relative to the rescaled run's own change since the start.
        static (double Gap, double Relative) Apart(List<double[]> momentumOutputs, List<double[]> rescaledOutputs, int i)
        {
            double gap = MeanAbs(momentumOutputs[i], rescaledOutputs[i]), change = MeanAbs(rescaledOutputs[i], rescaledOutputs[0]);
            return (gap, change > 0 ? gap / change : double.NaN);
        }
        for (int i = 0; i < Math.Min(momentum.Points.Count, rescaled.Points.Count); i++)
        {
            var (telescoped, relativeTelescoped) = Apart(momentum.TelescopedTest, rescaled.TelescopedTest, i);
            var (network, relativeNetwork) = Apart(momentum.NetworkTest, rescaled.NetworkTest, i);
            double? drift = momentum.Points[i].JacobianDrift is double x && rescaled.Points[i].JacobianDrift is double y ? 0.5 * (x + y) : null;
            Gaps.Add(new MomentumGap(momentum.Points[i].Step, telescoped, network, relativeTelescoped, relativeNetwork,
                Disagreement(momentum.NetworkTest[i], rescaled.NetworkTest[i], outputs), drift));
        }
        PartedAt = Gaps.FirstOrDefault(g => g.Step > 0 && g.RelativeNetwork > threshold)?.Step;

        // When: does the gap grow fastest where the Jacobian moves most? Pearson over log intervals.
        var growth = new List<double>();
        var drifts = new List<double>();
        for (int i = 1; i < Gaps.Count; i++)
            if (Gaps[i].Drift is double d) { growth.Add(Gaps[i].Telescoped - Gaps[i - 1].Telescoped); drifts.Add(d); }
        GrowthDriftCorrelation = Pearson(growth, drifts);
        GrowthDriftPairs = growth.Count;

        // Where: are the probes on which the two functions end furthest apart those whose J·v moved most?
        int probes = momentum.MeanDriftPerInput.Length;
        var final = momentum.TelescopedTest[Gaps.Count - 1];
        var finalOther = rescaled.TelescopedTest[Gaps.Count - 1];
        var perInputGap = Enumerable.Range(0, probes).Select(i => Enumerable.Range(0, outputs).Average(a => Math.Abs(final[i * outputs + a] - finalOther[i * outputs + a]))).ToList();
        var perInputDrift = Enumerable.Range(0, probes).Select(i => 0.5 * (momentum.MeanDriftPerInput[i] + rescaled.MeanDriftPerInput[i])).ToList();
        PerInputRankCorrelation = Pearson(Ranks(perInputGap), Ranks(perInputDrift));
    }

    /// <summary>γ/(1−β): the rate at which plain SGD is the classical equivalent of heavy-ball momentum at rate γ.</summary>
    public static double RescaledRate(double momentumRate, double beta) => momentumRate / (1 - beta);

    /// <summary>Whether a run's rate is the rescaled rate (up to rounding of the division).</summary>
    public static bool SameRate(double rate, double rescaled) => Math.Abs(rate - rescaled) <= 1e-12 * rescaled;

    public DecompositionRun Momentum { get; }
    public DecompositionRun Rescaled { get; }
    public double Threshold { get; }
    public List<MomentumGap> Gaps { get; } = [];
    /// <summary>First logged step at which the networks' relative gap exceeds the threshold (null: never).</summary>
    public int? PartedAt { get; }
    /// <summary>Pearson correlation over log intervals between the growth of the telescoped gap and the Jacobian drift.</summary>
    public double GrowthDriftCorrelation { get; }
    /// <summary>Spearman correlation across drift probes between the final per-input gap and the mean per-input drift.</summary>
    public double PerInputRankCorrelation { get; }
    /// <summary>Number of (log interval) pairs behind <see cref="GrowthDriftCorrelation"/>.</summary>
    public int GrowthDriftPairs { get; }
    /// <summary>Number of drift probes behind <see cref="PerInputRankCorrelation"/>.</summary>
    public int PerInputPairs => Momentum.MeanDriftPerInput.Length;
    public MomentumGap Final => Gaps[^1];

    private static double MeanAbs(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += Math.Abs(a[i] - b[i]);
        return s / a.Length;
    }

    private static double Disagreement(double[] a, double[] b, int k)
    {
        int n = a.Length / k, differ = 0;
        for (int i = 0; i < n; i++)
            if (ArgMax(a, i * k, k) != ArgMax(b, i * k, k)) differ++;
        return (double)differ / n;
    }

    private static int ArgMax(double[] v, int start, int k)
    {
        int best = 0;
        for (int j = 1; j < k; j++) if (v[start + j] > v[start + best]) best = j;
        return best;
    }

    public static double Pearson(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count < 3) return double.NaN;
        double mx = x.Average(), my = y.Average(), sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.Count; i++)
        {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxx > 0 && syy > 0 ? sxy / Math.Sqrt(sxx * syy) : double.NaN;
    }

    /// <summary>Ranks 0..n−1 (ties broken by position), for a Spearman correlation.</summary>
    private static List<double> Ranks(IReadOnlyList<double> v)
    {
        var order = Enumerable.Range(0, v.Count).OrderBy(i => v[i]).ToArray();
        var ranks = new double[v.Count];
        for (int r = 0; r < order.Length; r++) ranks[order[r]] = r;
        return ranks.ToList();
    }
}
