using Telescope.Recipes.Approximation;
using Telescope.Recipes.GrokkingModular;
using Telescope.Recipes.DesignChoices;
using Telescope.Recipes.DoubleDescent;
using Telescope.Recipes.Grokking;
using Telescope.Recipes.Lmc;
using Telescope.Recipes.TabularGbt;

namespace Telescope.Recipes;

/// <summary>
/// The one place where the product's recipes are registered: append <c>new YourRecipe()</c> to
/// <see cref="All"/>. <see cref="Catalog"/> (the CLI's recipes) is built from this list.
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
        new GrokkingModularRecipe(),
    ];

    /// <summary>The product's recipes, by name (built once from <see cref="All"/>).</summary>
    public static RecipeCatalog Catalog => _catalog.Value;
    private static readonly Lazy<RecipeCatalog> _catalog = new(() => new RecipeCatalog(All()));
}
