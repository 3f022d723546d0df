using static Telescope.Recipes.Grokking.GrokkingText;

namespace Telescope.Recipes.Grokking;

/// <summary>The words a grokking report uses for its recipe (the figures it cites and its metric: <see cref="GrokkingAnalysis{TRun}"/>).</summary>
/// <param name="MetricAxis">Its axis label in the dynamics figure.</param>
/// <param name="LogMetric">Whether that axis is logarithmic.</param>
/// <param name="SmootherP">The smoother's p as the findings and figures name it, with its docs/method.md section.</param>
/// <param name="TitleSuffix">What the dynamics figure's title adds to the configuration's name.</param>
internal sealed record GrokkingTerms(string MetricAxis, bool LogMetric, string SmootherP, string TitleSuffix = "");

/// <summary>
/// What both grokking outputs share: summary.json's results (one entry per configuration, its seeds combined), the
/// findings of every configuration, the final-values table and figures of report.md, and findings.json; the numbers and
/// verdicts, findings.json's entries included, come from the analysis.
/// </summary>
internal abstract class GrokkingOutput<TRun>(RunContext context, GrokkingSettings s, GrokkingAnalysis<TRun> analysis, GrokkingTerms terms)
    where TRun : GrokkingRun
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
        WriteReport();
        RunFindings.Write(context.Folder, analysis.RunFindings());
    }

    protected abstract Dictionary<string, object?> Summary();

    /// <summary>Writes report.md and figures.</summary>
    protected abstract void WriteReport();

    /// <summary>A configuration's name in the report (<paramref name="g"/>: its seeds).</summary>
    protected abstract string Name(IReadOnlyList<TRun> g);

    /// <summary>What a configuration's delay bullet adds (grokking-mnist: when the training error reached 0).</summary>
    protected virtual string DelayDetail(IReadOnlyList<TRun> g) => "";
    /// <summary>The bullets after a configuration's smoother bullet (grokking-mnist: where its p is reliable).</summary>
    protected virtual IEnumerable<string> SmootherDetail(IReadOnlyList<TRun> g) => [];

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

    /// <summary>How a seed's sub-run of the configuration <paramref name="name"/> is named in the findings.</summary>
    protected string SeedName(TRun r, string name) => Seeds.Count == 1 ? name : $"{name}, seed {r.Seed}";

    /// <summary>A final-values column of a value per seed (the value, or mean ± sd over the seeds).</summary>
    protected static (string, Func<IReadOnlyList<TRun>, object?>) Mean(string header, Func<TRun, object?> value) => (header, g => SeedMean.Cell(g, value));

    /// <summary>The Findings section: the verdict criteria, then <paramref name="findings"/>.</summary>
    protected void WriteFindings(ReportBuilder report, IEnumerable<string> findings) =>
        report.Heading("Findings").Paragraph(s.Verdicts.Describe()).Bullets(findings);

    /// <summary>
    /// The Final values table (<paramref name="note"/>: what the note on seeds adds) and every configuration's figures —
    /// its dynamics (paper Fig. 4), p_net against the smoother's p, the spectrum view — then report.md itself.
    /// </summary>
    protected void WriteFinalValuesAndFigures(ReportBuilder report, string note, params (string, Func<IReadOnlyList<TRun>, object?>)[] columns)
    {
        report.Heading("Final values");
        if (Seeds.Count > 1) report.Paragraph($"Mean ± sd over the {Seeds.Count} seeds of each configuration{note}.");
        report.Table(Groups, columns).Heading("Figures");
        foreach (var g in Groups)
        {
            string name = Name(g), file = g[0].Configuration, bands = g.Count > 1 ? $" Mean ± 1 sd over {g.Count} seeds." : "";
            IReadOnlyList<GrokkingRun> shown = s.UseSmoother ? g : g.Select(r => GrokkingNetworkView.Of(r) ?? r).ToList();
            var dynamics = GrokkingCharts.Dynamics(shown, name + terms.TitleSuffix, terms.MetricAxis, terms.LogMetric);
            report.Figure(context.Folder.SaveFigure(dynamics, $"dynamics_{file}"),
                $"{name}: train (solid) and test (dashed) {analysis.Metric} (top), p_train (solid) and p_test (dashed) (bottom) against the step (log axis" +
                (terms.LogMetric ? $"; the {analysis.Metric} axis logarithmic too)" : ")") +
                (s.UseSmoother ? $" — {terms.SmootherP}." : " — the network's p_net by retraining (no smoother in this run).") + bands);
            if (g.Any(r => r.Sensitivity.Any(p => p.Train is not null || p.Sharpness is not null)))
                report.Figure(context.Folder.SaveFigure(GrokkingNetworkView.Overlay(g, Bound, name), $"p_net_vs_p_{file}"),
                    $"{name}: {terms.SmootherP} (lines) and the network's p_net by retraining (markers), log-log (top); the surrogate sharpness λ_t and its stability bound (bottom).{bands}");
            GrokkingSpectrumReport.Figures(context, report, g, name, file);
        }
        context.Folder.WriteReport(report.ToString());
    }

    /// <summary>
    /// Every configuration's findings: the delay, p from the smoother and from p_net, the spectrum view, and per seed
    /// p_net against the smoother's p.
    /// </summary>
    protected List<string> ConfigurationFindings()
    {
        var findings = new List<string>();
        foreach (var c in analysis.Configurations)
        {
            var g = c.Seeds;
            string name = Name(g), spread = SeedMean.Describe(g.Count);
            findings.Add($"**{name}**{spread} — {Describe(c.Delay, analysis.Metric)}" + (g.Count == 1 ? ""
                : $" Per seed: train plateau at {string.Join(", ", g.Select(r => r.TrainPlateau))}, test plateau at {string.Join(", ", g.Select(r => r.TestPlateau))}.") +
                DelayDetail(g));
            if (c.Smoother is { } p) findings.AddRange([$"{name} — from {terms.SmootherP}{spread}: {Describe(p)}", .. SmootherDetail(g)]);
            if (c.Net is { } net) findings.Add($"{name}{spread} — {DescribeNet(net, g[0].Sensitivity[^1])}");   // the first seed's linearity qualifies it
            if (analysis.Spectrum(c) is { } spectrum) findings.Add(GrokkingSpectrumReport.Bullet(name, spectrum));
            foreach (var r in g)
                findings.AddRange(SensitivityFindings.For(SeedName(r, name), r.Sensitivity, Bound, analysis.SmootherSeries(r), analysis.PLimit,
                    s.Sensitivity.AgreementSe, s.Sensitivity.AgreementRelative));
        }
        return findings;
    }
}
