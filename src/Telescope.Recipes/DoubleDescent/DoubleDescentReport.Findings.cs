namespace Telescope.Recipes.DoubleDescent;

/// <summary>The findings of report.md in words, each built from the analysis' numbers and verdicts.</summary>
internal sealed partial class DoubleDescentReport
{
    private List<string> Findings()
    {
        var findings = new List<string>
        {
            $"Interpolation threshold: P = n = {N} at width h* = {F(ThresholdWidth)} (d = {facts.FeatureCount}).",
            ConvergenceFinding(),
        };
        foreach (var level in analysis.Levels) findings.AddRange(NetworkFindings(level));
        string mean = Seeded ? " (means over the seeds in the curve)" : "";
        foreach (var found in analysis.Levels)
        {
            string level = $"**Label noise {F(found.Noise)}**";
            var testCurve = found.TestMse.Curve;
            if (testCurve.Count == 0)
            {
                findings.Add($"{level}: no network is in the curve; no findings.");
                continue;
            }
            findings.Add($"{level}: the networks interpolate (final train MSE ≤ {F(s.InterpolationTolerance)}{mean}) " +
                (found.InterpolationWidth is int w ? $"from width {w} (P = {DoubleDescentAnalysis.ParameterCount(facts.FeatureCount, w)}) on the grid." : "at no width of the grid (not trained to interpolation)."));
            findings.Add($"{level}: test MSE{mean} is {Join(testCurve.Means)} over widths {JoinInts(WidthsOf(testCurve))}; " +
                PeakSentence("test MSE", found.TestMse));

            if (!s.HasSmoother) continue;
            var flagged = found.Unreliable;
            if (flagged.Count > 0)
                findings.Add($"{level}: **p is unreliable at {string.Join(", ", flagged.Select(Label))}**: the surrogate drifted from the network or its label sensitivities blew up " +
                    $"(mean |f̂ − f| on the training set {Join(flagged.Select(r => r.TrainFidelity?.SurrogateVsNetwork ?? double.NaN))}, limit {F(s.FidelityLimit)}; " +
                    $"p_train {Join(flagged.Select(r => r.Final.PTrain.Value))}, limit {F(s.PTrainLimit * N)}). " +
                    (s.Optimizer != "adam" ? "The p findings below use the other networks only."
                        : s.PreconditionerKind == TangentPreconditioner.Frozen
                            ? "With Adam the surrogate freezes the realized preconditioner, which grows huge as the network interpolates; " +
                              "the p findings below use the other networks only. `--set optimizer=gd --set smoother=kernel` avoids this."
                            : "This happened although the surrogate keeps its own Adam second moment (preconditioner=differentiated); the p findings below use the other networks only."));
            if (found.P is not { } p)
            {
                findings.Add($"{level}: fewer than three widths have reliable p; no p findings.");
                continue;
            }
            var (pTrain, pTest) = (p.PTrain, p.PTest);
            findings.Add($"{level}: " + p.PTrainTrend.Verdict.About("the paper finds p_train growing with width (slope against log width)"));
            findings.Add($"{level}: p_train{mean} is {Join(pTrain.Means)} over widths {JoinInts(WidthsOf(pTrain))} — " +
                (p.StepsUp == p.Steps ? "no step up the grid decreases it by more than two standard errors."
                    : $"it does NOT grow monotonically with width ({p.Steps - p.StepsUp} of {p.Steps} steps up the grid decrease it by more than two standard errors); first {F(pTrain.Means[0])}, last {F(pTrain.Means[^1])}." +
                      DecreaseContext(p)));
            findings.Add($"{level}: p_test{mean} is {Join(pTest.Means)}; " + PeakSentence("p_test", p.PTestPeak));
            if (p.Rated > 0)
                findings.Add($"{level}: the smoother's final p is trustworthy (stable, not blown up, agreeing with p_net at every compared logged step) at {p.Trusted} of the {p.Rated} networks in its curve compared with p_net; " +
                    "a p verdict is inconclusive when it is not at most of them or at a width that decides a peak.");
            else if (s.Retraining is null)
                findings.Add($"{level}: the smoother's p was not compared with p_net in this run (sensitivity = none), so whether it describes the networks is not checked beyond the fidelity and p_train limits.");
            var beyond = p.BeyondThreshold;
            if (beyond.Count > 0)
                findings.Add($"{level}: beyond the threshold p_test < p_train at {p.BenignBeyond} of {beyond.Count} widths{mean} (p_test below p_train = benign overfitting, docs/method.md §5.1).");
        }

        var noisy = analysis.Levels.Where(l => l.Noise > 0).ToList();
        if (analysis.Levels.FirstOrDefault(l => l.Noise == 0.0) is { } cleanLevel && noisy.Count > 0 && cleanLevel.TestMse.Curve.Count > 0)
        {
            var clean = cleanLevel.TestMse.Ratio;
            bool cleanPeak = cleanLevel.TestMse.IsPeak;
            findings.Add($"Without noise the test-MSE prominence is {F(clean.Prominence)} (maximum at width {clean.Width}) vs " +
                string.Join(", ", noisy.Select(w => $"{F(w.TestMse.Ratio.Prominence)} with noise {F(w.Noise)}")) + " — " +
                (cleanPeak ? $"the clean sweep ALSO has a peak by the ≥ {F(s.PeakProminence)}× ratio criterion, unlike the paper's finding."
                    : $"no peak without noise by the ratio criterion (below {F(s.PeakProminence)}×).") +
                (noisy.Any(w => w.TestMse.IsPeak) ? "" : $" But no noisy sweep has a peak by the same criterion either, so the contrast is not shown.") +
                " " + cleanLevel.TestMse.Verdict.About("Judged against the noise, the paper's 'no peak without label noise'") +
                string.Concat(noisy.Select(n => " " + n.TestMse.Verdict.About($"The paper's peak with noise {F(n.Noise)}"))));
        }

        if (analysis.TestFidelity is ({ } worst, var median))
        {
            findings.Add($"Smoother fidelity (test probes): largest |f̂ − f| = {F(worst.TestFidelity!.SurrogateVsNetwork)} at {Label(worst)} " +
                $"(|f̂ − f̃| = {F(worst.TestFidelity.SurrogateVsTelescoped)}, |f̃ − f| = {F(worst.TestFidelity.TelescopedVsNetwork)}); " +
                $"median |f̂ − f| over all networks {F(median)}. Every network is in the tables below. " +
                "A large gap means p describes the surrogate more than the network there.");
        }
        if (facts.IsSynthetic)
            findings.Add("These numbers come from the built-in synthetic images, not MNIST; compare them with the paper only after a run on MNIST.");
        return findings;
    }

    /// <summary>Where mean p_train falls from one width to the next, says whether the wider networks also fit their training set worse.</summary>
    private static string DecreaseContext(SmootherPFindings p)
    {
        var (drops, pTrain, trainMse) = (p.Drops, p.PTrain, p.DropTrainMse);
        if (drops.Count == 0) return "";
        return $" At {p.DropsWithWorseFit} of these {drops.Count} decreases the wider networks also end with a higher train MSE " +
            $"({string.Join(", ", drops.Select(i => $"{pTrain.X[i - 1]}→{pTrain.X[i]}: train MSE {F(trainMse.Means[i - 1])}→{F(trainMse.Means[i])}"))}), i.e. they fit less of the labels.";
    }

    /// <summary>A curve's two peak criteria in words (the ratio criterion is descriptive; the verdict is the noise criterion's).</summary>
    private string PeakSentence(string what, PeakFinding found)
    {
        var curve = found.Curve;
        if (curve.Count == 0) return $"no {what} values in the curve.";
        var (peak, judged, expectPeak, prominence, near) = (found.Ratio, found.Judged, found.ExpectPeak, s.PeakProminence, s.NearFactor);
        string noise = $" Judged against the noise{(judged.NoiseSource.Length > 0 ? $" ({judged.NoiseSource})" : "")}: {found.Verdict.Statement} — " +
            (expectPeak ? "the paper's peak " : "the paper's 'no peak' ") + found.Verdict.Tag + ".";
        if (!found.IsPeak)
            return (peak.Prominence >= 1
                ? $"its most prominent interior maximum ({F(peak.Value)} at width {peak.Width}) stands out only {F(peak.Prominence)}× (< {F(prominence)}): no peak by the ratio criterion."
                : $"no interior width stands above both sides (best prominence {F(peak.Prominence)} < 1): no peak by the ratio criterion.") + noise;
        return $"by the ratio criterion it peaks at width {peak.Width} (P = {DoubleDescentAnalysis.ParameterCount(facts.FeatureCount, peak.Width)}, value {F(peak.Value)}, prominence {F(peak.Prominence)}×), " +
            (found.NearThreshold ? $"within {F(near)}× of h* = {F(ThresholdWidth)}" : $"NOT within {F(near)}× of h* = {F(ThresholdWidth)}") +
            $", and falls to {F(curve.Means[^1])} at the largest width {(int)curve.X[^1]}" +
            (found.SameWidth || !double.IsFinite(judged.X) ? "" : $"; that bump is NOT the grid's maximum beyond the first width (width {judged.X}, {F(judged.Value)})") + "." +
            noise + (found.AsThePaperFinds ? " A peak near the threshold that survives the noise, as the paper finds." : "");
    }

    /// <summary>
    /// The docs/method.md §9 double-descent question answered from p_net (the network's own label sensitivity) over the networks
    /// in the curve, including those where the smoother's p is flagged; stability and agreement per network.
    /// </summary>
    private IEnumerable<string> NetworkFindings(NoiseLevelFindings found)
    {
        if (found.Net is not { } net) yield break;
        var (noise, networks, train, test, linear) = (found.Noise, net.Networks, net.Train, net.Test, net.Linear);
        string level = $"**Label noise {F(noise)}, p_net (retraining)**";
        yield return $"{level}: p_net_train {Join(train.Means)} and p_net_test {Join(test.Means)} over widths {JoinInts(WidthsOf(train))}{(Seeded ? " (means over the seeds in the curve)" : "")} " +
            $"(σ = {F(Net(networks[0])!.Train!.Sigma)}); the response is linear at σ (both sets) at {linear.Count} of {networks.Count} networks" +
            (linear.Count == networks.Count ? " — all of them." : $" ({string.Join(", ", linear.Select(Label))}); at the others p_net is a finite-σ response, not a measurement (linearity ratios train {Join(networks.Select(r => Net(r)!.Train!.LinearityRatio ?? double.NaN))}).");
        yield return $"{level}: " + net.TrainTrend.Verdict.About("the paper finds p_train growing with width; p_net_train against log width");
        yield return $"{level}: p_net_test — " + PeakSentence("p_net_test", net.TestPeak);
        var beyond = net.BeyondThreshold;
        if (beyond.Count > 0)
            yield return $"{level}: beyond the threshold p_net_test < p_net_train at {net.BenignBeyond} of {beyond.Count} networks.";
        var flagged = net.SmootherUnreliable;
        if (flagged.Count > 0)
            yield return $"{level}: at the networks where the smoother's p is flagged unreliable ({string.Join(", ", flagged.Select(Label))}) the smoother's final p_train is {Join(flagged.Select(r => r.Final.PTrain.Value))} against p_net_train {Join(flagged.Select(r => Net(r)!.Train!.Value))}.";
        double limit = s.PTrainLimit * N;
        foreach (var r in Sweep(noise))
            foreach (var line in SensitivityFindings.For(Label(r), r.Sensitivity, bound,
                s.HasSmoother ? r.Points.Select(p => (p.Step, p.PTrain.Value, p.PTest.Value)).ToList() : [], limit, s.Sensitivity.AgreementSe, s.Sensitivity.AgreementRelative, describeNetwork: false))
                yield return line;
    }

    /// <summary>Steps used, caps and optimization failures over the whole sweep.</summary>
    private string ConvergenceFinding()
    {
        var steps = analysis.StepRange;
        var capped = runs.Where(r => r.Capped).ToList();
        var failures = runs.Where(analysis.WorseThan.ContainsKey).ToList();
        return $"Convergence: the {runs.Count} networks trained {F(steps.Min)}–{F(steps.Max)} steps (median {F(steps.Median)}; " +
            string.Join(", ", runs.GroupBy(r => r.Stop).OrderBy(g => g.Key).Select(g => $"{g.Count()} {DoubleDescentOutput.StopName(g.Key)}")) + "). " +
            (capped.Count == 0 ? "No network hit the step cap. " : $"**{capped.Count} hit the cap of {s.MaxSteps} steps still improving** ({string.Join(", ", capped.Select(Label))}): shown, but kept out of the curves and verdicts. ") +
            (failures.Count == 0 ? $"No wider network ended with a train MSE more than {F(s.WorseFitTolerance)} above a narrower one's."
                : $"**{failures.Count} optimization failure(s)** — a wider network ending with a clearly higher train MSE than a narrower one of the same noise level and seed, reported as a failure of the optimizer, not as part of the curve: " +
                  string.Join("; ", failures.Select(r => $"{Label(r)} {F(r.Final.TrainMse)} vs width {analysis.WorseThan[r].Width} {F(analysis.WorseThan[r].Final.TrainMse)}")) + ".") +
            $" The verdicts use the {runs.Count(InCurve)} networks in the curve.";
    }

}
