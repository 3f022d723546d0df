using Telescope.Experiments.Approximation;
using Telescope.Experiments.DesignChoices;
using Telescope.Experiments.DoubleDescent;
using Telescope.Experiments.Grokking;
using Telescope.Experiments.Lmc;
using Telescope.Experiments.TabularGbt;

namespace Telescope.Experiments;

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
