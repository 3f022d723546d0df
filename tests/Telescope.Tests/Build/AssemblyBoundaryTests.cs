using System.Reflection;
using Telescope.Recipes;
using Telescope.Runs;
using Xunit;

namespace Telescope.Tests.Build;

/// <summary>
/// The three layers of the solution: the engines (Telescope, the NuGet package), the run framework (Telescope.Runs)
/// and the recipes (Telescope.Recipes). Each layer may use the ones below it and none above: an engine knows no run
/// folder or recipe, and the run framework knows no recipe. The project references enforce this at compile time;
/// these tests document it and catch a reference added by hand (or a type declared in the wrong layer's namespace).
/// </summary>
public class AssemblyBoundaryTests
{
    private static readonly Assembly Engines = typeof(TelescopeException).Assembly;
    private static readonly Assembly Runs = typeof(RecipeRunner).Assembly;
    private static readonly Assembly Recipes = typeof(BuiltInRecipes).Assembly;

    private static string[] References(Assembly assembly) =>
        assembly.GetReferencedAssemblies().Select(a => a.Name!).ToArray();

    [Fact]
    public void TheLayersAreThreeAssemblies()
    {
        Assert.Equal("Telescope", Engines.GetName().Name);
        Assert.Equal("Telescope.Runs", Runs.GetName().Name);
        Assert.Equal("Telescope.Recipes", Recipes.GetName().Name);
    }

    [Fact]
    public void TheEnginesReferenceNeitherRunsNorRecipes()
    {
        var references = References(Engines);
        Assert.DoesNotContain("Telescope.Runs", references);
        Assert.DoesNotContain("Telescope.Recipes", references);
        Assert.DoesNotContain(references, r => r.StartsWith("Telescope.", StringComparison.Ordinal));
    }

    [Fact]
    public void TheRunFrameworkReferencesTheEnginesButNoRecipe()
    {
        var references = References(Runs);
        Assert.Contains("Telescope", references);
        Assert.DoesNotContain("Telescope.Recipes", references);
        Assert.DoesNotContain("Telescope.Cli", references);
    }

    [Fact]
    public void TheRecipesReferenceTheEnginesAndTheRunFramework()
    {
        var references = References(Recipes);
        Assert.Contains("Telescope", references);
        Assert.Contains("Telescope.Runs", references);
        Assert.DoesNotContain("Telescope.Cli", references);
    }

    [Fact]
    public void EachLayerDeclaresTypesOnlyInItsOwnNamespaces()
    {
        // Compiler-generated helpers (e.g. GeneratedRegex's System.Text.RegularExpressions.Generated) are not ours.
        static IEnumerable<string> Ours(Assembly a) => a.GetTypes().Select(t => t.Namespace ?? "")
            .Where(n => n == "Telescope" || n.StartsWith("Telescope.", StringComparison.Ordinal)).Distinct();
        static bool In(string ns, string root) => ns == root || ns.StartsWith(root + ".", StringComparison.Ordinal);

        Assert.All(Ours(Engines), ns => Assert.False(In(ns, "Telescope.Runs") || In(ns, "Telescope.Recipes"), ns));
        Assert.All(Ours(Runs), ns => Assert.True(In(ns, "Telescope.Runs"), ns));
        Assert.All(Ours(Recipes), ns => Assert.True(In(ns, "Telescope.Recipes"), ns));
    }

    [Fact]
    public void NoPublicTypeNameIsDeclaredTwiceOrReadsAsATest()
    {
        // Two public types of one simple name force aliases on their users; a source class named *Test or *Tests reads
        // as a unit test to every tool (test explorers, filters, coverage).
        var types = new[] { Engines, Runs, Recipes }.SelectMany(a => a.GetExportedTypes()).Where(t => !t.IsNested).ToList();
        var duplicates = types.GroupBy(t => t.Name).Where(g => g.Count() > 1)
            .Select(g => string.Join(" / ", g.Select(t => t.FullName))).ToList();
        Assert.True(duplicates.Count == 0, "Public types declared twice: " + string.Join("; ", duplicates));
        var testLike = types.Where(t => t.Name.EndsWith("Test", StringComparison.Ordinal) || t.Name.EndsWith("Tests", StringComparison.Ordinal))
            .Select(t => t.FullName).ToList();
        Assert.True(testLike.Count == 0, "Source types named like tests: " + string.Join(", ", testLike));
    }
}
