namespace Telescope.Recipes.DoubleDescent;

/// <summary>
/// The verdicts report.md prints, as findings.json entries (<see cref="RunFindings"/>): per label-noise level the test-MSE
/// peak (or its absence without noise), and where measured the smoother's and the network's p_train trend and p_test peak.
/// The claims are the paper's (Fig. 3); each verdict is the one the report prints, flags and exclusions included.
/// </summary>
internal static class DoubleDescentRunFindings
{
    /// <summary>The findings of <paramref name="analysis"/>, in report order.</summary>
    public static List<RunFinding> From(DoubleDescentFindings analysis)
    {
        var findings = new List<RunFinding>();
        string seeds = analysis.Seeded ? $"seeds {string.Join(", ", analysis.Seeds)}" : "one seed";
        foreach (var level in analysis.Levels)
        {
            int left = analysis.Sweep(level.Noise).Count(r => !analysis.InCurve(r));
            string where = $"label noise {F(level.Noise)}, {seeds}" + (left > 0 ? $" ({left} capped or failed network(s) left out)" : "");
            if (level.TestMse.Curve.Count > 0)
                findings.Add(level.Noise > 0
                    ? new RunFinding("double_descent_test_mse_peak", "With label noise the test MSE peaks near the interpolation threshold and falls beyond it (paper Fig. 3).",
                        where, level.TestMse.Verdict)
                    : new RunFinding("double_descent_no_peak_without_noise", "Without label noise the test MSE has no peak over width (paper Fig. 3).",
                        where, level.TestMse.Verdict));
            if (level.P is { } p)
            {
                findings.Add(new RunFinding("double_descent_p_train_grows", "The smoother's p_train grows with width (paper Fig. 3).",
                    $"{where}, smoother p (reliable networks only)", p.PTrainTrend.Verdict));
                findings.Add(new RunFinding("double_descent_p_test_peak", "The smoother's p_test peaks near the interpolation threshold and falls beyond it (paper Fig. 3).",
                    $"{where}, smoother p (reliable networks only)", p.PTestPeak.Verdict));
            }
            if (level.Net is { } net)
            {
                findings.Add(new RunFinding("double_descent_p_net_train_grows", "p_train grows with width (paper Fig. 3), here the network's own p_net_train by retraining.",
                    $"{where}, p_net (retraining)", net.TrainTrend.Verdict));
                findings.Add(new RunFinding("double_descent_p_net_test_peak", "p_test peaks near the interpolation threshold and falls beyond it (paper Fig. 3), here the network's own p_net_test by retraining.",
                    $"{where}, p_net (retraining)", net.TestPeak.Verdict));
            }
        }
        return findings;
    }

    private static string F(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
}
