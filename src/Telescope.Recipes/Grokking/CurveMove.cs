namespace Telescope.Recipes.Grokking;

/// <summary>
/// How far a logged curve moves in one direction, against its own noise, and the logged step by which it has covered
/// half of that move (docs/recipes/grokking-mnist.md, "Spectrum view"). The noise unit is the curve's roughness
/// (<see cref="PeakCheck.Roughness"/>, the one-seed noise unit of docs/method.md §8): a move counts only when it
/// exceeds <see cref="Factor"/> roughness units (verdict_peak_noise_factor).
/// </summary>
/// <param name="Name">What moves, e.g. "the test alignment".</param>
/// <param name="Size">The size of the move (≥ 0 when it goes the expected way).</param>
/// <param name="Noise">The curve's roughness (NaN with fewer than 5 logged values).</param>
/// <param name="HalfStep">The first logged step at which half the move is covered (null without a move).</param>
/// <param name="Factor">Noise units a clear move must exceed.</param>
internal sealed record CurveMove(string Name, double Size, double Noise, int? HalfStep, double Factor)
{
    /// <summary>The move exceeds <see cref="Factor"/> noise units (false when the noise cannot be estimated).</summary>
    public bool Clear => double.IsFinite(Noise) && double.IsFinite(Size) && Size > Factor * Noise && HalfStep is not null;

    /// <summary>"the test alignment moves by 0.12 (roughness 0.003, criterion 4×), half way at logged step 300".</summary>
    public string Text => $"{Name} moves by {GrokkingText.F(Size)} (roughness {GrokkingText.F(Noise)}, criterion {GrokkingText.F(Factor)}×)" +
        (HalfStep is int h && Clear ? $", half way at logged step {h}" : "");

    /// <summary>The rise from the first value to the maximum.</summary>
    public static CurveMove Rise(string name, IReadOnlyList<(int Step, double Value)> series, double factor) =>
        Between(name, Finite(series), 0, factor, up: true);

    /// <summary>The fall from the first value to the minimum.</summary>
    public static CurveMove Fall(string name, IReadOnlyList<(int Step, double Value)> series, double factor) =>
        Between(name, Finite(series), 0, factor, up: false);

    /// <summary>The fall from the curve's maximum to its minimum after that maximum (a rise and fall curve's drop).</summary>
    public static CurveMove DropFromPeak(string name, IReadOnlyList<(int Step, double Value)> series, double factor)
    {
        var values = Finite(series);
        if (values.Count == 0) return new CurveMove(name, double.NaN, double.NaN, null, factor);
        int peak = Enumerable.Range(0, values.Count).MaxBy(i => values[i].Value);
        return Between(name, values, peak, factor, up: false) with { Noise = PeakCheck.Roughness(values.Select(v => v.Value).ToList()) };
    }

    /// <summary>The move from values[start] to the extreme after it, the noise of the whole curve, the half-way step.</summary>
    private static CurveMove Between(string name, IReadOnlyList<(int Step, double Value)> values, int start, double factor, bool up)
    {
        if (values.Count == 0) return new CurveMove(name, double.NaN, double.NaN, null, factor);
        var after = values.Skip(start).ToList();
        double first = after[0].Value, sign = up ? 1 : -1;
        double size = after.Max(v => sign * (v.Value - first)) + 0.0;   // + 0.0: no "-0" when nothing moves
        int? half = size > 0 ? after.First(v => sign * (v.Value - first) >= 0.5 * size).Step : null;
        return new CurveMove(name, size, PeakCheck.Roughness(values.Select(v => v.Value).ToList()), half, factor);
    }

    private static List<(int Step, double Value)> Finite(IReadOnlyList<(int Step, double Value)> series) =>
        series.Where(v => double.IsFinite(v.Value)).ToList();
}
