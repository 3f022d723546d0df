using Spectre.Console;
using Telescope.Cli;
using Telescope.Experiments;

Telescope.TorchRuntime.Configure();   // before anything loads LibTorch

// First Ctrl+C cancels the run cleanly (the recipe stops at its next check and the temporary run folder
// is removed); a second one ends the process the usual way.
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (cancellation.IsCancellationRequested) return;
    e.Cancel = true;
    cancellation.Cancel();
    Console.Error.WriteLine("Cancelling… (press Ctrl+C again to abort immediately)");
};

bool interactive = !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
return TelescopeCli.Invoke(args, RecipeCatalog.Default, Console.Out, Console.Error, cancellation.Token, interactive);
