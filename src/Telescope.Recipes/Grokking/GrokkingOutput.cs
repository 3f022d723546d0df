namespace Telescope.Recipes.Grokking;

/// <summary>
/// What both grokking outputs share: summary.json's results (one entry per configuration, its seeds combined) and
/// findings.json from the verdicts report.md printed; the numbers and verdicts come from the analysis.
/// </summary>
internal abstract class GrokkingOutput<TRun>(RunContext context, GrokkingSettings s, GrokkingAnalysis<TRun> analysis) where TRun : GrokkingRun
{
    protected RunContext Context => context;
    protected IReadOnlyList<IReadOnlyList<TRun>> Groups => analysis.Groups;
    protected IReadOnlyList<long> Seeds => s.Seeds;
    /// <summary>p_net's options (null without p_net).</summary>
    protected RetrainingSensitivityOptions? Retraining => s.SensitivityOptions(s.Seed);
    protected StabilityBound? Bound { get; } = s.StabilityBound;

    public void Write()
    {
        context.Folder.WriteSummary(Summary());
        RunFindings.Write(context.Folder, WriteReport());
    }

    protected abstract Dictionary<string, object?> Summary();

    /// <summary>Writes report.md and figures; returns the verdicts it printed, for findings.json.</summary>
    protected abstract List<RunFinding> WriteReport();

    /// <summary>summary.json's description of p_net.</summary>
    protected string SensitivityDescription => Retraining is { } o
        ? FormattableString.Invariant($"retraining (docs/method.md §5.2), σ = {o.Sigma}, D = {o.DirectionCount}, linearity check {(o.LinearityCheck ? "σ/4" : "off")}")
        : "none";

    /// <summary>summary.json's results: a configuration's entry with one seed, the <see cref="SeedAggregate.Combine"/> of its seeds' entries with several.</summary>
    protected List<object> Results(Func<TRun, Dictionary<string, object?>> entry) =>
        Groups.Select(g => g.Count == 1 ? (object)entry(g[0]) : SeedAggregate.Combine(Seeds, g.Select(r => (object)entry(r)).ToList())).ToList();

    /// <summary>A sub-run's summary entry: its own fields, then p_net's and λ_t's, then the spectrum's.</summary>
    protected Dictionary<string, object?> Entry(TRun r, Dictionary<string, object?> own) =>
        SensitivityColumns.Merge(own, SensitivityColumns.Summary(r.Sensitivity, Bound)).WithSpectrum(s, r);

    /// <summary>The paper figures the recipe's claims cite.</summary>
    protected abstract string Figure { get; }

    /// <summary>
    /// What a configuration's findings end with: p_net's answer, the verdicts of both p and of the spectrum view (into
    /// <paramref name="verdicts"/>, for findings.json) and, per seed, p_net against the smoother's p.
    /// </summary>
    /// <param name="label">How a seed's sub-run is named in its findings.</param>
    protected void NetAndSpectrumFindings(ConfigurationFinding<TRun> c, string name, string where, string metric, Func<TRun, string> label,
        List<string> findings, List<RunFinding> verdicts)
    {
        if (c.Net is { } net)
            findings.Add($"{name}{SeedMean.Describe(c.Seeds.Count)} — {GrokkingText.DescribeNet(net, c.LastNet)}");
        verdicts.AddRange(GrokkingAnalysis<TRun>.EffectiveFindings(c, where, Figure));
        if (analysis.Spectrum(c, metric) is { } spectrum)
        {
            findings.Add(GrokkingSpectrumReport.Bullet(name, spectrum));
            verdicts.AddRange(GrokkingSpectrumReport.Findings(where, spectrum, Figure));
        }
        foreach (var r in c.Seeds)
            findings.AddRange(SensitivityFindings.For(label(r), r.Sensitivity, Bound, analysis.SmootherSeries(r), analysis.PLimit,
                s.Sensitivity.AgreementSe, s.Sensitivity.AgreementRelative));
    }
}
