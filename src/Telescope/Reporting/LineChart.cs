using ScottPlot;

namespace Telescope.Reporting;

/// <summary>
/// A line chart with labelled series, optional log-scale axes, markers for sweeps, title, axis labels and
/// a legend. Points that cannot be drawn (NaN, ±∞, or ≤ 0 on a log axis) are left out and listed in
/// <see cref="Notes"/> instead of failing. Save it with <c>RunFolder.SaveFigure</c> or <see cref="Save"/>.
/// </summary>
/// <example>
/// <code>
/// var chart = new LineChart { Title = "Approximation error", XLabel = "step", YLabel = "mean |f − f̃|", LogY = true };
/// chart.AddSeries("f̃ (telescoping)", steps, errTelescoping).AddSeries("f_lin", steps, errLinear, dashed: true);
/// context.Folder.SaveFigure(chart, "approximation-error");
/// </code>
/// </example>
public sealed class LineChart : IFigure
{
    private readonly List<ChartSeries> _series = [];
    private readonly List<ChartBand> _bands = [];

    /// <summary>Title above the plot.</summary>
    public string Title { get; set; } = "";
    /// <summary>Label of the x axis.</summary>
    public string XLabel { get; set; } = "";
    /// <summary>Label of the y axis.</summary>
    public string YLabel { get; set; } = "";
    /// <summary>Logarithmic x axis (powers of ten labelled).</summary>
    public bool LogX { get; set; }
    /// <summary>Logarithmic y axis (powers of ten labelled).</summary>
    public bool LogY { get; set; }
    /// <summary>Put the legend to the right of the plot instead of inside its upper-right corner.</summary>
    public bool LegendOutside { get; set; }
    /// <summary>Image width in pixels.</summary>
    public int Width { get; set; } = 800;
    /// <summary>Image height in pixels.</summary>
    public int Height { get; set; } = 500;

    /// <summary>Font of all text (DejaVu Sans is installed on the reference machine; others fall back).</summary>
    public static string FontName { get; set; } = "DejaVu Sans";

    /// <summary>The series added so far.</summary>
    public IReadOnlyList<ChartSeries> Series => _series;

    /// <summary>
    /// Adds a labelled line; <paramref name="markers"/> draws a marker at every point (for sweeps).
    /// Series given the same <paramref name="colorGroup"/> share a colour (e.g. one model's solid and dashed lines);
    /// by default each series gets the next palette colour.
    /// </summary>
    public LineChart AddSeries(string label, IReadOnlyList<double> x, IReadOnlyList<double> y, bool markers = false,
        bool dashed = false, int? colorGroup = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Count != y.Count)
            throw new ArgumentException($"Series '{label}' has {x.Count} x values but {y.Count} y values.", nameof(y));
        _series.Add(new ChartSeries(label, x.ToArray(), y.ToArray(), markers, dashed, colorGroup));
        return this;
    }

    /// <summary>
    /// Adds flagged points: large crosses without a line, for values that are shown but are not part of a curve
    /// (e.g. networks that hit a step cap). Give the curve's <paramref name="colorGroup"/> to colour them alike.
    /// </summary>
    public LineChart AddFlagged(string label, IReadOnlyList<double> x, IReadOnlyList<double> y, int? colorGroup = null)
    {
        AddSeries(label, x, y, markers: true, colorGroup: colorGroup);
        _series[^1] = _series[^1] with { Flagged = true };
        return this;
    }

    /// <summary>The shaded bands added so far (seed spread, intervals).</summary>
    public IReadOnlyList<ChartBand> Bands => _bands;

    /// <summary>
    /// Shades the region between <paramref name="lower"/> and <paramref name="upper"/> in the colour of the series
    /// added last (e.g. ±1 sd over seeds around a mean line). Points where either bound cannot be drawn are left out.
    /// </summary>
    public LineChart AddBand(IReadOnlyList<double> x, IReadOnlyList<double> lower, IReadOnlyList<double> upper)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(lower);
        ArgumentNullException.ThrowIfNull(upper);
        if (_series.Count == 0) throw new InvalidOperationException("Add the series a band belongs to before the band.");
        if (x.Count != lower.Count || x.Count != upper.Count)
            throw new ArgumentException($"A band needs one lower and one upper bound per x value; got {x.Count}, {lower.Count}, {upper.Count}.");
        _bands.Add(new ChartBand(_series.Count - 1, x.ToArray(), lower.ToArray(), upper.ToArray()));
        return this;
    }

    /// <summary>
    /// Adds a seed-repeated series: its mean over seeds as a line and, wherever a point has two or more seeds, a band
    /// of ±1 standard deviation around it (points with fewer seeds — e.g. seeds left out of a curve — have no band
    /// there). The legend says how many seeds the band rests on ("≤ N" when points differ). With one seed everywhere
    /// it is an ordinary line.
    /// </summary>
    public LineChart AddSeeded(string label, Verdicts.SeededSeries series, bool markers = false, bool dashed = false,
        int? colorGroup = null)
    {
        ArgumentNullException.ThrowIfNull(series);
        int most = series.Samples.Count == 0 ? 0 : series.Samples.Max(s => s.Length);
        if (most < 2)
            return AddSeries(label, series.X, series.Means, markers, dashed, colorGroup);
        string seeds = series.SeedCount == most ? $"{most} seeds" : $"≤ {most} seeds";
        AddSeries($"{label} (mean ± sd, {seeds})", series.X, series.Means, markers, dashed, colorGroup);
        // Sds are NaN below two seeds: those points are left out of the band (PrepareBand drops non-finite bounds).
        return AddBand(series.X, series.Means.Zip(series.Sds, (m, sd) => m - sd).ToArray(),
            series.Means.Zip(series.Sds, (m, sd) => m + sd).ToArray());
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> Notes => Prepare().Where(p => p.Dropped > 0).Select(p =>
        $"{Describe(p.Series)}: {p.Dropped} of {p.Series.X.Count} points not drawn " +
        $"({(LogX || LogY ? "non-finite, or ≤ 0 on a log axis" : "non-finite")}).").ToList();

    private string Describe(ChartSeries s) => Title.Length == 0 ? $"Series '{s.Label}'" : $"'{Title}', series '{s.Label}'";

    /// <inheritdoc/>
    public void Save(string pngPath, string svgPath)
    {
        var plot = BuildPlot(null, showXLabel: true);
        FigureRenderer.Save([(plot, new PixelRect(0, Width, Height, 0))], Width, Height, pngPath, svgPath);
    }

    internal sealed record PreparedSeries(ChartSeries Series, double[] X, double[] Y, int Dropped);

    /// <summary>Drops undrawable points and applies log10 to log axes.</summary>
    internal List<PreparedSeries> Prepare()
    {
        var result = new List<PreparedSeries>(_series.Count);
        foreach (var s in _series)
        {
            var xs = new List<double>(s.X.Count);
            var ys = new List<double>(s.Y.Count);
            for (int i = 0; i < s.X.Count; i++)
            {
                double x = s.X[i], y = s.Y[i];
                if (!double.IsFinite(x) || !double.IsFinite(y) || (LogX && x <= 0) || (LogY && y <= 0)) continue;
                xs.Add(LogX ? Math.Log10(x) : x);
                ys.Add(LogY ? Math.Log10(y) : y);
            }
            result.Add(new PreparedSeries(s, xs.ToArray(), ys.ToArray(), s.X.Count - xs.Count));
        }
        return result;
    }

    private (double[] X, double[] Lower, double[] Upper) PrepareBand(ChartBand band)
    {
        var xs = new List<double>(band.X.Count);
        var lo = new List<double>(band.X.Count);
        var hi = new List<double>(band.X.Count);
        for (int i = 0; i < band.X.Count; i++)
        {
            double x = band.X[i], l = band.Lower[i], u = band.Upper[i];
            if (!double.IsFinite(x) || !double.IsFinite(l) || !double.IsFinite(u) || (LogX && x <= 0)) continue;
            if (LogY)
            {
                if (u <= 0) continue;
                // A lower bound at or below 0 cannot be drawn on a log axis: the band is drawn one decade deep there.
                l = l > 0 ? l : u / 10;
            }
            xs.Add(LogX ? Math.Log10(x) : x);
            lo.Add(LogY ? Math.Log10(l) : l);
            hi.Add(LogY ? Math.Log10(u) : u);
        }
        return (xs.ToArray(), lo.ToArray(), hi.ToArray());
    }

    /// <summary>Range of the drawn (transformed) x values, or null when nothing is drawn.</summary>
    internal (double Min, double Max)? XRange() => Range(Prepare().SelectMany(p => p.X));

    private static (double Min, double Max)? Range(IEnumerable<double> values)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (double v in values) { min = Math.Min(min, v); max = Math.Max(max, v); }
        return min <= max ? (min, max) : null;
    }

    /// <summary>The plot corner with the fewest data points, so the legend hides as little as possible.</summary>
    private static Alignment EmptiestCorner(List<PreparedSeries> prepared, (double Min, double Max)? xRange,
        (double Min, double Max)? yRange)
    {
        if (xRange is not { } xr || yRange is not { } yr) return Alignment.UpperRight;
        double xSpan = Math.Max(xr.Max - xr.Min, 1e-300), ySpan = Math.Max(yr.Max - yr.Min, 1e-300);
        var counts = new[] { 0, 0, 0, 0 }; // upper-right, upper-left, lower-right, lower-left
        foreach (var p in prepared)
            for (int i = 0; i < p.X.Length; i++)
            {
                // Sample along each segment too, so sparse sweeps count the lines, not just the markers.
                int samples = i + 1 < p.X.Length ? 8 : 1;
                for (int k = 0; k < samples; k++)
                {
                    double t = k / 8.0;
                    double x = i + 1 < p.X.Length ? p.X[i] + t * (p.X[i + 1] - p.X[i]) : p.X[i];
                    double y = i + 1 < p.Y.Length ? p.Y[i] + t * (p.Y[i + 1] - p.Y[i]) : p.Y[i];
                    double nx = (x - xr.Min) / xSpan, ny = (y - yr.Min) / ySpan;
                    bool right = nx > 0.55, left = nx < 0.45, upper = ny > 0.6, lower = ny < 0.4;
                    if (upper && right) counts[0]++;
                    if (upper && left) counts[1]++;
                    if (lower && right) counts[2]++;
                    if (lower && left) counts[3]++;
                }
            }
        int best = Array.IndexOf(counts, counts.Min()); // ties keep the conventional upper-right first
        return best switch { 0 => Alignment.UpperRight, 1 => Alignment.UpperLeft, 2 => Alignment.LowerRight, _ => Alignment.LowerLeft };
    }

    /// <summary>Builds the ScottPlot plot; <paramref name="sharedX"/> fixes the x limits (stacked panels).</summary>
    internal Plot BuildPlot((double Min, double Max)? sharedX, bool showXLabel)
    {
        var plot = new Plot();
        // DejaVu Sans has the Greek letters, sub/superscripts and combining marks (f̃) the recipes use.
        plot.Font.Set(FontName);
        if (Title.Length > 0) plot.Title(Title);
        if (showXLabel && XLabel.Length > 0) plot.XLabel(XLabel);
        if (YLabel.Length > 0) plot.YLabel(YLabel);

        var palette = new ScottPlot.Palettes.Category10();
        var prepared = Prepare();
        foreach (var band in _bands)
        {
            // Drawn first, so the lines stay on top; translucent, so overlapping bands stay readable.
            var (bx, lo, hi) = PrepareBand(band);
            if (bx.Length == 0) continue;
            var fill = plot.Add.FillY(bx, lo, hi);
            var owner = _series[band.SeriesIndex];
            fill.FillStyle.Color = palette.GetColor(owner.ColorGroup ?? band.SeriesIndex).WithAlpha(0.2);
            fill.LineStyle.Width = 0;
        }
        bool anyLabel = false;
        for (int i = 0; i < prepared.Count; i++)
        {
            var p = prepared[i];
            if (p.X.Length == 0) continue;
            var scatter = plot.Add.Scatter(p.X, p.Y);
            scatter.Color = palette.GetColor(p.Series.ColorGroup ?? i);
            scatter.LineWidth = 2;
            scatter.MarkerSize = p.Series.Markers ? 7 : 0;
            if (p.Series.Dashed) scatter.LinePattern = LinePattern.Dashed;
            if (p.Series.Flagged)
            {
                scatter.LineWidth = 0;
                scatter.MarkerSize = 12;
                scatter.MarkerShape = MarkerShape.Eks;
                scatter.MarkerLineWidth = 2;
            }
            if (p.Series.Label.Length > 0)
            {
                scatter.LegendText = p.Series.Label;
                anyLabel = true;
            }
        }
        var xRange = sharedX ?? Range(prepared.SelectMany(p => p.X));
        var yRange = Range(prepared.SelectMany(p => p.Y));
        if (anyLabel)
        {
            if (LegendOutside) plot.ShowLegend(Edge.Right);
            else plot.ShowLegend(EmptiestCorner(prepared, xRange, yRange));
        }
        // Linear axes: fewer ticks than ScottPlot's default, which labels every 0.05 on a 0–1 axis.
        plot.Axes.Bottom.TickGenerator = LogX && xRange is { } xr
            ? LogAxis.Ticks(xr.Min, xr.Max)
            : new ScottPlot.TickGenerators.NumericAutomatic { TargetTickCount = 8 };
        plot.Axes.Left.TickGenerator = LogY && yRange is { } yr
            ? LogAxis.Ticks(yr.Min, yr.Max)
            : new ScottPlot.TickGenerators.NumericAutomatic { TargetTickCount = 8 };
        plot.Axes.AutoScale();
        if (sharedX is { } sx)
        {
            double pad = sx.Max > sx.Min ? 0.03 * (sx.Max - sx.Min) : 0.5;
            plot.Axes.SetLimitsX(sx.Min - pad, sx.Max + pad);
        }
        return plot;
    }
}
