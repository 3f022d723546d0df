using Telescope.Autodiff;
using Telescope.Checkpointing;
using Telescope.Data;
using Telescope.Optim;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Connectivity;

/// <summary>
/// One training run of an image classifier that can be snapshotted at any step and spawned from a snapshot
/// (docs/method.md §7, linear mode connectivity). Each step draws its batch from a seeded epoch permutation
/// (<see cref="BatchSchedule"/>, the data-order seed), augments it with crop + flip from a separate generator
/// (<see cref="RandomCropFlip"/>, the augmentation seed), and takes one SGD step (momentum, coupled weight decay,
/// warm-up + step decay) on the mean cross-entropy in training mode.
/// </summary>
/// <example>
/// <code>
/// using var parent = ClassifierRun.Start(net, train, options, new SpawnSeeds(1, 2));
/// while (parent.Step &lt; 100) parent.TrainStep();
/// var at100 = parent.Snapshot();
/// using var child = ClassifierRun.Spawn(net2, train, options, at100, new SpawnSeeds(3, 4));  // different streams
/// </code>
/// </example>
public sealed class ClassifierRun : ICheckpointable, IDisposable
{
    private readonly nn.Module<Tensor, Tensor> _model;
    private readonly ImageClassifierData _data;
    private readonly SgdOptimizer _optimizer;
    private readonly BatchSchedule _batches;
    private readonly RandomCropFlip _augment;
    private readonly ulong _dataOrderSeed;
    private readonly bool _augmentOn;

    private ClassifierRun(nn.Module<Tensor, Tensor> model, ImageClassifierData data, ClassifierTrainingOptions options,
        ulong dataOrderSeed, RandomCropFlip augment, bool augmentOn)
    {
        options.Validate();
        // A CPU whose convolution kernels return wrong gradients must not train a CNN silently (docs/numerics.md).
        if (model.modules().Any(m => m is TorchSharp.Modules.Conv2d)) ConvolutionGradientCheck.EnsurePassed();
        _model = model;
        _data = data;
        Options = options;
        Parameters = new TrainableParameters(model);
        _optimizer = ExactOptimizers.Sgd(Parameters, options.Schedule(), momentum: options.Momentum, weightDecay: options.WeightDecay);
        _optimizer.IncludeComponents = false;
        _batches = new BatchSchedule(data.Count, options.BatchSize, dataOrderSeed);
        _dataOrderSeed = dataOrderSeed;
        _augment = augment;
        _augmentOn = augmentOn;
    }

    /// <summary>A fresh run from the model's current parameters at step 0.</summary>
    /// <param name="augment">Crop + flip augmentation (off: the raw images, e.g. for tests).</param>
    public static ClassifierRun Start(nn.Module<Tensor, Tensor> model, ImageClassifierData data, ClassifierTrainingOptions options,
        SpawnSeeds seeds, bool augment = true) =>
        new(model, data, options, seeds.DataOrder, new RandomCropFlip(seeds.Augmentation), augment);

    /// <summary>
    /// A child continuing from <paramref name="snapshot"/>: parameters, buffers and the optimizer's state (momentum,
    /// step count) are loaded into <paramref name="model"/> (same architecture as the parent's). With
    /// <paramref name="seeds"/> null the child keeps the parent's data order and augmentation stream (and so reproduces
    /// the parent's continuation exactly); otherwise it draws both from the given seeds.
    /// </summary>
    public static ClassifierRun Spawn(nn.Module<Tensor, Tensor> model, ImageClassifierData data, ClassifierTrainingOptions options,
        TrainingSnapshot snapshot, SpawnSeeds? seeds, bool augment = true)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (snapshot.Step >= options.Steps)
            throw new TelescopeException($"Cannot spawn at step {snapshot.Step}: the run ends at T = {options.Steps}.")
            { Hint = "Spawn steps must lie in [0, T)." };
        ulong dataOrder = seeds?.DataOrder ?? (ulong)snapshot.State.GetLong(DataOrderKey);
        var run = new ClassifierRun(model, data, options, dataOrder, new RandomCropFlip(seeds?.Augmentation ?? 0), augment);
        run.LoadCore(snapshot.State, "", streams: seeds is null);
        return run;
    }

    public ClassifierTrainingOptions Options { get; }
    public TrainableParameters Parameters { get; }
    /// <summary>Steps taken (t).</summary>
    public int Step => _optimizer.StepCount;
    /// <summary>γ of the last step.</summary>
    public double LastLearningRate => _optimizer.LastLearningRate;

    /// <summary>One SGD step on the next batch; returns its training loss (before the step).</summary>
    /// <exception cref="DivergenceException">The loss or its gradient is not finite (nothing applied).</exception>
    public double TrainStep(string runName = "run")
    {
        if (Step >= Options.Steps)
            throw new InvalidOperationException($"The run has reached its last step T = {Options.Steps}.");
        using var scope = torch.NewDisposeScope();
        _model.train();
        var indices = _batches.Batch(Step + 1).ToArray();
        var index = torch.tensor(indices.Select(i => (long)i).ToArray(), device: _data.Images.device);
        var x = _data.Images.index_select(0, index);
        if (_augmentOn) x = _augment.Apply(x);
        var y = _data.Labels.index_select(0, index);
        _optimizer.ZeroGrad();
        var loss = nn.functional.cross_entropy(_model.forward(x), y);
        loss.backward();
        double value = loss.ToDouble();
        DivergenceException.ThrowIfNotFinite(value, runName, Step + 1);
        try
        {
            _optimizer.Step().Dispose();
        }
        catch (NonFiniteGradientException e)
        {
            throw DivergenceException.FromGradient(runName, value, e);
        }
        return value;
    }

    /// <summary>An exact copy of the run's state now, in memory (see <see cref="TrainingSnapshot"/>).</summary>
    public TrainingSnapshot Snapshot()
    {
        var state = new CheckpointState();
        SaveState(state, "");
        return new TrainingSnapshot(Step, state);
    }

    private const string DataOrderKey = "data_order_seed";
    private const string AugmentationKey = "augmentation_state";

    /// <summary>
    /// Adds the run's complete state under <paramref name="prefix"/>: the module's parameters and buffers
    /// (<see cref="ModuleState"/>), the optimizer's state (<see cref="ExactOptimizer.SaveState"/>: momentum
    /// buffers, step count), the data-order seed and the augmentation generator's state. Call between steps.
    /// </summary>
    public void SaveState(CheckpointState state, string prefix)
    {
        ArgumentNullException.ThrowIfNull(state);
        ModuleState.Save(_model, state, prefix + "model/");
        _optimizer.SaveState(state, prefix + "optimizer/");
        state.Set(prefix + DataOrderKey, unchecked((long)_dataOrderSeed));
        state.Set(prefix + AugmentationKey, unchecked((long)_augment.State));
    }

    /// <summary>
    /// Restores what <see cref="SaveState"/> stored into this run (built with the same model architecture, data,
    /// options and seeds), so it continues bit for bit as the saved run would.
    /// </summary>
    /// <exception cref="CheckpointMismatchException">The state is of another architecture, optimizer or data order.</exception>
    public void LoadState(CheckpointState state, string prefix)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (unchecked((ulong)state.GetLong(prefix + DataOrderKey)) != _dataOrderSeed)
            throw new CheckpointMismatchException($"The checkpoint's run under '{prefix}' has another data-order seed than this one (other seeds or settings?).");
        LoadCore(state, prefix, streams: true);
    }

    private void LoadCore(CheckpointState state, string prefix, bool streams)
    {
        ModuleState.Load(_model, state, prefix + "model/");
        _optimizer.LoadState(state, prefix + "optimizer/");
        if (streams) _augment.Restore(unchecked((ulong)state.GetLong(prefix + AugmentationKey)));
    }

    public void Dispose() => _optimizer.Dispose();
}
