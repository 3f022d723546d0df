namespace Telescope.Smoothing;

/// <summary>Which label directions V a <see cref="LabelTangentSmoother"/> propagates (docs/method.md §4.3).</summary>
public enum LabelDirections
{
    /// <summary>The n·k basis vectors e_j: ḟ̂ along e_j is column j of S, so S is exact (cost grows with n·k).</summary>
    ExactBasis,
    /// <summary>D independent Rademacher directions: E||ḟ̂(x)||² = ||S(x)||²_F (Hutchinson), with standard errors.</summary>
    Hutchinson,
}
