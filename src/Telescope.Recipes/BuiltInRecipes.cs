using Telescope.Recipes.Approximation;
using Telescope.Recipes.DesignChoices;
using Telescope.Recipes.DoubleDescent;
using Telescope.Recipes.Grokking;
using Telescope.Recipes.Lmc;
using Telescope.Recipes.TabularGbt;
using Telescope.Runs;

namespace Telescope.Recipes;

/// <summary>
/// The one place where the product's recipes are registered: append <c>new YourRecipe()</c> to
/// <see cref="All"/>. <see cref="RecipeCatalog.Default"/> is built from this list.
/// </summary>
public static class BuiltInRecipes
{
    /// <summary>Creates a fresh instance of every built-in recipe.</summary>
    public static IEnumerable<IRecipe> All() =>
    [
        new ApproximationRecipe(),
        new DoubleDescentRecipe(),
        new GrokkingPolyRecipe(),
        new GrokkingMnistRecipe(),
        new TabularGbtRecipe(),
        new DesignChoicesRecipe(),
        new LmcRecipe(),
    ];
}
