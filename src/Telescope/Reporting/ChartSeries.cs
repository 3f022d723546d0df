namespace Telescope.Reporting;

/// <summary>One labelled line of a <see cref="LineChart"/>.</summary>
/// <param name="Label">Legend text.</param>
/// <param name="X">x values.</param>
/// <param name="Y">y values (same length as <paramref name="X"/>).</param>
/// <param name="Markers">Draw a marker at every point (for sweeps).</param>
/// <param name="Dashed">Draw the line dashed (e.g. for a reference or a linearized model).</param>
/// <param name="ColorGroup">Palette index shared by related series; null = the series' own position.</param>
/// <param name="Flagged">Draw only large cross markers, no line: points shown but not part of the curve (e.g. networks that did not converge).</param>
public sealed record ChartSeries(string Label, IReadOnlyList<double> X, IReadOnlyList<double> Y, bool Markers, bool Dashed,
    int? ColorGroup = null, bool Flagged = false);
