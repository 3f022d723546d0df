using Spectre.Console;
using Telescope.Runs;

namespace Telescope.Cli;

/// <summary>Everything the CLI prints: messages, tables and the progress display.</summary>
internal sealed class CliOutput
{
    private readonly TextWriter _output;
    private readonly TextWriter _error;
    private readonly bool _interactive;
    private readonly IAnsiConsole _console;

    public CliOutput(TextWriter output, TextWriter error, bool interactive)
    {
        _output = output;
        _error = error;
        _interactive = interactive;
        _console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Yes : InteractionSupport.No,
        });
        if (!interactive) _console.Profile.Width = 140;
    }

    private bool Color => _interactive && Environment.GetEnvironmentVariable("NO_COLOR") is null;

    public void Error(string message) => _error.WriteLine(Paint("31", $"error: {message}"));
    public void Hint(string message) => _error.WriteLine(Paint("2", $"  {message}"));
    public void Detail(string message) => _error.WriteLine(message);
    public void Warning(string message) => _error.WriteLine(Paint("33", $"warning: {message}"));
    public void Success(string message) => _output.WriteLine(Paint("32", message));

    private string Paint(string sgr, string text) => Color ? $"\u001b[{sgr}m{text}\u001b[0m" : text;

    /// <summary>Runs <paramref name="work"/> with live bars on a terminal, plain lines otherwise.</summary>
    public T WithProgress<T>(Func<IProgressReporter, T> work)
    {
        if (!_interactive) return work(new PlainProgressReporter(_output));
        T result = default!;
        _console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx => result = work(new SpectreProgressReporter(ctx, _console)));
        return result;
    }

    public void ListRecipes(RecipeCatalog catalog)
    {
        if (catalog.Count == 0)
        {
            _output.WriteLine("No recipes are registered.");
            return;
        }
        var table = new Table().Border(TableBorder.Simple).AddColumn("recipe").AddColumn("description");
        foreach (var r in catalog) table.AddRow(Markup.Escape(r.Name), Markup.Escape(r.Description));
        _console.Write(table);
        _output.WriteLine("Run 'telescope describe <recipe>' for its settings.");
    }

    public void Describe(IRecipe recipe)
    {
        var full = RecipeRunner.CreateSettings(recipe, quick: false);
        _output.WriteLine($"{recipe.Name}: {recipe.Description}");
        _output.WriteLine();
        var table = new Table().Border(TableBorder.Simple)
            .AddColumn("setting").AddColumn("type").AddColumn("default").AddColumn("--quick").AddColumn("description");
        foreach (var s in full)
        {
            string quick = s.QuickValue is null ? "same" : Setting.Format(s.QuickValue);
            string constraint = s.Constraint.Length == 0 ? "" : $" ({s.Constraint})";
            if (s.Source is not null) constraint += $" [default from {s.Source}]";
            table.AddRow(Markup.Escape(s.Name), Markup.Escape(s.TypeName.Replace(" (comma-separated)", "")),
                Markup.Escape(Setting.Format(s.DefaultValue)), Markup.Escape(quick), Markup.Escape(s.Description + constraint));
        }
        _console.Write(table);
        _output.WriteLine($"Override with --set key=value (lists comma-separated), e.g. telescope run {recipe.Name} --quick --set seed=1");
    }
}
