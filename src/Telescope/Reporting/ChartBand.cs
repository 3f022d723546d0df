namespace Telescope.Reporting;

/// <summary>A shaded region of a <see cref="LineChart"/> between two bounds, drawn in its series' colour.</summary>
/// <param name="SeriesIndex">Index of the series the band belongs to (its colour).</param>
/// <param name="X">x values.</param>
/// <param name="Lower">Lower bound per x value.</param>
/// <param name="Upper">Upper bound per x value.</param>
public sealed record ChartBand(int SeriesIndex, IReadOnlyList<double> X, IReadOnlyList<double> Lower, IReadOnlyList<double> Upper);
