namespace Telescope.Runs;

/// <summary>
/// An experiment that the <c>telescope</c> command can run. Register an instance in
/// <see cref="BuiltInRecipes"/>. A recipe declares its settings, then runs with the resolved values,
/// writing metrics, figures, summary and report into <see cref="RunContext.Folder"/>.
/// </summary>
public interface IRecipe
{
    /// <summary>Command-line name, lower-case with dashes (e.g. "double-descent").</summary>
    string Name { get; }

    /// <summary>One-line description shown by <c>telescope list</c>.</summary>
    string Description { get; }

    /// <summary>Declares the settings with their defaults; <paramref name="quick"/> selects quick-mode defaults.</summary>
    RecipeSettings CreateSettings(bool quick);

    /// <summary>
    /// Runs the experiment. Throw a <see cref="TelescopeException"/> for problems the user can fix; check
    /// <see cref="RunContext.CancellationToken"/> between steps. Returning normally commits the run folder.
    /// </summary>
    void Run(RunContext context);
}
