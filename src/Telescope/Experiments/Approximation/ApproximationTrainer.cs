using System.Diagnostics;
using Telescope.Autodiff;
using Telescope.Models;
using Telescope.Optim;
using Telescope.Telescoping;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Experiments.Approximation;

/// <summary>Tensors shared by every sub-run of the sweep (built once).</summary>
internal sealed record ApproximationData(Tensor TrainInputs, Tensor TrainLabels, Tensor TestProbes, Tensor TestLabels,
    Tensor TrainProbes, Tensor TrainProbeLabels);

/// <summary>
/// Trains one network with cross-entropy from the shared initialization and data order, keeping its
/// telescoping model on the test and train probes, and logs the SPEC §1 metrics every few steps.
/// </summary>
internal sealed class ApproximationTrainer(MlpOptions model, int seed, int steps, int logEvery, int stride,
    string engine, string components, bool divergenceStops, BatchSchedule batches)
{
    public void Run(SubRun run, ApproximationData data, RecipeSettings settings, IProgressTask progress,
        CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        using var scope = torch.NewDisposeScope();
        var network = new Mlp(model, seed);
        IJvpEngine jvp = engine == "forward" ? new ForwardModeJvp(network) : new DoubleBackwardJvp(network);
        var sets = new List<TrackedSet> { new("test", data.TestProbes, data.TestLabels) };
        if (data.TrainProbes.shape[0] > 0) sets.Add(new("train", data.TrainProbes, data.TrainProbeLabels));
        // The decomposition costs one JVP tangent per component, so by default only the runs shown in the
        // per-step figures pay for it.
        bool trackComponents = components == "all" || (components == "default" && run.IsDefault);
        using var tracker = new TelescopingTracker(jvp, sets, new TelescopingOptions { Stride = stride, TrackComponents = trackComponents });
        using var optimizer = OptimizerChoice.Create(run.Optimizer, jvp.Parameters, run.LearningRate, settings);
        optimizer.IncludeComponents = trackComponents;

        run.Points.Add(Measure(tracker, 0, double.NaN));
        double lossSum = 0;
        int lossCount = 0;
        for (int t = 1; t <= steps; t++)
        {
            cancel.ThrowIfCancellationRequested();
            using var stepScope = torch.NewDisposeScope();
            var index = torch.tensor(batches.Batch(t).ToArray(), dtype: ScalarType.Int64);
            var x = data.TrainInputs.index_select(0, index);
            var y = data.TrainLabels.index_select(0, index);
            optimizer.ZeroGrad();
            var loss = nn.functional.cross_entropy(network.forward(x), y);
            double lossValue = loss.to_type(ScalarType.Float64).item<double>();
            if (!double.IsFinite(lossValue))
            {
                if (divergenceStops) DivergenceException.ThrowIfNotFinite(lossValue, run.Label, t);
                run.Diverged = t;
                break;
            }
            loss.backward();
            try
            {
                tracker.Step(optimizer).Dispose();
            }
            catch (TelescopeException e)   // the tracker's only error: a non-finite telescoping update
            {
                if (divergenceStops)
                    throw new TelescopeException($"Sub-run {run.Label}: {e.Message}", e)
                    { Hint = "Lower the learning rate, or --set stop_on_divergence=false to record the sub-run as diverged and go on." };
                run.Diverged = t;
                break;
            }
            lossSum += lossValue;
            lossCount++;
            if (t % logEvery == 0 || t == steps)
            {
                run.Points.Add(Measure(tracker, t, lossSum / lossCount));
                lossSum = 0;
                lossCount = 0;
                progress.SetStatus($"{run.Label}  loss {run.Points[^1].Loss:G3}  |f−f̃| {run.Points[^1].Test.ErrAbsTelescoping:G2}");
            }
            progress.Advance();
        }
        run.WallTime = clock.Elapsed;
    }

    private static ApproximationPoint Measure(TelescopingTracker tracker, int step, double loss)
    {
        var metrics = tracker.Measure();
        var contributions = tracker.Components.ToDictionary(c => c, c =>
        {
            using var contribution = tracker.ComponentContribution("test", c);
            return contribution.abs().mean().item<double>();
        });
        return new ApproximationPoint(step, loss, metrics.Single(m => m.Set == "test"),
            metrics.SingleOrDefault(m => m.Set == "train"), contributions);
    }
}
