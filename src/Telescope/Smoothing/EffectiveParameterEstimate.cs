namespace Telescope.Smoothing;

/// <summary>
/// p(I) of one tracked set at one step (docs/method.md §5.1), with its standard error: zero for an exact smoother,
/// sd/sqrt(D) over the D Hutchinson directions otherwise.
/// </summary>
/// <param name="Set">The tracked set I.</param>
/// <param name="Step">T, the step at which S_T was read.</param>
/// <param name="Value">p(I) = n/(|I|·k) Σ_{x∈I} ||S_T(x)||²_F.</param>
/// <param name="StandardError">Standard error of <paramref name="Value"/> (0 when exact).</param>
/// <param name="Directions">D, the number of label directions behind the estimate (1 when exact).</param>
/// <param name="IsExact">True when S_T was known exactly.</param>
public sealed record EffectiveParameterEstimate(string Set, int Step, double Value, double StandardError, int Directions, bool IsExact);
