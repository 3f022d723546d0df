namespace Telescope.Recipes.DoubleDescent;

/// <summary>Which smoother measures the effective parameters (docs/method.md §4).</summary>
internal static class SmootherChoice
{
    /// <summary>docs/method.md §4.3 with D Rademacher directions (unbiased, with standard errors); any optimizer.</summary>
    public const string Hutchinson = "hutchinson";
    /// <summary>docs/method.md §4.3 with the n basis directions (exact S; cost ≈ n backward passes per step).</summary>
    public const string Exact = "exact";
    /// <summary>docs/method.md §4.2 kernel recursion (exact and cheap, plain GD/SGD only).</summary>
    public const string Kernel = "kernel";
    /// <summary>No surrogate smoother (p from retraining only, sensitivity = retraining).</summary>
    public const string None = "none";
    public static readonly string[] All = [Hutchinson, Exact, Kernel, None];
}
