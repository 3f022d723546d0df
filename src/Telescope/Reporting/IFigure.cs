namespace Telescope.Reporting;

/// <summary>A figure that can be saved as PNG and SVG (see <see cref="LineChart"/>, <see cref="StackedChart"/>).</summary>
public interface IFigure
{
    /// <summary>Renders the figure to <paramref name="pngPath"/> and <paramref name="svgPath"/>.</summary>
    void Save(string pngPath, string svgPath);

    /// <summary>Notes about points left out (non-finite, or ≤ 0 on a log axis); empty when none were.</summary>
    IReadOnlyList<string> Notes { get; }
}

/// <summary>The files of a saved figure, relative to the run folder, plus notes to show with it.</summary>
/// <param name="Png">Relative path of the PNG.</param>
/// <param name="Svg">Relative path of the SVG.</param>
/// <param name="Notes">Notes about dropped points (see <see cref="IFigure.Notes"/>).</param>
public sealed record FigureFiles(string Png, string Svg, IReadOnlyList<string> Notes);
