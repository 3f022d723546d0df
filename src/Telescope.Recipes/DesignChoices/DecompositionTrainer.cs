using Telescope.UpdateAnalysis;
using Telescope.Telescoping;

namespace Telescope.Recipes.DesignChoices;

/// <summary>Tensors shared by every MNIST sub-run (built once).</summary>
internal sealed record DecompositionData(Tensor TrainInputs, Tensor TrainLabels, Tensor TrainProbes, Tensor TrainProbeLabels,
    Tensor TestProbes, Tensor TestProbeLabels, Tensor KernelTrain, Tensor KernelTest, Tensor DriftProbes);

/// <summary>
/// Trains one MLP with cross-entropy from its seed's initialization and data order, keeping its telescoping model
/// on train and test probes with every update component tracked, and measures per step: the weight-decay
/// contribution against −s·L·f_{t−1}, momentum's share of the functional step and its blending decomposition,
/// every momentum window the Jacobian's drift along a fixed direction, and at kernel checkpoints the alignment of
/// Adam's preconditioned kernel with the plain one. Each logged point goes to metrics.csv as it is measured, and
/// before every step a checkpoint is offered: the model, optimizer, tracker, blending and drift state, the
/// weight-decay sums, the open log window's lists and the points so far (the batches are a pure function of the
/// seed and t, the drift direction and the projection check of the seed, so no generator state is needed).
/// </summary>
internal sealed class DecompositionTrainer(DecompositionData data, MlpOptions model, DesignChoicesSettings settings)
{
    /// <param name="run">The sub-run (empty; filled with its points).</param>
    /// <param name="keepTestOutputs">Keep f̃ and f on the test probes at every log point (the momentum comparison needs them).</param>
    /// <param name="logPoint">Writes a measured point's metrics.csv row.</param>
    public DecompositionRun Run(DecompositionRun run, int steps, bool keepTestOutputs, Action<DecompositionPoint> logPoint, SweepSubRun sub)
    {
        var state = sub.State();
        using var scope = torch.NewDisposeScope();
        int seed = (int)(run.Seed & int.MaxValue);
        var batches = new BatchSchedule(settings.TrainSize, settings.BatchSize, (ulong)run.Seed);
        var options = model with { Activation = run.Net.Activation, Bias = run.Net.Bias };
        var network = new Mlp(options, seed);
        var jvp = new ForwardModeJvp(network);
        using var tracker = new TelescopingTracker(jvp,
            [new TrackedSet("train", data.TrainProbes, data.TrainProbeLabels), new TrackedSet("test", data.TestProbes, data.TestProbeLabels)],
            new TelescopingOptions { TrackComponents = true, TrackLinearized = false });
        using var optimizer = run.Role == SubRunRole.Rescaled
            ? ExactOptimizers.Sgd(jvp.Parameters, run.LearningRate)
            : OptimizerChoice.Create(run.Optimizer, jvp.Parameters, run.LearningRate, settings.Optimizer);

        // The shrinkage identity applies where the decay is a scalar multiple of θ (a shrinkage coefficient exists): SGD (coupled)
        // and AdamW (decoupled); coupled Adam's decay passes through the preconditioner, so it is tracked as a component but not checked.
        bool hasDecay = WeightDecayShrinkage.Coefficient(optimizer) is not null;
        var heavyBall = optimizer as SgdOptimizer is { Options.Momentum: > 0, Options.Nesterov: false } sgd ? sgd : null;
        bool coupledSgdDecay = heavyBall is { Options.WeightDecay: > 0 };
        var adam = optimizer as AdamOptimizer;
        run.Degree = network.Layers.Count(l => l.weight!.requires_grad);
        run.Homogeneous = WeightDecayShrinkage.HomogeneityDegree(network) is not null;

        // Cumulative weight-decay contributions, measured and predicted (float64, outside the step scopes).
        var decaySums = hasDecay
            ? new[] { "test", "train" }.ToDictionary(s => s, s => (Measured: tracker.Initial(s).zero_().DetachFromDisposeScope(), Predicted: tracker.Initial(s).zero_().DetachFromDisposeScope()))
            : null;
        using var blendTest = heavyBall is null ? null : new MomentumBlending(heavyBall.Options.Momentum, tracker.Initial("test"));
        int window = Math.Max(1, (int)Math.Round(1 / (1 - settings.Optimizer.Momentum)));
        using var drift = new JacobianDrift(jvp, data.DriftProbes, (ulong)seed ^ 0xD81F7UL);
        double lastDrift = double.NaN;
        var driftPerInput = new double[data.DriftProbes.shape[0]];
        int driftWindows = 0;
        var kernel = adam is null ? null : new PreconditionedMlpKernel(network);
        // Set at kernel checkpoints, which are log points (kernel_every is a multiple of log_every), and cleared by
        // the log: so it is always null at a step boundary and needs no place in a checkpoint.
        (double Train, double Test, double TrainCentered, double TestCentered)? alignment = null;

        var windowDecay = new List<double>();
        var windowShares = new List<(double Magnitude, double Projection)>();
        var losses = new LossWindow();
        state.Add("losses", losses).Add("points", run.Points).Add("telescoped_test", run.TelescopedTest).Add("network_test", run.NetworkTest)
            .Add("model", network).Add("optimizer", optimizer).Add("tracker", tracker).Add("blending", blendTest).Add("drift", drift)
            .Add("last_drift", () => lastDrift, v => lastDrift = v).Add("drift_windows", () => driftWindows, v => driftWindows = (int)v)
            .Add(s => SweepSubRun.SaveValue(s, "drift_per_input", driftPerInput), _ => sub.LoadValue<double[]>("drift_per_input").CopyTo(driftPerInput, 0))
            .Add("window_decay", windowDecay).Add("window_shares", windowShares);
        foreach (var (set, sums) in decaySums ?? [])
            state.Add($"decay/{set}/measured", sums.Measured).Add($"decay/{set}/predicted", sums.Predicted);
        if (sub.Resume is null)
        {
            drift.Measure();
            Record(0, double.NaN);
        }
        int first = state.Restore();
        // Created after a restore: they continue from the tracker's (restored) cumulative sums.
        using var incTrain = new ComponentIncrements(tracker, "train");
        using var incTest = new ComponentIncrements(tracker, "test");

        for (int t = first; t <= steps; t++)
        {
            state.SaveIfDue(t);
            sub.Cancel.ThrowIfCancellationRequested();
            using var stepScope = torch.NewDisposeScope();
            var index = torch.tensor(batches.Batch(t).ToArray(), dtype: ScalarType.Int64);
            var x = data.TrainInputs.index_select(0, index);
            var y = data.TrainLabels.index_select(0, index);
            // f_{θ_{t−1}} on the probes, for the homogeneous prediction of the weight-decay contribution.
            var previous = hasDecay ? new Dictionary<string, Tensor> { ["test"] = Forward(network, data.TestProbes), ["train"] = Forward(network, data.TrainProbes) } : null;
            optimizer.ZeroGrad();
            var loss = nn.functional.cross_entropy(network.forward(x), y);
            double lossValue = loss.to_type(ScalarType.Float64).item<double>();
            DivergenceException.ThrowIfNotFinite(lossValue, run.Label, t);
            loss.backward();
            tracker.Step(optimizer).Dispose();
            incTrain.Advance();
            incTest.Advance();

            if (hasDecay)
            {
                double s = WeightDecayShrinkage.Coefficient(optimizer)
                    ?? throw new InvalidOperationException($"{run.Label}: weight decay is not a scalar shrinkage.");
                foreach (var (set, increments) in new[] { ("test", incTest), ("train", incTrain) })
                {
                    var measured = increments.Step(UpdateComponent.WeightDecay);
                    var predicted = WeightDecayShrinkage.Predicted(previous![set], s, run.Degree);
                    if (set == "test") windowDecay.Add(WeightDecayShrinkage.RelativeDeviation(measured, predicted));
                    decaySums![set].Measured.add_(measured, TorchScalars.One);
                    decaySums[set].Predicted.add_(predicted, TorchScalars.One);
                }
            }
            if (incTest.Components.Contains(UpdateComponent.Momentum))
                windowShares.Add(CarriedShare.Of(incTest.Step(UpdateComponent.Momentum), incTest.Components.Select(incTest.Step).ToArray()));
            if (blendTest is not null)
            {
                // The current step's g = ∇ + λθ (coupled decay is blended by the buffer like the gradient).
                var current = incTest.Step(UpdateComponent.Gradient);
                if (coupledSgdDecay) current.add_(incTest.Step(UpdateComponent.WeightDecay), TorchScalars.One);
                blendTest.Add(current, incTest.StepTotal);
            }
            if (t % window == 0)
            {
                lastDrift = drift.Measure();
                for (int i = 0; i < driftPerInput.Length; i++) driftPerInput[i] += drift.LastPerInput[i];
                driftWindows++;
            }
            if (kernel is not null && (t % settings.KernelEvery == 0 || t == steps))
            {
                // K^T_t = J_t T_t J_tᵀ against K_t = J_t J_tᵀ on the train×train and test×train kernel probes.
                var pre = adam!.Preconditioners;
                alignment = Alignments(kernel.Compute(data.KernelTrain, data.KernelTrain, pre), kernel.Compute(data.KernelTrain, data.KernelTrain, null),
                    kernel.Compute(data.KernelTest, data.KernelTrain, pre), kernel.Compute(data.KernelTest, data.KernelTrain, null));
            }

            losses.Add(lossValue);
            if (t % settings.LogEvery == 0 || t == steps)
            {
                Record(t, losses.TakeMean());
                sub.Progress.SetStatus($"{run.Label}  step {t}  loss {run.Points[^1].Loss:G3}");
            }
            sub.Progress.Advance();
        }
        foreach (var set in new[] { "train", "test" })
            foreach (var c in tracker.Components)
                run.FinalContributions[DecompositionRun.ContributionKey(set, c)] = tracker.ComponentContribution(set, c).flatten().data<double>().ToArray();
        run.MeanDriftPerInput = driftPerInput.Select(v => driftWindows > 0 ? v / driftWindows : double.NaN).ToArray();
        if (kernel is not null) run.Projection = ProjectionCheckOf(run, jvp, kernel, adam!);
        if (decaySums is not null) foreach (var (m, p) in decaySums.Values) { m.Dispose(); p.Dispose(); }
        run.WallTime = state.Clock.Wall;
        return run;

        void Record(int step, double loss)
        {
            using var s = torch.NewDisposeScope();
            var metrics = tracker.Measure();
            bool decay = decaySums is not null && step > 0;
            double? change = blendTest is not null && step > 0 ? blendTest.Change().norm().item<double>() : null;
            var point = new DecompositionPoint(step, loss, SetPointOf(tracker, metrics, "train"), SetPointOf(tracker, metrics, "test"),
                DecayStepDeviationMax: decay ? windowDecay.Max() : null,
                DecayStepDeviationMean: decay ? windowDecay.Average() : null,
                DecayCumulativeDeviation: decay ? WeightDecayShrinkage.RelativeDeviation(decaySums!["test"].Measured, decaySums["test"].Predicted) : null,
                DecayCumulativeDeviationTrain: decay ? WeightDecayShrinkage.RelativeDeviation(decaySums!["train"].Measured, decaySums["train"].Predicted) : null,
                CarriedMagnitude: windowShares.Count > 0 ? windowShares.Average(w => w.Magnitude) : null,
                CarriedProjection: windowShares.Count > 0 ? windowShares.Average(w => w.Projection) : null,
                BlendingJacobianRelative: change is double c ? blendTest!.JacobianChangeTerm().norm().item<double>() / c : null,
                BlendingUndeliveredRelative: change is double u ? blendTest!.UndeliveredTerm().norm().item<double>() / u : null,
                JacobianDrift: step > 0 && !double.IsNaN(lastDrift) ? lastDrift : null,
                AlignmentTrain: alignment?.Train, AlignmentTest: alignment?.Test,
                AlignmentTrainCentered: alignment?.TrainCentered, AlignmentTestCentered: alignment?.TestCentered);
            run.Points.Add(point);
            logPoint(point);
            if (keepTestOutputs)
            {
                run.TelescopedTest.Add(tracker.Telescoped("test").flatten().data<double>().ToArray());
                run.NetworkTest.Add(Forward(network, data.TestProbes).to_type(ScalarType.Float64).flatten().data<double>().ToArray());
            }
            windowDecay.Clear();
            windowShares.Clear();
            alignment = null;
        }
    }

    private static Tensor Forward(Mlp network, Tensor x)
    {
        using var noGrad = torch.no_grad();
        return network.forward(x).detach();
    }

    /// <summary>Alignment of K^T with K on a train×train and a test×train block, plain and double-centered.</summary>
    internal static (double Train, double Test, double TrainCentered, double TestCentered) Alignments(Tensor trainT, Tensor train, Tensor testT, Tensor test) =>
        (KernelAlignment.Compute(trainT, train), KernelAlignment.Compute(testT, test), KernelAlignment.Centered(trainT, train), KernelAlignment.Centered(testT, test));

    /// <summary>The random-projection estimate of the final test×train K^T block against the exact per-layer value.</summary>
    private ProjectionCheck ProjectionCheckOf(DecompositionRun run, ForwardModeJvp jvp, PreconditionedMlpKernel kernel, AdamOptimizer adam)
    {
        using var scope = torch.NewDisposeScope();
        var exact = kernel.Compute(data.KernelTest, data.KernelTrain, adam.Preconditioners).to_type(ScalarType.Float64);
        var (estimate, se) = ProjectedKernelEstimate.Compute(jvp, data.KernelTest, data.KernelTrain, adam.Preconditioners,
            settings.KernelDirections, (ulong)(run.Seed & int.MaxValue) ^ 0x9E37UL);
        var z = (estimate - exact).abs() / se;
        using var three = 3.ToScalar();
        return new ProjectionCheck(settings.KernelDirections, z.mean().item<double>(),
            z.gt(three).to_type(ScalarType.Float64).mean().item<double>(),
            se.mean().item<double>() / exact.abs().mean().item<double>(), KernelAlignment.Compute(estimate, exact));
    }

    private static SetPoint SetPointOf(TelescopingTracker tracker, IReadOnlyList<ApproximationMetrics> metrics, string set)
    {
        var m = metrics.Single(x => x.Set == set);
        var change = tracker.Telescoped(set) - tracker.Initial(set);
        double changeSquare = change.pow(TorchScalars.Two).sum().item<double>();
        var abs = new Dictionary<string, double>();
        var projection = new Dictionary<string, double>();
        Tensor? sum = null;
        foreach (var c in tracker.Components)
        {
            var contribution = tracker.ComponentContribution(set, c);
            abs[c] = contribution.abs().mean().item<double>();
            projection[c] = changeSquare > 0 ? (contribution * change).sum().item<double>() / changeSquare : double.NaN;
            sum = sum is null ? contribution : sum.add(contribution, TorchScalars.One);
        }
        double gap = sum is null ? 0 : (sum - change).abs().max().item<double>();
        return new SetPoint(m.ErrAbsTelescoping, m.MeanFunctionChange, m.AccNetwork, abs, projection, gap);
    }
}
