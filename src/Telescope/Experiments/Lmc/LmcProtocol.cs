using System.Diagnostics;
using Telescope.Autodiff;
using Telescope.Connectivity;
using Telescope.Data;
using Telescope.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Experiments.Lmc;

/// <summary>
/// The spawn protocol of one arm (SPEC §5): one parent trained up to the last spawn step, a snapshot at every t′,
/// two children per t′ trained to T with their own data-order and augmentation seeds, then the path, gradient
/// change and linearization measurements. The pretrained arm first trains the parent on the disjoint pretraining
/// subset and re-initializes its classifier.
/// </summary>
internal sealed class LmcProtocol(LmcSetup setup, ImageClassifierData train, ImageClassifierData pretrain, ImageClassifierData test,
    Tensor probes, Tensor statisticsImages, ulong seed, IProgressTask progress, CancellationToken cancel)
{
    private readonly List<CurvePoint> _curves = [];
    private int _steps;
    private double _trainSeconds;

    /// <summary>Optimizer steps an arm takes (for the progress bar).</summary>
    public static long StepsOf(LmcSetup setup, string arm) =>
        (arm == "pretrained" ? setup.Pretraining.Steps : 0) + setup.SpawnSteps.Max() + setup.SpawnSteps.Sum(t => 2L * (setup.Training.Steps - t));

    public LmcArmResult Run(string arm)
    {
        var measureClock = new Stopwatch();
        var net = new ResNet(setup.Model, setup.ModelSeed);
        var probeNet = new ResNet(setup.Model, setup.ModelSeed);
        double pretrainAccuracy = double.NaN;
        if (arm == "pretrained")
        {
            using (var pre = ClassifierRun.Start(net, pretrain, setup.Pretraining, Seeds(arm, "pretrain")))
                Train(pre, setup.Pretraining.Steps, $"{arm}_pretrain");
            pretrainAccuracy = ClassifierEvaluation.Evaluate(net, test).Accuracy;
            net.ResetClassifier(setup.ModelSeed + 1);
        }

        var snapshots = new Dictionary<int, TrainingSnapshot>();
        try
        {
            using (var parent = ClassifierRun.Start(net, train, setup.Training, Seeds(arm, "parent")))
            {
                foreach (int t in setup.SpawnSteps.Order())
                {
                    Train(parent, t, $"{arm}_parent");
                    snapshots[t] = parent.Snapshot();
                }
            }
            var groups = ParameterGroup.FromModules(new TrainableParameters(probeNet), probeNet.LayerGroups);
            var results = new List<LmcSpawnResult>();
            foreach (int t in setup.SpawnSteps)
            {
                var start = _trainSeconds;
                using var trainedChild1 = TrainChild(net, snapshots[t], arm, t, 1);
                var own1 = ClassifierEvaluation.Evaluate(net, test);
                using var trainedChild2 = TrainChild(net, snapshots[t], arm, t, 2);
                var own2 = ClassifierEvaluation.Evaluate(net, test);
                double trainSeconds = _trainSeconds - start;

                measureClock.Restart();
                // Every network whose function or Jacobian is measured gets the same BatchNorm treatment as θ(α).
                using var snapshotState = NetworkState.Of(snapshots[t]);
                using var spawn = ForMeasurement(net, snapshotState);
                using var child1 = ForMeasurement(net, trainedChild1);
                using var child2 = ForMeasurement(net, trainedChild2);
                progress.SetStatus($"{arm} t′={t}: interpolation path");
                var path = new InterpolationPath(net, statisticsImages, setup.BatchNorm, setup.Training.BatchSize, setup.BatchNormBatches);
                var points = path.Evaluate(child1, child2, setup.Alphas, test);
                path.Load(child1, child2, 0.5);
                using var midpoint = ClassifierEvaluation.Logits(net, probes);

                progress.SetStatus($"{arm} t′={t}: gradient change ({setup.GradientMethod})");
                var tp = new TrainableParameters(probeNet);
                ModuleState.Load(tp, probeNet, spawn.Parameters, spawn.Buffers);
                ModuleState.Load(new TrainableParameters(net), net, child1.Parameters, child1.Buffers);
                var change = GradientChange.Measure(probeNet, net, probes, groups, setup.GradientMethod, setup.Directions, seed ^ (ulong)t);

                progress.SetStatus($"{arm} t′={t}: linearization at the spawn point");
                var linearization = SpawnLinearization.Measure(net, spawn, child1, child2, midpoint, probes);
                measureClock.Stop();
                results.Add(new LmcSpawnResult(arm, t, points, own1, own2, change, linearization, trainSeconds, measureClock.Elapsed.TotalSeconds));
                cancel.ThrowIfCancellationRequested();
            }
            return new LmcArmResult(arm, results, _curves, _steps, _trainSeconds, results.Sum(r => r.MeasureSeconds), pretrainAccuracy);
        }
        finally
        {
            foreach (var s in snapshots.Values) s.Dispose();
        }
    }

    /// <summary>
    /// The state with BatchNorm statistics recomputed on the statistics batches (bn_mode = recompute), as for θ(α):
    /// at t′ = 0 the running statistics are still the initial 0/1, which describe no data. Otherwise a copy.
    /// </summary>
    private NetworkState ForMeasurement(ResNet net, NetworkState state)
    {
        var parameters = new TrainableParameters(net);
        ModuleState.Load(parameters, net, state.Parameters, state.Buffers);
        if (setup.BatchNorm == BatchNormMode.Recompute)
            BatchNormStatistics.Recompute(net, statisticsImages, setup.Training.BatchSize, setup.BatchNormBatches);
        return new NetworkState(parameters.CloneValues().Select(x => x.DetachFromDisposeScope()).ToArray(), ModuleState.CloneBuffers(net));
    }

    private NetworkState TrainChild(ResNet net, TrainingSnapshot snapshot, string arm, int t, int child)
    {
        using var run = ClassifierRun.Spawn(net, train, setup.Training, snapshot, Seeds(arm, $"t={t}_child={child}"));
        Train(run, setup.Training.Steps, $"{arm}_t={t}_child={child}");
        return new NetworkState(run.Parameters.CloneValues().Select(x => x.DetachFromDisposeScope()).ToArray(), ModuleState.CloneBuffers(net));
    }

    private void Train(ClassifierRun run, int until, string name)
    {
        var clock = Stopwatch.StartNew();
        double sum = 0;
        int count = 0;
        progress.SetStatus($"training {name}");
        while (run.Step < until)
        {
            cancel.ThrowIfCancellationRequested();
            sum += run.TrainStep(name);
            count++;
            _steps++;
            progress.Advance();
            if (run.Step % setup.LogEvery == 0 || run.Step == until)
            {
                _curves.Add(new CurvePoint(name, run.Step, sum / count, run.LastLearningRate));
                sum = 0;
                count = 0;
            }
        }
        _trainSeconds += clock.Elapsed.TotalSeconds;
    }

    /// <summary>Independent data-order and augmentation seeds per (arm, role), hashed from the run seed.</summary>
    private SpawnSeeds Seeds(string arm, string role)
    {
        ulong h = seed;
        foreach (char c in $"{arm}/{role}") h = (h ^ c) * 0x100000001B3UL;   // FNV-1a style mix of the name
        var rng = new SplitMix64(h);
        return new SpawnSeeds(rng.NextUInt64(), rng.NextUInt64());
    }
}
