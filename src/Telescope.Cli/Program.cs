using Spectre.Console;
using Telescope.Cli;
using Telescope.Recipes;

Telescope.TorchRuntime.Configure();   // before anything loads LibTorch

// First Ctrl+C or SIGTERM cancels the run cleanly: a recipe that checkpoints writes a checkpoint at its next
// step and the partial folder is kept for 'telescope resume'; otherwise the temporary folder is removed.
// A second Ctrl+C ends the process the usual way.
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (cancellation.IsCancellationRequested) return;
    e.Cancel = true;
    cancellation.Cancel();
    Console.Error.WriteLine("Cancelling… (press Ctrl+C again to abort immediately)");
};
// SIGTERM (kill, Slurm's time limit, Kubernetes pod eviction): same clean stop. Cancelling the context keeps the
// process alive until the command returns, so the checkpoint is written before the exit.
using var terminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(
    System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
    {
        context.Cancel = true;
        if (cancellation.IsCancellationRequested) return;
        cancellation.Cancel();
        Console.Error.WriteLine("SIGTERM received: stopping at the next step…");
    });

bool interactive = !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
Telescope.Runs.RunRecord.CommandLine = Telescope.Runs.RunRecord.FormatCommand("telescope", args);   // RUN.md quotes it
return TelescopeCli.Invoke(args, BuiltInRecipes.Catalog, Console.Out, Console.Error, cancellation.Token, interactive);
