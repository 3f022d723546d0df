using System.CommandLine;
using Spectre.Console;
using Telescope.Recipes.Reproduce;
using Telescope.Runs;

namespace Telescope.Cli;

/// <summary>
/// The <c>telescope</c> command: <c>run</c>, <c>resume</c>, <c>merge</c>, <c>reproduce</c>, <c>record</c>, <c>list</c>, <c>describe</c>. Thin by design — it parses,
/// looks the recipe up and hands over to <see cref="RecipeRunner"/>. Callable in-process (tests) with any
/// catalog and writers.
/// </summary>
public static class TelescopeCli
{
    /// <summary>Exit code of a successful command.</summary>
    public const int ExitSuccess = 0;
    /// <summary>Exit code of an unexpected failure (a bug or an environment problem).</summary>
    public const int ExitUnexpected = 1;
    /// <summary>Exit code of a user error: bad arguments, unknown recipe/setting, any <see cref="TelescopeException"/>.</summary>
    public const int ExitUserError = 2;
    /// <summary>Exit code after Ctrl+C (128 + SIGINT, as shells report it).</summary>
    public const int ExitCancelled = 130;

    /// <summary>Runs the command line <paramref name="args"/> and returns the exit code.</summary>
    /// <param name="args">Arguments after the program name.</param>
    /// <param name="catalog">Recipes to offer (the product passes Telescope.Recipes.BuiltInRecipes.Catalog).</param>
    /// <param name="output">Normal output (lists, progress, result).</param>
    /// <param name="error">Error messages.</param>
    /// <param name="cancellationToken">Cancels a running recipe (Ctrl+C).</param>
    /// <param name="interactive">Draw live progress bars and colours (a terminal); otherwise plain lines.</param>
    public static int Invoke(string[] args, RecipeCatalog catalog, TextWriter output, TextWriter error,
        CancellationToken cancellationToken = default, bool interactive = false)
    {
        var ui = new CliOutput(output, error, interactive);
        var root = BuildCommand(catalog, ui, cancellationToken);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors) ui.Error(e.Message);
            ui.Hint($"Run '{HelpCommand(args)}' for usage.");
            return ExitUserError;
        }
        return parse.Invoke(new InvocationConfiguration
        {
            Output = output,
            Error = error,
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = null, // Ctrl+C is turned into cancellationToken by the caller.
        });
    }

    private static string HelpCommand(string[] args) =>
        args.Length > 0 && args[0] is "run" or "resume" or "merge" or "reproduce" or "record" or "list" or "describe" ? $"telescope {args[0]} --help" : "telescope --help";

    private static Command BuildCommand(RecipeCatalog catalog, CliOutput ui, CancellationToken ct)
    {
        var verbose = new Option<bool>("--verbose") { Description = "Show stack traces of unexpected errors", Recursive = true };

        var recipeArg = new Argument<string?>("recipe") { Description = "Recipe to run (see 'telescope list')", Arity = ArgumentArity.ZeroOrOne };
        var quick = new Option<bool>("--quick") { Description = "Use the recipe's quick-mode defaults (minutes on 2 CPU cores)" };
        var set = new Option<string[]>("--set") { Description = "Override a setting, e.g. --set lr=0.01 (repeatable; lists comma-separated)", HelpName = "key=value" };
        var outOption = new Option<string?>("--out") { Description = "Run folder to create (default: runs/<recipe>-<yyyyMMdd-HHmmss>)", HelpName = "DIR" };
        var force = new Option<bool>("--force") { Description = "Replace an existing non-empty --out folder once the run succeeds" };
        var data = new Option<string?>("--data") { Description = $"Data folder (default: ${RecipeRunner.DataEnvironmentVariable})", HelpName = "DIR" };
        var config = new Option<string?>("--config") { Description = "Repeat a run from its config.json (--set still applies on top)", HelpName = "FILE" };
        var shard = new Option<string?>("--shard") { Description = "Run only share i of N of the recipe's independent sub-runs (0-based); combine the N folders with 'telescope merge'", HelpName = "i/N" };

        var run = new Command("run", "Run a recipe and write a run folder (config, metrics, figures, summary, report)");
        run.Arguments.Add(recipeArg);
        foreach (var o in new Option[] { quick, set, outOption, force, data, config, shard }) run.Options.Add(o);
        run.SetAction(p => Guard(ui, p.GetValue(verbose), () =>
        {
            var request = new RunRequest
            {
                Recipe = p.GetValue(recipeArg),
                Quick = p.GetValue(quick),
                Assignments = p.GetValue(set) ?? [],
                Out = p.GetValue(outOption),
                Force = p.GetValue(force),
                DataDirectory = p.GetValue(data),
                ConfigPath = p.GetValue(config),
                Shard = p.GetValue(shard) is { } text ? RunShard.Parse(text) : null,
            };
            var result = ui.WithProgress(progress => RecipeRunner.Run(catalog, request, progress, ct, ui.Warning));
            ui.Success($"Run finished in {result.Elapsed.TotalSeconds:0.0} s: {result.Folder}");
        }));

        var partialArg = new Argument<string>("folder") { Description = "The partial folder of an interrupted run (<out>.partial-<id>)" };
        var resumeForce = new Option<bool>("--force") { Description = "Replace an existing non-empty target folder once the run succeeds" };
        var resumeData = new Option<string?>("--data") { Description = $"Data folder (default: ${RecipeRunner.DataEnvironmentVariable}, then the one in config.json)", HelpName = "DIR" };
        var resume = new Command("resume", "Continue an interrupted run from its last checkpoint and commit its folder");
        resume.Arguments.Add(partialArg);
        resume.Options.Add(resumeForce);
        resume.Options.Add(resumeData);
        resume.SetAction(p => Guard(ui, p.GetValue(verbose), () =>
        {
            var result = ui.WithProgress(progress => RecipeRunner.Resume(catalog, p.GetValue(partialArg)!, progress, ct, ui.Warning,
                p.GetValue(resumeForce), p.GetValue(resumeData)));
            ui.Success($"Run finished ({result.Elapsed.TotalSeconds:0.0} s since the resume): {result.Folder}");
        }));

        var shardsArg = new Argument<string[]>("shards") { Description = "The finished folders of all N shards", Arity = ArgumentArity.OneOrMore };
        var mergeOut = new Option<string>("--out") { Description = "Run folder to create", HelpName = "DIR", Required = true };
        var mergeForce = new Option<bool>("--force") { Description = "Replace an existing non-empty --out folder" };
        var merge = new Command("merge", "Combine the folders of a sharded run (--shard i/N) into the folder an unsharded run writes");
        merge.Arguments.Add(shardsArg);
        merge.Options.Add(mergeOut);
        merge.Options.Add(mergeForce);
        merge.SetAction(p => Guard(ui, p.GetValue(verbose), () =>
        {
            var result = ui.WithProgress(progress => RecipeRunner.Merge(catalog, p.GetValue(shardsArg)!, p.GetValue(mergeOut)!, progress,
                p.GetValue(mergeForce), ui.Warning));
            ui.Success($"Merged in {result.Elapsed.TotalSeconds:0.0} s: {result.Folder}");
        }));

        var reproduce = BuildReproduceCommand(catalog, ui, verbose, ct);

        var recordArg = new Argument<string[]>("folders") { Description = "Finished run folders without a tool-written RUN.md", Arity = ArgumentArity.OneOrMore };
        var record = new Command("record", "Write RUN.md for finished run folders that predate it, from their config.json and summary.json");
        record.Arguments.Add(recordArg);
        record.SetAction(p => Guard(ui, p.GetValue(verbose), () =>
        {
            foreach (var folder in p.GetValue(recordArg)!) ui.Success(RunRecordAfterwards.Write(catalog, folder));
        }));

        var list = new Command("list", "List the recipes");
        list.SetAction(p => Guard(ui, p.GetValue(verbose), () => ui.ListRecipes(catalog)));

        var describeArg = new Argument<string>("recipe") { Description = "Recipe to describe" };
        var describe = new Command("describe", "Show a recipe's settings with defaults and quick-mode values");
        describe.Arguments.Add(describeArg);
        describe.SetAction(p => Guard(ui, p.GetValue(verbose), () => ui.Describe(catalog.Get(p.GetValue(describeArg)!))));

        // A plain Command named "telescope" (not RootCommand, which takes the assembly's name, Telescope.Cli)
        // so that help and usage show the command users type.
        var root = new Command("telescope", "Telescope: deep learning through a telescoping lens (Jeffares, Curth, van der Schaar, NeurIPS 2024)");
        root.Options.Add(new System.CommandLine.Help.HelpOption());
        root.Options.Add(new VersionOption());
        root.Options.Add(verbose);
        root.Subcommands.Add(run);
        root.Subcommands.Add(resume);
        root.Subcommands.Add(merge);
        root.Subcommands.Add(reproduce);
        root.Subcommands.Add(record);
        root.Subcommands.Add(list);
        root.Subcommands.Add(describe);
        return root;
    }

    private static Command BuildReproduceCommand(RecipeCatalog catalog, CliOutput ui, Option<bool> verbose, CancellationToken ct)
    {
        var scale = new Option<string>("--scale") { Description = "quick: every recipe's --quick values (well under 2 hours on 2 cores); full: their full defaults", DefaultValueFactory = _ => "quick" };
        var outOption = new Option<string>("--out") { Description = "Root folder of the run folders and the index", HelpName = "DIR", DefaultValueFactory = _ => "results" };
        var shard = new Option<string?>("--shard") { Description = "Run share i of N of every recipe's sub-runs into <folder>.shards/shard-i (0-based); then --merge N", HelpName = "i/N" };
        var mergeCount = new Option<int?>("--merge") { Description = "Merge the N shard folders of every run that --shard i/N wrote, then write the index", HelpName = "N" };
        var indexOnly = new Option<bool>("--index-only") { Description = "Only write the index (README.md, index.json) from the finished folders" };
        var data = new Option<string?>("--data") { Description = $"Data folder (default: ${RecipeRunner.DataEnvironmentVariable})", HelpName = "DIR" };
        var force = new Option<bool>("--force") { Description = "Run every recipe anew, replacing finished folders" };
        var only = new Option<string[]>("--only") { Description = "Run (or with --merge, merge) only these recipes of the plan (comma-separated); the index lists every finished one", HelpName = "recipe,…" };
        var command = new Command("reproduce", "Run the paper's case studies and the design-choice lens as one plan and index every finding's verdict (docs/reproduce.md)");
        foreach (var o in new Option[] { scale, outOption, shard, mergeCount, indexOnly, data, force, only }) command.Options.Add(o);
        command.SetAction(p => Guard(ui, p.GetValue(verbose), () =>
        {
            var reproduction = Reproduction.Of(catalog, p.GetValue(outOption)!, ReproducePlan.ParseScale(p.GetValue(scale)!));
            var recipes = p.GetValue(only) is { Length: > 0 } names
                ? names.SelectMany(n => n.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList() : null;
            if (p.GetValue(indexOnly)) reproduction.WriteIndex();
            else if (p.GetValue(mergeCount) is int n) ui.WithProgress(progress => { reproduction.MergeShards(n, progress, ui.Warning, recipes); return 0; });
            else
            {
                var share = p.GetValue(shard) is { } text ? RunShard.Parse(text) : RunShard.All;
                ui.WithProgress(progress => { reproduction.Run(share, p.GetValue(data), p.GetValue(force), progress, ct, ui.Warning, recipes); return 0; });
            }
            ui.Success(p.GetValue(shard) is { } s ? $"Shard {s} finished under {p.GetValue(outOption)}; merge the shards with --merge N."
                : $"Index written: {Path.Combine(p.GetValue(outOption)!, ReproduceIndex.ReadmeFileName)}");
        }));
        return command;
    }

    /// <summary>Maps exceptions to exit codes and one-line messages.</summary>
    private static int Guard(CliOutput ui, bool verbose, Action action)
    {
        try
        {
            action();
            return ExitSuccess;
        }
        catch (TelescopeException e)
        {
            ui.Error(e.Message);
            if (e.Hint is not null) ui.Hint(e.Hint);
            if (verbose) ui.Detail(e.ToString());
            return ExitUserError;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            // Missing, unreadable, truncated or corrupt files (data sets, configs): the user can fix these,
            // and the message already names the file.
            ui.Error(e.Message);
            ui.Hint("Check the file and the data folder (--data DIR or TELESCOPE_DATA); no run folder was written.");
            if (verbose) ui.Detail(e.ToString());
            return ExitUserError;
        }
        catch (RunInterruptedException e)
        {
            ui.Error($"Interrupted. The partial run folder was kept because it holds a checkpoint: {e.PartialFolder}");
            ui.Hint($"Continue it with: telescope resume {e.PartialFolder}");
            return ExitCancelled;
        }
        catch (OperationCanceledException)
        {
            ui.Error("Cancelled; no run folder was written.");
            return ExitCancelled;
        }
        catch (Exception e)
        {
            ui.Error($"Unexpected error ({e.GetType().Name}): {e.Message}");
            if (verbose) ui.Detail(e.ToString());
            else ui.Hint("Run again with --verbose to see the stack trace.");
            return ExitUnexpected;
        }
    }
}
