using System.Collections;
using System.Text.RegularExpressions;

namespace Telescope.Runs;

/// <summary>Recipes by name. The run framework knows no recipe: the CLI builds its catalog from Telescope.Recipes' BuiltInRecipes.Catalog; tests build their own.</summary>
public sealed partial class RecipeCatalog : IEnumerable<IRecipe>
{
    private readonly SortedDictionary<string, IRecipe> _recipes = new(StringComparer.Ordinal);

    public RecipeCatalog(IEnumerable<IRecipe> recipes)
    {
        foreach (var r in recipes) Add(r);
    }

    /// <summary>Adds <paramref name="recipe"/>; its name must be new and lower-case with dashes.</summary>
    public void Add(IRecipe recipe)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        if (!NamePattern().IsMatch(recipe.Name))
            throw new ArgumentException($"Recipe name '{recipe.Name}' is invalid: use lower-case letters, digits and '-'.", nameof(recipe));
        if (!_recipes.TryAdd(recipe.Name, recipe))
            throw new ArgumentException($"A recipe named '{recipe.Name}' is already registered.", nameof(recipe));
    }

    /// <summary>The recipe called <paramref name="name"/>.</summary>
    /// <exception cref="TelescopeException">Unknown name; the message lists the known recipes.</exception>
    public IRecipe Get(string name)
    {
        if (_recipes.TryGetValue(name, out var recipe)) return recipe;
        string known = _recipes.Count == 0 ? "(none registered)" : string.Join(", ", _recipes.Keys);
        throw new TelescopeException($"Unknown recipe '{name}'.{ClosestMatch.Suggestion(name, _recipes.Keys)} Known recipes: {known}.")
        { Hint = "Run 'telescope list' to see the recipes with descriptions." };
    }

    public int Count => _recipes.Count;

    public IEnumerator<IRecipe> GetEnumerator() => _recipes.Values.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    [GeneratedRegex("^[a-z][a-z0-9-]*$")]
    private static partial Regex NamePattern();
}
