namespace Telescope.Recipes.Reproduce;

/// <summary>How large a reproduction is: every recipe's <c>--quick</c> values, or its full defaults (docs/reproduce.md).</summary>
public enum ReproduceScale
{
    /// <summary>Every recipe's quick mode: the whole plan in well under two hours on two cores.</summary>
    Quick,
    /// <summary>Every recipe's full defaults: days on two cores, so meant for <c>--shard i/N</c> on a cluster.</summary>
    Full,
}

/// <summary>
/// One run of a reproduction: which paper finding it tests, the recipe and settings that test it, and the folder
/// (relative to the reproduction's root) it writes.
/// </summary>
/// <param name="Finding">The finding's title in the index, e.g. "Double descent seen through effective parameters".</param>
/// <param name="Paper">Where the finding is stated, e.g. "paper Fig. 3, 9".</param>
/// <param name="Recipe">The recipe's name.</param>
/// <param name="Folder">The run folder, relative to the root, e.g. <c>double-descent/quick</c>.</param>
/// <param name="Quick">Start from the recipe's quick-mode values.</param>
/// <param name="Assignments"><c>key=value</c> settings on top of the recipe's defaults (as <c>--set</c>).</param>
public sealed record ReproduceItem(string Finding, string Paper, string Recipe, string Folder, bool Quick, IReadOnlyList<string> Assignments);

/// <summary>
/// The paper's case studies and the design-choice lens as one plan (docs/reproduce.md): one run of every built-in
/// recipe, at the scale asked for, each with the recipe's own defaults, so that what a reproduction shows is what
/// <c>telescope run &lt;recipe&gt; [--quick]</c> shows.
/// </summary>
public static class ReproducePlan
{
    /// <summary>The paper's findings in the paper's order, with the recipe that tests each (the scale is added by <see cref="For"/>).</summary>
    private static readonly (string Finding, string Paper, string Recipe)[] Findings =
    [
        ("The telescoping model tracks the network better than its linearization", "paper Fig. 2, 7, 8", "approximation"),
        ("Double descent seen through effective parameters", "paper Fig. 3, 9", "double-descent"),
        ("Grokking through effective parameters: the polynomial task", "paper Fig. 4, 11", "grokking-poly"),
        ("Grokking through effective parameters: MNIST with a large initialization", "paper Fig. 4, 12, 13", "grokking-mnist"),
        ("Neural networks and gradient boosted trees on irregular tabular inputs", "paper Fig. 5, 14", "tabular-gbt"),
        ("Linear mode connectivity through gradient stabilization", "paper Fig. 6", "lmc"),
        ("What each optimizer design choice does to the learned function", "paper Sec. 5", "design-choices"),
        ("Beyond the paper: grokking modular arithmetic with a transformer", "Power et al. 2022; Nanda et al. 2023", "grokking-modular"),
    ];

    /// <summary>The plan of <paramref name="scale"/>: one item per finding, folders <c>&lt;recipe&gt;/quick</c> or <c>&lt;recipe&gt;/full</c>.</summary>
    public static IReadOnlyList<ReproduceItem> For(ReproduceScale scale) =>
        Findings.Select(f => new ReproduceItem(f.Finding, f.Paper, f.Recipe, $"{f.Recipe}/{ScaleName(scale)}", scale == ReproduceScale.Quick, [])).ToList();

    /// <summary>"quick" or "full", as in folder names and on the command line.</summary>
    public static string ScaleName(ReproduceScale scale) => scale.ToString().ToLowerInvariant();

    /// <summary>Parses "quick" or "full".</summary>
    /// <exception cref="TelescopeException">Any other text.</exception>
    public static ReproduceScale ParseScale(string text) => text.Trim().ToLowerInvariant() switch
    {
        "quick" => ReproduceScale.Quick,
        "full" => ReproduceScale.Full,
        _ => throw new TelescopeException($"Unknown scale '{text}'.") { Hint = "Use --scale quick (minutes per recipe) or --scale full (the recipes' full defaults)." },
    };
}
