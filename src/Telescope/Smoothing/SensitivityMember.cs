using System.Globalization;

namespace Telescope.Smoothing;

/// <summary>
/// One training run of a retraining sensitivity estimate (docs/method.md §5.2): the labels it trains on are
/// Y + <see cref="Sign"/>·<see cref="Sigma"/>·V_<see cref="Direction"/>. The base run has sign 0 (labels Y).
/// Every member starts from the same θ_0 and sees the same batches, so the labels are the only difference.
/// </summary>
/// <param name="Direction">d, the index of V_d (−1 for the base run).</param>
/// <param name="Sign">+1, −1, or 0 for the base run.</param>
/// <param name="Sigma">σ, the perturbation scale (0 for the base run).</param>
public sealed record SensitivityMember(int Direction, int Sign, double Sigma)
{
    /// <summary>The unperturbed run (labels Y).</summary>
    public static SensitivityMember Base { get; } = new(-1, 0, 0);

    /// <summary>True for the unperturbed run.</summary>
    public bool IsBase => Sign == 0;

    /// <summary>A stable name, e.g. "d0+0.1" or "base" (for file names and logs of separately run members).</summary>
    public string Key => IsBase ? "base"
        : string.Create(CultureInfo.InvariantCulture, $"d{Direction}{(Sign > 0 ? '+' : '-')}{Sigma:R}");

    /// <summary>Throws when the member is not a base run or a ±σ run along a valid direction.</summary>
    public void Validate(int directionCount)
    {
        if (IsBase)
        {
            if (Direction != -1 || Sigma != 0) throw new ArgumentException($"The base member has direction −1 and σ = 0; got {this}.");
            return;
        }
        if (Sign is not (1 or -1)) throw new ArgumentException($"A member's sign must be +1, −1 or 0 (base); got {Sign}.");
        if (Direction < 0 || Direction >= directionCount)
            throw new ArgumentException($"Member direction {Direction} is outside 0..{directionCount - 1}.");
        if (!(Sigma > 0) || !double.IsFinite(Sigma)) throw new ArgumentException($"A member's σ must be positive and finite; got {Sigma}.");
    }
}
