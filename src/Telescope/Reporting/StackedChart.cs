using ScottPlot;

namespace Telescope.Reporting;

/// <summary>
/// Two <see cref="LineChart"/> panels stacked vertically with a shared x axis (same limits and aligned
/// plotting areas; the x label is drawn under the bottom panel). Both panels must agree on
/// <see cref="LineChart.LogX"/>; each keeps its own title, y label, log-y choice and legend.
/// </summary>
public sealed class StackedChart(LineChart top, LineChart bottom) : IFigure
{
    /// <summary>The upper panel.</summary>
    public LineChart Top { get; } = top ?? throw new ArgumentNullException(nameof(top));
    /// <summary>The lower panel; its <see cref="LineChart.XLabel"/> labels the shared axis.</summary>
    public LineChart Bottom { get; } = bottom ?? throw new ArgumentNullException(nameof(bottom));
    /// <summary>Image width in pixels.</summary>
    public int Width { get; set; } = 800;
    /// <summary>Image height in pixels.</summary>
    public int Height { get; set; } = 900;

    /// <inheritdoc/>
    public IReadOnlyList<string> Notes => Top.Notes.Concat(Bottom.Notes).ToList();

    /// <inheritdoc/>
    public void Save(string pngPath, string svgPath)
    {
        if (Top.LogX != Bottom.LogX)
            throw new InvalidOperationException("The panels of a StackedChart share the x axis, so both need the same LogX.");
        (double, double)? shared = (Top.XRange(), Bottom.XRange()) switch
        {
            ({ } a, { } b) => (Math.Min(a.Min, b.Min), Math.Max(a.Max, b.Max)),
            ({ } a, null) => a,
            (null, { } b) => b,
            _ => null,
        };
        var topPlot = Top.BuildPlot(shared, showXLabel: false);
        var bottomPlot = Bottom.BuildPlot(shared, showXLabel: true);

        // Fixed padding lines up the two data areas, which is what makes the x axis visibly shared.
        float right = Top.LegendOutside || Bottom.LegendOutside ? 170 : 25;
        topPlot.Layout.Fixed(new PixelPadding(85, right, 35, Top.Title.Length > 0 ? 40 : 15));
        bottomPlot.Layout.Fixed(new PixelPadding(85, right, 55, Bottom.Title.Length > 0 ? 40 : 15));

        float split = Height / 2f;
        FigureRenderer.Save(
            [(topPlot, new PixelRect(0, Width, split, 0)), (bottomPlot, new PixelRect(0, Width, Height, split))],
            Width, Height, pngPath, svgPath);
    }
}
