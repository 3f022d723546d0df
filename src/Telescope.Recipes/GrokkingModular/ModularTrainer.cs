using System.Diagnostics;
using Telescope.Autodiff;
using Telescope.Checkpointing;
using Telescope.Models;
using Telescope.Optim;
using Telescope.Recipes.Sensitivity;
using Telescope.Runs;
using Telescope.Smoothing;
using Telescope.Spectrum;
using Telescope.Telescoping;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Recipes.GrokkingModular;

/// <summary>
/// Trains one sub-run — the transformer on one training fraction with one weight decay from one seed — full batch
/// with AdamW on the cross-entropy, and at the logged steps measures train/test loss and accuracy, the telescoping
/// model f̃ on train and test probes (updated at every step with AdamW's exact update, docs/method.md §2), p_net
/// from the retraining members on soft targets (in lockstep; docs/recipes/grokking-modular.md) and the tangent
/// kernel's spectrum and alignment on probes (docs/method.md §11). Every row goes to metrics.csv as it is measured;
/// before every step a checkpoint is offered with the network, AdamW's state, f̃, the members and the spectrum's last
/// eigenvectors (full batch: no data order to store).
/// </summary>
internal sealed class ModularTrainer(GrokkingModularSettings s, ModularTask task)
{
    public ModularRun Run(ModularRun run, SweepSubRun sub)
    {
        var clock = Stopwatch.StartNew();
        using var scope = torch.NewDisposeScope();
        var dtype = s.Compute.DType;
        using var split = task.Split(run.Fraction, dtype, torch.device(s.Compute.DeviceName));
        var (train, test) = (split.Train, split.Test);
        run.TrainCount = train.Count;
        run.TestCount = test.Count;
        int modelSeed = (int)(run.Seed & int.MaxValue);
        var model = ModelOptions();
        var network = new Transformer(model, modelSeed);
        var jvp = new DoubleBackwardJvp(network);
        using var optimizer = CreateOptimizer(jvp.Parameters, run.WeightDecay);
        optimizer.IncludeComponents = false;

        using var telescoping = s.TelescopingProbes == 0 ? null : new TelescopingTracker(jvp,
        [
            new TrackedSet(RecipeSensitivity.Train, train.Head(s.TelescopingProbes).Inputs, train.Head(s.TelescopingProbes).Classes),
            new TrackedSet(RecipeSensitivity.Test, test.Head(s.TelescopingProbes).Inputs, test.Head(s.TelescopingProbes).Classes),
        ]);
        // The members: the same transformer from the same seed (θ_0), the same AdamW, full batch; soft targets Y ± σV_d.
        var tracked = new Dictionary<string, Tensor> { [RecipeSensitivity.Train] = train.Inputs, [RecipeSensitivity.Test] = test.Inputs };
        RetrainingRunFactory members = targets => new CrossEntropyRetrainingRun(new Transformer(model, modelSeed),
            m => CreateOptimizer(new TrainableParameters(m), run.WeightDecay), train.Inputs, targets, batch: null, tracked, Probabilities);
        using var sensitivity = new RecipeSensitivity(SensitivityOptions(modelSeed), stabilityIterations: 0, lossScale: 1, train.OneHot, members);
        using var spectrum = s.SpectrumProbes == 0 ? null : new KernelSpectrumTracker(network,
            new KernelProbes(train.Head(s.SpectrumProbes).Inputs, train.Head(s.SpectrumProbes).OneHot),
            new KernelProbes(test.Head(s.SpectrumProbes).Inputs, test.Head(s.SpectrumProbes).OneHot),
            new KernelSpectrumOptions { TopK = s.SpectrumTopK, Method = Method(s.SpectrumMethod), Seed = modelSeed, OutputCentered = s.SpectrumCentered }, jvp);
        run.Members = sensitivity.MemberCount;

        var (progress, csv, resume, cancel) = (sub.Progress, sub.Metrics, sub.Resume, sub.Cancel);
        var before = (run.WallSeconds, run.TrainSeconds, run.TelescopingSeconds, run.RetrainingSeconds, run.SpectrumSeconds);
        var trainClock = new Stopwatch();
        var telescopingClock = new Stopwatch();
        var spectrumClock = new Stopwatch();
        int first = 1;
        if (resume is not null)
        {
            first = sub.NextStep;
            run = sub.LoadValue<ModularRun>("run");
            before = (run.WallSeconds, run.TrainSeconds, run.TelescopingSeconds, run.RetrainingSeconds, run.SpectrumSeconds);
            ModuleState.Load(network, resume, SweepSubRun.Key("model/"));
            sub.Load("optimizer", optimizer);
            if (telescoping is not null) sub.Load("telescoping", telescoping);
            sensitivity.LoadState(resume, SweepSubRun.Key("sensitivity/"), first - 1);
            if (spectrum is not null) sub.Load("spectrum", spectrum);
            progress.Advance(first - 1);
        }
        void Totals()
        {
            run.WallSeconds = before.WallSeconds + clock.Elapsed.TotalSeconds;
            run.TrainSeconds = before.TrainSeconds + trainClock.Elapsed.TotalSeconds;
            run.TelescopingSeconds = before.TelescopingSeconds + telescopingClock.Elapsed.TotalSeconds;
            run.RetrainingSeconds = before.RetrainingSeconds + (sensitivity.RetrainingTime + sensitivity.RetrainingMeasureTime).TotalSeconds;
            run.SpectrumSeconds = before.SpectrumSeconds + spectrumClock.Elapsed.TotalSeconds;
        }

        var logSteps = new HashSet<int>(Grokking.LogSchedule.Steps(s.Steps, s.LogPerDecade, s.LogEvery));
        if (resume is null) Log(0);
        for (int t = first; t <= s.Steps; t++)
        {
            sub.SaveIfDue(t, state =>   // t is the next step: θ is θ_{t-1}
            {
                Totals();
                SweepSubRun.SaveValue(state, "run", run);
                ModuleState.Save(network, state, SweepSubRun.Key("model/"));
                SweepSubRun.Save(state, "optimizer", optimizer);
                if (telescoping is not null) SweepSubRun.Save(state, "telescoping", telescoping);
                SweepSubRun.Save(state, "sensitivity", sensitivity);
                if (spectrum is not null) SweepSubRun.Save(state, "spectrum", spectrum);
            });
            cancel.ThrowIfCancellationRequested();
            using (var stepScope = torch.NewDisposeScope())
            {
                trainClock.Start();
                optimizer.ZeroGrad();
                var loss = CrossEntropyRetrainingRun.CrossEntropyLoss(network.forward(train.Inputs), train.OneHot);
                DivergenceException.ThrowIfNotFinite(loss.to_type(ScalarType.Float64).item<double>(), run.Label, t);
                loss.backward();
                var update = optimizer.ComputeUpdate();
                trainClock.Stop();
                if (telescoping is not null)
                {
                    telescopingClock.Start();
                    telescoping.Record(update);   // at θ_{t-1}, before the update is applied
                    telescopingClock.Stop();
                }
                trainClock.Start();
                optimizer.Apply(update);
                update.Dispose();
                trainClock.Stop();
            }
            sensitivity.Step(t);
            if (logSteps.Contains(t)) Log(t);
            progress.Advance();
        }
        Totals();
        return run;

        void Log(int step)
        {
            var point = Evaluate(network, train, test, step);
            if (telescoping is not null)
            {
                telescopingClock.Start();
                var metrics = telescoping.Measure();
                telescopingClock.Stop();
                point = point with { TelescopingTrain = Telescoped(metrics, RecipeSensitivity.Train), TelescopingTest = Telescoped(metrics, RecipeSensitivity.Test) };
            }
            if (sensitivity.HasRetraining) point = point with { Sensitivity = RecordSensitivity(sensitivity, network, train, test, step) };
            if (spectrum is not null)
            {
                spectrumClock.Start();
                var log = spectrum.Log(step);
                spectrumClock.Stop();
                point = point with { Spectrum = new SpectrumPoint(log.Eigenvalues, log.TrainAlignment, log.TestAlignment, log.TopKEnergyShare, log.Rotation,
                    log.TrainAlignmentCentered, log.TestAlignmentCentered) };
            }
            run.Points.Add(point);
            GrokkingModularOutput.WritePoint(csv, run, point);
            progress.SetStatus(GrokkingModularOutput.StatusLine(run, point));
        }
    }

    private bool Probabilities => s.SensitivityOutput == "probabilities";

    /// <summary>p_net at a logged step, with the network's own predictions in the same space as the members' (for the curvature diagnostic).</summary>
    private SensitivityPoint RecordSensitivity(RecipeSensitivity sensitivity, Transformer network, ModularPart train, ModularPart test, int step)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        Tensor Predict(ModularPart part) => Probabilities ? nn.functional.softmax(network.forward(part.Inputs), 1) : network.forward(part.Inputs);
        return sensitivity.Record(step, null, new Dictionary<string, Tensor> { [RecipeSensitivity.Train] = Predict(train), [RecipeSensitivity.Test] = Predict(test) });
    }

    private TransformerOptions ModelOptions() => new()
    {
        VocabSize = task.VocabSize,
        ContextLength = 3,
        NumClasses = task.Modulus,
        ModelDim = s.ModelDim,
        Heads = s.Heads,
        Layers = s.Layers,
        MlpWidth = s.MlpWidth,
        LayerNorm = s.LayerNorm,
        DType = s.Compute.DType,
        Device = s.Compute.DeviceName,
    };

    private AdamOptimizer CreateOptimizer(TrainableParameters parameters, double weightDecay) =>
        ExactOptimizers.AdamW(parameters, s.LearningRate, s.Beta1, s.Beta2, epsilon: 1e-8, weightDecay: weightDecay);

    private RetrainingSensitivityOptions? SensitivityOptions(int modelSeed) => s.Sensitivity == "retraining"
        ? new RetrainingSensitivityOptions
        {
            Sigma = s.SensitivitySigma,
            DirectionCount = s.SensitivityDirections,
            Seed = modelSeed + 1,
            LinearityCheck = s.SensitivityLinearity,
            LinearityStandardErrors = s.SensitivityLinearitySe,
        }
        : null;

    private static KernelSpectrumMethod Method(string name) => name == "exact" ? KernelSpectrumMethod.Exact : KernelSpectrumMethod.Lanczos;

    /// <summary>Cross-entropy and accuracy of the network on the whole training and test sets.</summary>
    private static ModularPoint Evaluate(Transformer network, ModularPart train, ModularPart test, int step)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        (double Loss, double Accuracy) On(ModularPart part)
        {
            var logits = network.forward(part.Inputs);
            return (CrossEntropyRetrainingRun.CrossEntropyLoss(logits, part.OneHot).to_type(ScalarType.Float64).item<double>(),
                logits.argmax(1).eq(part.Classes).to_type(ScalarType.Float64).mean().item<double>());
        }
        var (trainLoss, trainAccuracy) = On(train);
        var (testLoss, testAccuracy) = On(test);
        return new ModularPoint(step, trainLoss, trainAccuracy, testLoss, testAccuracy);
    }

    private static TelescopingPoint Telescoped(IReadOnlyList<ApproximationMetrics> metrics, string set)
    {
        var m = metrics.Single(x => x.Set == set);
        return new TelescopingPoint(m.ErrAbsTelescoping, m.ErrRelTelescoping, m.ErrAbsLinear, m.MeanFunctionChange, m.AccTelescoping, m.AccLinear);
    }
}
