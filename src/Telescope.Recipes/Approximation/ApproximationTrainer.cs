using Telescope.Telescoping;

namespace Telescope.Recipes.Approximation;

/// <summary>Tensors shared by every sub-run of the sweep (built once).</summary>
internal sealed record ApproximationData(Tensor TrainInputs, Tensor TrainLabels, Tensor TestProbes, Tensor TestLabels,
    Tensor TrainProbes, Tensor TrainProbeLabels);

/// <summary>
/// Trains one network with cross-entropy from its seed's initialization and data order, keeping its
/// telescoping model on the test and train probes, and logs the docs/method.md §2 metrics every few steps (each row
/// goes to metrics.csv as soon as it is measured). Before every step it offers a checkpoint: the sub-run's
/// model, optimizer and tracker state, its position t in the data order (the batches are a pure function of
/// the seed and t, so no generator state is needed), the loss accumulators and the points so far.
/// </summary>
internal sealed class ApproximationTrainer(MlpOptions model, ApproximationSettings settings)
{
    /// <param name="run">The sub-run (empty; filled with its points).</param>
    public SubRun Run(SubRun run, ApproximationData data, SweepSubRun sub)
    {
        var state = sub.State();
        using var scope = torch.NewDisposeScope();
        // The run's own seed draws its initialization and its batch order (a pure function of the seed and t).
        var network = new Mlp(model, (int)(run.Seed & int.MaxValue));
        var batches = new BatchSchedule(settings.TrainSize, settings.BatchSize, (ulong)run.Seed);
        IJvpEngine jvp = settings.Engine == "forward" ? new ForwardModeJvp(network) : new DoubleBackwardJvp(network);
        var sets = new List<TrackedSet> { new("test", data.TestProbes, data.TestLabels) };
        if (data.TrainProbes.shape[0] > 0) sets.Add(new("train", data.TrainProbes, data.TrainProbeLabels));
        // The decomposition costs one JVP tangent per component, so by default only the runs shown in the
        // per-step figures pay for it.
        bool trackComponents = settings.Components == "all" || (settings.Components == "default" && run.IsDefault);
        using var tracker = new TelescopingTracker(jvp, sets, new TelescopingOptions { Stride = settings.Stride, TrackComponents = trackComponents });
        using var optimizer = OptimizerChoice.Create(run.Optimizer, jvp.Parameters, run.LearningRate, settings.Optimizer);
        optimizer.IncludeComponents = trackComponents;

        var (progress, csv, cancel) = (sub.Progress, sub.Metrics, sub.Cancel);
        var losses = new LossWindow();
        state.Add("losses", losses).Add("points", run.Points).Add("model", network).Add("optimizer", optimizer).Add("tracker", tracker);
        if (sub.Resume is null) Log(Measure(tracker, 0, double.NaN));
        for (int t = state.Restore(); t <= settings.Steps; t++)
        {
            state.SaveIfDue(t);   // t is the next step to take: θ is θ_{t-1}
            cancel.ThrowIfCancellationRequested();
            using var stepScope = torch.NewDisposeScope();
            var batch = torch.tensor(batches.Batch(t).ToArray(), dtype: ScalarType.Int64);
            var x = data.TrainInputs.index_select(0, batch);
            var y = data.TrainLabels.index_select(0, batch);
            optimizer.ZeroGrad();
            var loss = nn.functional.cross_entropy(network.forward(x), y);
            double lossValue = loss.to_type(ScalarType.Float64).item<double>();
            if (!double.IsFinite(lossValue))
            {
                if (settings.StopOnDivergence) DivergenceException.ThrowIfNotFinite(lossValue, run.Label, t);
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
                if (settings.StopOnDivergence)
                    throw new TelescopeException($"Sub-run {run.Label}: {e.Message}", e)
                    { Hint = "Lower the learning rate, or --set stop_on_divergence=false to record the sub-run as diverged and go on." };
                run.Diverged = t;
                break;
            }
            losses.Add(lossValue);
            if (t % settings.LogEvery == 0 || t == settings.Steps)
            {
                Log(Measure(tracker, t, losses.TakeMean()));
                progress.SetStatus($"{run.Label}  loss {run.Points[^1].Loss:G3}  |f−f̃| {run.Points[^1].Test.ErrAbsTelescoping:G2}");
            }
            progress.Advance();
        }
        run.WallTime = state.Clock.Wall;
        return run;

        void Log(ApproximationPoint point)
        {
            run.Points.Add(point);
            ApproximationOutput.WritePoint(csv, run, point);
        }
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
