using Telescope.Reporting;
using Telescope.Runs;

namespace Telescope.Tests.Cli;

/// <summary>A small recipe that uses every part of the run-folder API (test-only; not in the product).</summary>
internal sealed class TinyRecipe : IRecipe
{
    public string Name => "tiny";
    public string Description => "Fits y = 2x by gradient descent (test recipe)";

    public RecipeSettings CreateSettings(bool quick) => new RecipeSettings(quick)
        .AddInt("steps", 50, "Gradient steps", quick: 10, min: 1)
        .AddDouble("lr", 0.1, "Learning rate", min: 0)
        .AddDoubleList("lrs", [0.05, 0.1], "Learning rates for the sweep");

    public void Run(RunContext context)
    {
        var s = context.Settings;
        int steps = s.GetInt("steps");
        var rng = new Random((int)context.Seed);
        var metrics = context.Folder.OpenMetrics(["loss"]);
        var chart = new LineChart { Title = "Loss", XLabel = "step", YLabel = "loss", LogY = true };
        var finalLoss = new Dictionary<string, double>();
        using var progress = context.Progress.Start("sweep", s.GetDoubleList("lrs").Count * steps);
        foreach (double lr in s.GetDoubleList("lrs"))
        {
            string run = $"lr={lr}";
            double w = rng.NextDouble();
            var xs = new List<double>();
            var ys = new List<double>();
            for (int t = 0; t < steps; t++)
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                double loss = (w - 2) * (w - 2);
                DivergenceException.ThrowIfNotFinite(loss, run, t);
                metrics.WriteRow(run, t, loss);
                xs.Add(t);
                ys.Add(loss);
                w -= lr * 2 * (w - 2);
                progress.Advance();
            }
            chart.AddSeries(run, xs, ys);
            finalLoss[run] = ys[^1];
        }
        var figure = context.Folder.SaveFigure(chart, "loss");
        context.Folder.WriteSummary(new { final_loss = finalLoss, seed = context.Seed });
        context.Folder.WriteReport(context.CreateReport("Tiny", [("loss", "(w − 2)²")])
            .Heading("Result").Figure(figure, "Loss per step").ToString());
    }
}

/// <summary>Writes something, then fails with a user error.</summary>
internal sealed class UserErrorRecipe : IRecipe
{
    public string Name => "user-error";
    public string Description => "Fails with a TelescopeException (test recipe)";
    public RecipeSettings CreateSettings(bool quick) => new(quick);

    public void Run(RunContext context)
    {
        context.Folder.OpenMetrics(["loss"]).WriteRow("a", 0, 1.0);
        throw new TelescopeException("The test recipe failed on purpose.") { Hint = "Nothing to do; this is a test." };
    }
}

/// <summary>Fails with an unexpected exception.</summary>
internal sealed class CrashRecipe : IRecipe
{
    public string Name => "crash";
    public string Description => "Throws InvalidOperationException (test recipe)";
    public RecipeSettings CreateSettings(bool quick) => new(quick);
    public void Run(RunContext context) => throw new InvalidOperationException("boom");
}

/// <summary>Simulates Ctrl+C in the middle of a run.</summary>
internal sealed class CancelRecipe(CancellationTokenSource source) : IRecipe
{
    public string Name => "cancel";
    public string Description => "Cancels itself halfway (test recipe)";
    public RecipeSettings CreateSettings(bool quick) => new(quick);

    public void Run(RunContext context)
    {
        context.Folder.WriteText("half.txt", "half");
        source.Cancel();
        context.CancellationToken.ThrowIfCancellationRequested();
    }
}
