using System.Globalization;
using System.Text.Json.Serialization;

namespace Telescope.Smoothing;

/// <summary>
/// The two runs on Y ± σ·V_d of a retraining estimate (docs/method.md §5.2). A pair is the smallest unit that measures something
/// by itself — p_d needs only the difference of its two runs — so pairs are what can be computed in separate processes
/// (<see cref="RetrainingSensitivity"/> with a subset of pairs, then <see cref="RetrainingSensitivity.Aggregate"/>).
/// </summary>
/// <param name="Direction">d, the index of V_d.</param>
/// <param name="Sigma">σ of both runs.</param>
public sealed record SensitivityPair(int Direction, double Sigma)
{
    /// <summary>The run on Y + σ·V_d.</summary>
    [JsonIgnore]
    public SensitivityMember Plus => new(Direction, +1, Sigma);

    /// <summary>The run on Y − σ·V_d.</summary>
    [JsonIgnore]
    public SensitivityMember Minus => new(Direction, -1, Sigma);

    /// <summary>A stable name, e.g. "d0±0.1" (run names, logs and checkpoint keys).</summary>
    [JsonIgnore]
    public string Key => string.Create(CultureInfo.InvariantCulture, $"d{Direction}±{Sigma:R}");
}
