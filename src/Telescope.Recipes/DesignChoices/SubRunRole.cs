namespace Telescope.Recipes.DesignChoices;

/// <summary>Why a sub-run of the design-choices recipe exists.</summary>
internal enum SubRunRole
{
    /// <summary>One of the compared optimizers on the main network (item 1 of the recipe).</summary>
    Main,
    /// <summary>Plain SGD at γ/(1−β), the classical equivalent of heavy-ball momentum (item 3).</summary>
    Rescaled,
    /// <summary>A weight-decay identity check on another network variant (item 2).</summary>
    Identity,
}
